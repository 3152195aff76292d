/**
 * The access-control part of the metadata store: accounts, namespaces and members, robot
 * accounts and personal access tokens, token-signing keys and the audit log. Like the content
 * stores, one method per question auth/ asks, each one transaction; auth/ validates what it
 * passes in (names, roles, grants) and these stores only keep it.
 */

/** Where an account's identity is vouched for. */
export type AccountKind = 'local' | 'ldap' | 'oidc';

/** A user account. LDAP and OIDC accounts keep the groups their directory reported last. */
export interface AccountRecord {
  id: number;
  name: string;
  kind: AccountKind;
  /** argon2id (or, imported from htpasswd, bcrypt) hash; absent for directory accounts. */
  passwordHash?: string;
  email?: string;
  admin: boolean;
  disabled: boolean;
  groups: string[];
  /** The OIDC subject, for OIDC accounts. */
  externalId?: string;
  passwordChangedAt: Date;
  /** The revocation stamp: tokens issued before it are refused (moved by disable, enable, admin change, password). */
  tokensValidAfter: Date;
  createdAt: Date;
}

/** What an account is created with. */
export interface AccountInput {
  name: string;
  kind: AccountKind;
  passwordHash?: string;
  email?: string;
  admin?: boolean;
  groups?: string[];
  externalId?: string;
}

/** Changes to an account; a new passwordHash also moves passwordChangedAt, and it, `disabled` or `admin` the revocation stamp. */
export interface AccountChanges {
  passwordHash?: string;
  email?: string | null;
  admin?: boolean;
  disabled?: boolean;
  groups?: string[];
  externalId?: string;
}

/** User accounts. */
export interface AccountStore {
  /** Undefined when an account of that name exists (race-safe). */
  create(input: AccountInput): Promise<AccountRecord | undefined>;
  get(name: string): Promise<AccountRecord | undefined>;
  list(): Promise<AccountRecord[]>;
  update(name: string, changes: AccountChanges): Promise<boolean>;
  /** Deletes the account, its personal access tokens and its memberships, in one transaction. */
  delete(name: string): Promise<boolean>;
  count(): Promise<number>;
}

/** Who may see a namespace's or repository's content without being a member. */
export type Visibility = 'private' | 'public';

/** A namespace member's role (auth/roles.ts says what each may do). */
export type Role = 'owner' | 'maintainer' | 'developer' | 'reader';

/** A namespace: the first path component(s) of its repositories' names. */
export interface NamespaceRecord {
  name: string;
  visibility: Visibility;
  /** When set, only clients in these CIDRs may pull (and list) from the namespace. */
  pullCidrs?: string[];
  /** When set, only clients in these CIDRs may push or delete in the namespace. */
  pushCidrs?: string[];
  /** Storage quota in bytes of unique blobs; absent when there is none. */
  quotaBytes?: number;
  createdAt: Date;
}

/** Changes to a namespace; null clears a CIDR list or the quota (no restriction). */
export interface NamespaceChanges {
  visibility?: Visibility;
  pullCidrs?: string[] | null;
  pushCidrs?: string[] | null;
  /** A storage quota in bytes; null removes it. */
  quotaBytes?: number | null;
}

/** A member of a namespace: a user or a (directory) group, with one role. */
export interface MemberRecord {
  kind: 'user' | 'group';
  name: string;
  role: Role;
}

/** Namespaces, members and repository visibility. */
export interface NamespaceStore {
  /** Undefined when a namespace of that name exists. */
  create(input: { name: string; visibility: Visibility }): Promise<NamespaceRecord | undefined>;
  get(name: string): Promise<NamespaceRecord | undefined>;
  list(): Promise<NamespaceRecord[]>;
  update(name: string, changes: NamespaceChanges): Promise<boolean>;
  /**
   * Deletes the namespace and its memberships. Its repositories stay; those without a visibility
   * of their own become private (they no longer inherit one).
   */
  delete(name: string): Promise<boolean>;
  members(namespace: string): Promise<MemberRecord[]>;
  /** Adds the member or changes its role; false when the namespace does not exist. */
  setMember(namespace: string, member: MemberRecord): Promise<boolean>;
  removeMember(namespace: string, kind: MemberRecord['kind'], name: string): Promise<boolean>;
  /** The namespaces where the user, or one of the groups, has a role, with those roles. */
  membershipsOf(user: string, groups: string[]): Promise<{ namespace: string; role: Role }[]>;
  /** The repository's own visibility, or undefined when it inherits its namespace's. */
  repositoryVisibility(repository: string): Promise<Visibility | undefined>;
  /** Sets (or with null clears) a repository's visibility; false when the repository does not exist. */
  setRepositoryVisibility(repository: string, visibility: Visibility | null): Promise<boolean>;
  /** Every repository with a visibility of its own (for filtering the catalog in one query). */
  repositoryVisibilities(): Promise<Map<string, Visibility>>;
}

