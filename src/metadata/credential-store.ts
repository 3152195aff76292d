import type { Kysely, Selectable } from 'kysely';
import type { CredentialInput, CredentialRecord, CredentialStore, StoredGrant } from './access-store.js';
import type { CredentialsTable, Database } from './schema.js';

/** Robot accounts and personal access tokens through Kysely. */
export class KyselyCredentialStore implements CredentialStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: CredentialInput): Promise<CredentialRecord | undefined> {
    const result = await this.db
      .insertInto('credentials')
      .values({
        id: input.id,
        kind: input.kind,
        owner: input.owner,
        name: input.name,
        secret_hash: input.secretHash,
        grants: JSON.stringify(input.grants),
        description: input.description ?? null,
        created_by: input.createdBy,
        expires_at: input.expiresAt?.getTime() ?? null,
        created_at: Date.now(),
      })
      .onConflict((oc) => oc.columns(['kind', 'owner', 'name']).doNothing())
      .executeTakeFirst();
    if (result.numInsertedOrUpdatedRows === 0n) return undefined;
    return this.get(input.id);
  }

  async get(id: string): Promise<CredentialRecord | undefined> {
    const row = await this.db.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  async findBySecretHash(secretHash: string): Promise<CredentialRecord | undefined> {
    const row = await this.db.selectFrom('credentials').selectAll().where('secret_hash', '=', secretHash).executeTakeFirst();
    return row && toRecord(row);
  }

  async list(filter: { kind: CredentialRecord['kind']; owner?: string }): Promise<CredentialRecord[]> {
    const rows = await this.db
      .selectFrom('credentials')
      .selectAll()
      .where('kind', '=', filter.kind)
      .$if(filter.owner !== undefined, (q) => q.where('owner', '=', filter.owner ?? ''))
      .orderBy('owner')
      .orderBy('name')
      .execute();
    return rows.map(toRecord);
  }

  async revoke(id: string): Promise<boolean> {
    const result = await this.db.updateTable('credentials').set({ revoked_at: Date.now() }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.db.updateTable('credentials').set({ last_used_at: at.getTime() }).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('credentials').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}

function toRecord(row: Selectable<CredentialsTable>): CredentialRecord {
  const date = (value: number | null): Date | undefined => (value === null ? undefined : new Date(Number(value)));
  const expiresAt = date(row.expires_at);
  const revokedAt = date(row.revoked_at);
  const lastUsedAt = date(row.last_used_at);
  return {
    id: row.id,
    kind: row.kind as CredentialRecord['kind'],
    owner: row.owner,
    name: row.name,
    grants: JSON.parse(row.grants) as StoredGrant[],
    ...(row.description === null ? {} : { description: row.description }),
    createdBy: row.created_by,
    ...(expiresAt ? { expiresAt } : {}),
    ...(revokedAt ? { revokedAt } : {}),
    ...(lastUsedAt ? { lastUsedAt } : {}),
    createdAt: new Date(Number(row.created_at)),
  };
}
