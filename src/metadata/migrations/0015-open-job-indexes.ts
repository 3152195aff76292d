/**
 * The fifteenth migration: claims read only unfinished jobs. Finished jobs stay in the table for
 * jobs.retentionDays, and the claim's "due, or running on a lease that ran out" condition (an OR
 * over states) let the planner narrow 0012's index by kind alone: every claim walked every job
 * of its kind kept in the last week, and the group check (0014's index) every finished job of
 * the group before an unfinished one — 10 ms of CPU per webhook delivery once a few hundred had
 * been made. Partial indexes over the unfinished jobs (SQLite and PostgreSQL both have them),
 * which the claim names with `state in ('queued', 'running')`, keep both to the open work.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const openJobIndexesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`create index if not exists jobs_open on jobs (kind, run_at, id) where state in ('queued', 'running')`.execute(db);
    await sql`create index if not exists jobs_group_open on jobs (group_key, id) where state in ('queued', 'running')`.execute(db);
    await sql`drop index if exists jobs_group`.execute(db);
  },
};
