/**
 * A fresh PostgreSQL schema the scale-out nodes share as their metadata store: Berth creates it
 * and runs its migrations on first start (BERTH_METADATA_URL=…?schema=<name>); the benchmark
 * drops it at the end, so runs never see each other's rows and leave nothing behind.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** BENCH_POSTGRES_URL points at another server (a database the user may create schemas in). */
export function postgresServerUrl(env: NodeJS.ProcessEnv): string {
  return env.BENCH_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';
}

async function withClient<T>(serverUrl: string, task: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await task(client);
  } finally {
    await client.end();
  }
}

/** Why the server cannot be used, or undefined when it answers. */
export async function postgresUnreachable(serverUrl: string): Promise<string | undefined> {
  try {
    await withClient(serverUrl, (client) => client.query('select 1'));
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${serverUrl.replace(/:[^:@/]*@/, ':***@')} does not answer (${(error as Error).message}); set BENCH_POSTGRES_URL`;
  }
}

/** A schema name of this run's own, the metadata URL that selects it, and how to drop it. */
export interface BenchSchema {
  name: string;
  metadataUrl: string;
  drop(): Promise<void>;
}

export function benchSchema(serverUrl: string): BenchSchema {
  // Berth accepts lowercase letters, digits and underscores in a schema name.
  const name = `bench_${randomBytes(6).toString('hex')}`;
  const url = new URL(serverUrl);
  url.searchParams.set('schema', name);
  return {
    name,
    metadataUrl: url.toString(),
    drop: () => withClient(serverUrl, async (client) => void (await client.query(`drop schema if exists "${name}" cascade`))),
  };
}
