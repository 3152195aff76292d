import type { Kysely, Selectable } from 'kysely';
import type { MemberRecord, NamespaceChanges, NamespaceRecord, NamespaceStore, Role, Visibility } from './access-store.js';
import type { Database, NamespacesTable } from './schema.js';

/** Namespaces, members and repository visibility through Kysely. */
export class KyselyNamespaceStore implements NamespaceStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: { name: string; visibility: Visibility }): Promise<NamespaceRecord | undefined> {
    const result = await this.db
      .insertInto('namespaces')
      .values({ name: input.name, visibility: input.visibility, created_at: Date.now() })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    if (result.numInsertedOrUpdatedRows === 0n) return undefined;
    return this.get(input.name);
  }

  async get(name: string): Promise<NamespaceRecord | undefined> {
    const row = await this.db.selectFrom('namespaces').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toRecord(row);
  }

  async list(): Promise<NamespaceRecord[]> {
    return (await this.db.selectFrom('namespaces').selectAll().orderBy('name').execute()).map(toRecord);
  }

  async update(name: string, changes: NamespaceChanges): Promise<boolean> {
    const cidrs = (list: string[] | null): string | null => (list === null ? null : JSON.stringify(list));
    const set = {
      ...(changes.visibility !== undefined ? { visibility: changes.visibility } : {}),
      ...(changes.pullCidrs !== undefined ? { pull_cidrs: cidrs(changes.pullCidrs) } : {}),
      ...(changes.pushCidrs !== undefined ? { push_cidrs: cidrs(changes.pushCidrs) } : {}),
      ...(changes.quotaBytes !== undefined ? { quota_bytes: changes.quotaBytes } : {}),
    };
    // An empty SET is a syntax error: nothing to change, so only say whether it exists.
    if (Object.keys(set).length === 0) return (await this.get(name)) !== undefined;
    const result = await this.db.updateTable('namespaces').set(set).where('name', '=', name).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async delete(name: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('namespaces').select('id').where('name', '=', name).executeTakeFirst();
      if (!row) return false;
      // Explicit rather than relying on ON DELETE CASCADE: SQLite enforces it only with foreign_keys on.
      await trx.deleteFrom('namespace_members').where('namespace_id', '=', row.id).execute();
      await trx.deleteFrom('namespaces').where('id', '=', row.id).execute();
      return true;
    });
  }

  async members(namespace: string): Promise<MemberRecord[]> {
    const rows = await this.db
      .selectFrom('namespace_members')
      .innerJoin('namespaces', 'namespaces.id', 'namespace_members.namespace_id')
      .select(['member_kind', 'member_name', 'role'])
      .where('namespaces.name', '=', namespace)
      .orderBy('member_kind')
      .orderBy('member_name')
      .execute();
    return rows.map((row) => ({ kind: row.member_kind as MemberRecord['kind'], name: row.member_name, role: row.role as Role }));
  }

  async setMember(namespace: string, member: MemberRecord): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('namespaces').select('id').where('name', '=', namespace).executeTakeFirst();
      if (!row) return false;
      await trx
        .insertInto('namespace_members')
        .values({ namespace_id: row.id, member_kind: member.kind, member_name: member.name, role: member.role, created_at: Date.now() })
        .onConflict((oc) => oc.columns(['namespace_id', 'member_kind', 'member_name']).doUpdateSet({ role: member.role }))
        .execute();
      return true;
    });
  }

  async removeMember(namespace: string, kind: MemberRecord['kind'], name: string): Promise<boolean> {
    const row = await this.db.selectFrom('namespaces').select('id').where('name', '=', namespace).executeTakeFirst();
    if (!row) return false;
    const result = await this.db
      .deleteFrom('namespace_members')
      .where('namespace_id', '=', row.id)
      .where('member_kind', '=', kind)
      .where('member_name', '=', name)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async membershipsOf(user: string, groups: string[]): Promise<{ namespace: string; role: Role }[]> {
    const rows = await this.db
      .selectFrom('namespace_members')
      .innerJoin('namespaces', 'namespaces.id', 'namespace_members.namespace_id')
      .select(['namespaces.name as namespace', 'role'])
      .where((eb) =>
        eb.or([
          eb.and([eb('member_kind', '=', 'user'), eb('member_name', '=', user)]),
          ...(groups.length > 0 ? [eb.and([eb('member_kind', '=', 'group'), eb('member_name', 'in', groups)])] : []),
        ]),
      )
      .execute();
    return rows.map((row) => ({ namespace: row.namespace, role: row.role as Role }));
  }

  async repositoryVisibility(repository: string): Promise<Visibility | undefined> {
    const row = await this.db.selectFrom('repositories').select('visibility').where('name', '=', repository).executeTakeFirst();
    return (row?.visibility ?? undefined) as Visibility | undefined;
  }

  async setRepositoryVisibility(repository: string, visibility: Visibility | null): Promise<boolean> {
    const result = await this.db.updateTable('repositories').set({ visibility }).where('name', '=', repository).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async repositoryVisibilities(): Promise<Map<string, Visibility>> {
    const rows = await this.db.selectFrom('repositories').select(['name', 'visibility']).where('visibility', 'is not', null).execute();
    return new Map(rows.map((row) => [row.name, row.visibility as Visibility]));
  }
}

function toRecord(row: Selectable<NamespacesTable>): NamespaceRecord {
  return {
    name: row.name,
    visibility: row.visibility as Visibility,
    ...(row.pull_cidrs === null ? {} : { pullCidrs: JSON.parse(row.pull_cidrs) as string[] }),
    ...(row.push_cidrs === null ? {} : { pushCidrs: JSON.parse(row.push_cidrs) as string[] }),
    ...(row.quota_bytes === null ? {} : { quotaBytes: Number(row.quota_bytes) }),
    createdAt: new Date(Number(row.created_at)),
  };
}
