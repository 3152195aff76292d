import { randomBytes } from 'node:crypto';

/**
 * A PostgreSQL metadata URL on the machine's server (127.0.0.1:5432, database `test`) with a
 * fresh schema, so test files running in parallel never see each other's rows.
 * BERTH_TEST_POSTGRES_URL overrides the server.
 */
export function postgresTestUrl(): string {
  const base = process.env.BERTH_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  return `${base}?schema=t_${randomBytes(6).toString('hex')}`;
}

/** Drops the schema a {@link postgresTestUrl} named (tests leave no schemas behind). */
export async function dropTestSchema(url: string): Promise<void> {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  if (schema === null || !/^t_[0-9a-f]+$/.test(schema)) return;
  parsed.searchParams.delete('schema');
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: parsed.toString() });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}
