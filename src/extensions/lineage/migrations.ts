/**
 * The lineage extension's tables (`lineage/0001-…`): one row per recorded image manifest or index
 * (its layer chain's top ChainID and depth, its platform, the base its annotations name), one row
 * per prefix of each image's layer chain (so "which stored images start with this stack" is one
 * indexed read), and per base tag its latest burst of moves, pending or settled (base-moves.ts).
 */
import type { Kysely, Migration } from 'kysely';
import type { ExtraMigrations } from '../../metadata/migrations/index.js';

export const lineageMigrations: ExtraMigrations = () => {
  const initial: Migration = {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('lineage_images')
        .ifNotExists()
        .addColumn('repository', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('is_index', 'integer', (c) => c.notNull())
        .addColumn('platform', 'text')
        .addColumn('depth', 'integer', (c) => c.notNull())
        .addColumn('chain', 'text')
        .addColumn('base_name', 'text')
        .addColumn('base_repository', 'text')
        .addColumn('base_tag', 'text')
        .addColumn('base_digest', 'text')
        .addColumn('recorded_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('lineage_images_pk', ['repository', 'digest'])
        .execute();
      await db.schema.createIndex('lineage_images_chain').ifNotExists().on('lineage_images').columns(['chain', 'depth']).execute();
      await db.schema.createIndex('lineage_images_base_name').ifNotExists().on('lineage_images').columns(['base_repository', 'base_tag']).execute();
      await db.schema.createIndex('lineage_images_base_digest').ifNotExists().on('lineage_images').column('base_digest').execute();
      await db.schema
        .createTable('lineage_chains')
        .ifNotExists()
        .addColumn('repository', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('depth', 'integer', (c) => c.notNull())
        .addColumn('chain', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('lineage_chains_pk', ['repository', 'digest', 'depth'])
        .execute();
      await db.schema.createIndex('lineage_chains_chain').ifNotExists().on('lineage_chains').columns(['chain', 'depth']).execute();
      await db.schema
        .createTable('lineage_pending_moves')
        .ifNotExists()
        .addColumn('repository', 'text', (c) => c.notNull())
        .addColumn('tag', 'text', (c) => c.notNull())
        .addColumn('old_digest', 'text', (c) => c.notNull())
        .addColumn('new_digest', 'text', (c) => c.notNull())
        .addColumn('last_event', 'bigint', (c) => c.notNull())
        .addColumn('settled', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('lineage_pending_moves_pk', ['repository', 'tag'])
        .execute();
    },
  };
  return { 'lineage/0001-lineage': initial };
};