/** A grant stored with a robot or token: actions on repositories matching a pattern. */
export interface StoredGrant {
  /** A repository name, `ns/*` (everything under a prefix) or `*`. */
  repository: string;
  actions: string[];
}

/** A robot account or a personal access token: a secret with grants, an expiry, revocable. */
export interface CredentialRecord {
  id: string;
  kind: 'robot' | 'token';
  /** The account a token belongs to; for a robot its namespace, or '' for a system robot. */
  owner: string;
  name: string;
  grants: StoredGrant[];
  description?: string;
  createdBy: string;
  expiresAt?: Date;
  revokedAt?: Date;
  lastUsedAt?: Date;
  createdAt: Date;
}

/** What a credential is created with; only the secret's hash is kept. */
export interface CredentialInput {
  id: string;
  kind: CredentialRecord['kind'];
  owner: string;
  name: string;
  secretHash: string;
  grants: StoredGrant[];
  description?: string;
  createdBy: string;
  expiresAt?: Date;
}

/** Robot accounts and personal access tokens. */
export interface CredentialStore {
  /** Undefined when one of that kind, owner and name exists. */
  create(input: CredentialInput): Promise<CredentialRecord | undefined>;
  get(id: string): Promise<CredentialRecord | undefined>;
  findBySecretHash(secretHash: string): Promise<CredentialRecord | undefined>;
  list(filter: { kind: CredentialRecord['kind']; owner?: string }): Promise<CredentialRecord[]>;
  /** Marks it revoked (kept for the audit trail); false when unknown or already revoked. */
  revoke(id: string): Promise<boolean>;
  touch(id: string, at: Date): Promise<void>;
  /** Removes the row for good (a CI job's credential long expired); false when unknown. */
  delete(id: string): Promise<boolean>;
}

/** A key that signs access tokens (ES256), as JWK JSON text. */
export interface SigningKeyRecord {
  kid: string;
  privateJwk: string;
  publicJwk: string;
  createdAt: Date;
}

/** Token-signing keys, shared by every node through the database. */
export interface SigningKeyStore {
  /** Newest first. */
  list(): Promise<SigningKeyRecord[]>;
  add(key: SigningKeyRecord): Promise<void>;
  /** Replaces a key's stored private half (encrypting keys stored in clear); false when unknown. */
  replacePrivate(kid: string, privateJwk: string): Promise<boolean>;
}

/** One audit event: who did what to what, when, from where, and how it ended. */
export interface AuditEventInput {
  at: Date;
  actor: string;
  actorKind: string;
  action: string;
  target?: string;
  outcome: 'success' | 'failure' | 'denied';
  clientIp?: string;
  detail?: Record<string, unknown>;
}

/** A stored audit event. */
export interface AuditEventRecord extends AuditEventInput {
  id: number;
}

/** Filters of an audit query; events come newest first. */
export interface AuditQuery {
  actor?: string;
  action?: string;
  /** Events whose target starts with this. */
  target?: string;
  outcome?: AuditEventInput['outcome'];
  /** Events at or after this time. */
  since?: Date;
  /** Events before this time. */
  until?: Date;
  /** Events older than this id (the next page). */
  before?: number;
  limit: number;
}

/** The audit log. */
export interface AuditStore {
  append(events: AuditEventInput[]): Promise<void>;
  query(filter: AuditQuery): Promise<AuditEventRecord[]>;
  /**
   * Deletes up to `limit` events older than `before` (oldest first) and returns how many went;
   * callers repeat until fewer than `limit` go, so no single statement holds locks for long.
   */
  deleteOlderThan(before: Date, limit: number): Promise<number>;
}
