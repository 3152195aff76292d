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
