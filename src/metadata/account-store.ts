import type { Kysely, Selectable } from 'kysely';
import type { AccountChanges, AccountInput, AccountKind, AccountRecord, AccountStore } from './access-store.js';
import type { AccountsTable, Database } from './schema.js';

/** User accounts through Kysely. */
export class KyselyAccountStore implements AccountStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: AccountInput): Promise<AccountRecord | undefined> {
    const now = Date.now();
    const result = await this.db
      .insertInto('accounts')
      .values({
        name: input.name,
        kind: input.kind,
        password_hash: input.passwordHash ?? null,
        email: input.email ?? null,
        admin: input.admin ? 1 : 0,
        disabled: 0,
        groups: JSON.stringify(input.groups ?? []),
        external_id: input.externalId ?? null,
        password_changed_at: now,
        tokens_valid_after: now,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    if (result.numInsertedOrUpdatedRows === 0n) return undefined;
    return this.get(input.name);
  }

  async get(name: string): Promise<AccountRecord | undefined> {
    const row = await this.db.selectFrom('accounts').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toRecord(row);
  }

  async list(): Promise<AccountRecord[]> {
    const rows = await this.db.selectFrom('accounts').selectAll().orderBy('name').execute();
    return rows.map(toRecord);
  }

  async update(name: string, changes: AccountChanges): Promise<boolean> {
    const now = Date.now();
    const result = await this.db
      .updateTable('accounts')
      .set({
        updated_at: now,
        ...(changes.passwordHash !== undefined ? { password_hash: changes.passwordHash, password_changed_at: now } : {}),
        ...(changes.email !== undefined ? { email: changes.email } : {}),
        ...(changes.admin !== undefined ? { admin: changes.admin ? 1 : 0 } : {}),
        ...(changes.disabled !== undefined ? { disabled: changes.disabled ? 1 : 0 } : {}),
        ...(changes.disabled !== undefined || changes.admin !== undefined || changes.passwordHash !== undefined ? { tokens_valid_after: now } : {}),
        ...(changes.groups !== undefined ? { groups: JSON.stringify(changes.groups) } : {}),
        ...(changes.externalId !== undefined ? { external_id: changes.externalId } : {}),
      })
      .where('name', '=', name)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async delete(name: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('accounts').where('name', '=', name).executeTakeFirst();
      if (result.numDeletedRows === 0n) return false;
      await trx.deleteFrom('credentials').where('kind', '=', 'token').where('owner', '=', name).execute();
      await trx.deleteFrom('namespace_members').where('member_kind', '=', 'user').where('member_name', '=', name).execute();
      return true;
    });
  }

  async count(): Promise<number> {
    const row = await this.db.selectFrom('accounts').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

function toRecord(row: Selectable<AccountsTable>): AccountRecord {
  return {
    id: Number(row.id),
    name: row.name,
    kind: row.kind as AccountKind,
    ...(row.password_hash === null ? {} : { passwordHash: row.password_hash }),
    ...(row.email === null ? {} : { email: row.email }),
    admin: row.admin === 1,
    disabled: row.disabled === 1,
    groups: JSON.parse(row.groups) as string[],
    ...(row.external_id === null ? {} : { externalId: row.external_id }),
    passwordChangedAt: new Date(Number(row.password_changed_at)),
    tokensValidAfter: new Date(Number(row.tokens_valid_after)),
    createdAt: new Date(Number(row.created_at)),
  };
}
