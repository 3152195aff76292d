/**
 * LDAP / Active Directory login: bind as a service account, search the one user the name denotes,
 * bind as that user with the password, and read the user's groups (group search and/or memberOf).
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import {
  Client,
  Filter,
  InappropriateAuthError,
  InvalidCredentialsError,
  SizeLimitExceededError,
  UnwillingToPerformError,
  type Entry,
} from 'ldapts';

/** Settings of an LDAP / Active Directory server (the lead maps config keys onto this). */
export interface LdapSettings {
  /** ldap://host:port or ldaps://host:port */
  url: string;
  /** Upgrade an ldap:// connection with StartTLS before binding. */
  startTls: boolean;
  /** PEM CA bundle to trust (LDAPS/StartTLS). */
  tlsCaFile?: string;
  /** Skip certificate verification (logged as a warning by the caller). */
  tlsInsecure?: boolean;
  /** The service account. */
  bindDn: string;
  bindPassword: string;
  /** e.g. ou=people,dc=example,dc=org */
  userBase: string;
  /** e.g. (uid={username}) or AD: (sAMAccountName={username}); {username} is escaped per RFC 4515. */
  userFilter: string;
  /** Attribute whose value becomes the Berth username, e.g. uid / sAMAccountName. */
  usernameAttribute: string;
  /** e.g. mail */
  emailAttribute?: string;
  /** When set, groups are searched there with groupFilter. */
  groupBase?: string;
  /** e.g. (&(objectClass=groupOfNames)(member={dn})); {dn} is escaped. */
  groupFilter: string;
  /** e.g. cn */
  groupNameAttribute: string;
  /** AD style: read the user's memberOf values (group DNs → their first RDN value as name). */
  memberOfAttribute?: string;
  timeoutMs: number;
}

/** A user the directory vouched for. */
export interface DirectoryUser {
  username: string;
  dn: string;
  email?: string;
  groups: string[];
}

/** The directory could not be asked: unreachable, TLS failure, timeout, or the service bind failed. */
export class LdapUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LdapUnavailableError';
  }
}

/** An LDAP server that vouches for users; one connection per call, closed before returning. */
export class LdapDirectory {
  private readonly settings: LdapSettings;
  private readonly tls: ConnectionOptions;
  /** scheme://host:port only, for error messages (never credentials). */
  private readonly origin: string;

  constructor(settings: LdapSettings) {
    this.settings = settings;
    const url = new URL(settings.url);
    this.origin = `${url.protocol}//${url.host}`;
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    this.tls = {
      // Read once: a missing CA file is a configuration error to report at startup, not per login.
      ...(settings.tlsCaFile === undefined ? {} : { ca: readFileSync(settings.tlsCaFile) }),
      rejectUnauthorized: settings.tlsInsecure !== true,
      // StartTLS hands tls.connect a socket, so the name to verify (and SNI) must be given here.
      host: hostname,
      ...(isIP(hostname) === 0 ? { servername: hostname } : {}),
    };
  }

  /**
   * Binds as the service account, finds exactly one user, binds as that user with the password;
   * undefined when the user is unknown, ambiguous or the password is wrong. Throws
   * LdapUnavailableError when the server can't be reached or the service bind fails.
   */
  async authenticate(username: string, password: string): Promise<DirectoryUser | undefined> {
    // RFC 4513 §5.1.2: a simple bind with a DN and an empty password is an "unauthenticated"
    // bind that many servers (AD included) answer with success — never send one.
    if (username === '' || password === '') return undefined;
    const client = await this.connect();
    try {
      await this.bindService(client);
      const entry = await this.findUser(client, username);
      if (entry === undefined) return undefined;
      const name = pickUsername(values(entry, this.settings.usernameAttribute), username);
      if (name === undefined) return undefined;
      // Groups are read with the service account's rights, before the user's bind replaces them.
      const groups = await this.groupsOf(client, entry);
      if (!(await this.bindUser(client, entry.dn, password))) return undefined;
      const email = this.settings.emailAttribute === undefined ? undefined : values(entry, this.settings.emailAttribute)[0];
      return { username: name, dn: entry.dn, ...(email === undefined ? {} : { email }), groups };
    } finally {
      await close(client);
    }
  }

  /** Binds as the service account and unbinds: a readiness check. Throws LdapUnavailableError. */
  async check(): Promise<void> {
    const client = await this.connect();
    try {
      await this.bindService(client);
    } finally {
      await close(client);
    }
  }

  /** A connected client, TLS-upgraded when StartTLS is configured. */
  private async connect(): Promise<Client> {
    const { url, startTls, timeoutMs } = this.settings;
    const ldaps = url.toLowerCase().startsWith('ldaps:');
    // ldapts connects with TLS whenever tlsOptions is given, so StartTLS must not pass it here.
    const client = new Client({ url, timeout: timeoutMs, connectTimeout: timeoutMs, ...(ldaps ? { tlsOptions: this.tls } : {}) });
    if (!startTls || ldaps) return client;
    try {
      await client.startTLS({ ...this.tls });
      return client;
    } catch (error) {
      await close(client);
      throw this.unavailable('StartTLS', error);
    }
  }

  private async bindService(client: Client): Promise<void> {
    try {
      await client.bind(this.settings.bindDn, this.settings.bindPassword);
    } catch (error) {
      throw this.unavailable(`service account bind (${this.settings.bindDn})`, error);
    }
  }

  /** The one entry the username denotes; undefined when none or several match. */
  private async findUser(client: Client, username: string): Promise<Entry | undefined> {
    const { userBase, userFilter, usernameAttribute, emailAttribute, memberOfAttribute } = this.settings;
    const attributes = [usernameAttribute, emailAttribute, memberOfAttribute].filter((a): a is string => a !== undefined);
    try {
      // sizeLimit 2 is enough to tell "exactly one" from "ambiguous" without reading a crowd.
      const { searchEntries } = await client.search(userBase, {
        scope: 'sub',
        filter: substitute(userFilter, 'username', username),
        attributes,
        sizeLimit: 2,
        timeLimit: Math.ceil(this.settings.timeoutMs / 1000),
      });
      return searchEntries.length === 1 ? searchEntries[0] : undefined;
    } catch (error) {
      if (error instanceof SizeLimitExceededError) return undefined;
      throw this.unavailable('user search', error);
    }
  }

  /** Group names from memberOf values and/or a group search, sorted and without duplicates. */
  private async groupsOf(client: Client, user: Entry): Promise<string[]> {
    const { groupBase, groupFilter, groupNameAttribute, memberOfAttribute } = this.settings;
    const names = new Set<string>();
    if (memberOfAttribute !== undefined) {
      for (const dn of values(user, memberOfAttribute)) {
        const name = firstRdnValue(dn);
        if (name !== undefined) names.add(name);
      }
    }
    if (groupBase !== undefined) {
      try {
        const { searchEntries } = await client.search(groupBase, {
          scope: 'sub',
          filter: substitute(groupFilter, 'dn', user.dn),
          attributes: [groupNameAttribute],
          timeLimit: Math.ceil(this.settings.timeoutMs / 1000),
        });
        for (const group of searchEntries) {
          const name = values(group, groupNameAttribute)[0];
          if (name !== undefined) names.add(name);
        }
      } catch (error) {
        throw this.unavailable('group search', error);
      }
    }
    return [...names].sort();
  }

  /** True when the server accepts the password; false when it refuses this user. */
  private async bindUser(client: Client, dn: string, password: string): Promise<boolean> {
    try {
      await client.bind(dn, password);
      return true;
    } catch (error) {
      // Wrong password (49), and what servers answer for locked/disabled accounts or refused
      // mechanisms (48, 53): the user is refused, the directory itself is fine.
      const refused = error instanceof InvalidCredentialsError || error instanceof InappropriateAuthError || error instanceof UnwillingToPerformError;
      if (refused) return false;
      throw this.unavailable('user bind', error);
    }
  }

  private unavailable(step: string, error: unknown): LdapUnavailableError {
    // ldapts result-code errors carry little text ("Code: 0x31"); their class name says what it was.
    const reason = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message.trim()}` : String(error);
    return new LdapUnavailableError(`LDAP ${this.origin}: ${step} failed: ${reason}`, { cause: error });
  }
}

/** Unbinds and closes; a failure here must not hide the result or the first error. */
async function close(client: Client): Promise<void> {
  try {
    await client.unbind();
  } catch {
    // the socket is destroyed by unbind() either way
  }
}

/** Replaces {name} in a filter with the value escaped per RFC 4515 §3 (no filter injection). */
function substitute(filter: string, name: string, value: string): string {
  return filter.split(`{${name}}`).join(Filter.escape(value));
}

/** An attribute's values as strings; attribute names compare case-insensitively (RFC 4512 §2.5). */
function values(entry: Entry, attribute: string): string[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === attribute.toLowerCase());
  const raw = key === undefined ? [] : entry[key];
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
}

/** The value the user typed when the attribute holds it (any case), else the first value. */
function pickUsername(candidates: string[], typed: string): string | undefined {
  return candidates.find((c) => c.toLowerCase() === typed.toLowerCase()) ?? candidates[0];
}

/**
 * The value of a DN's first RDN, unescaped per RFC 4514 §2.4 (`\,` and `\2C` forms; runs of hex
 * escapes are UTF-8 bytes): `cn=ops\2C on-call,ou=groups,…` → `ops, on-call`.
 */
function firstRdnValue(dn: string): string | undefined {
  const raw = /^[^=]+=((?:\\.|[^,+\\])*)/su.exec(dn)?.[1];
  if (raw === undefined || raw === '') return undefined;
  return raw.replace(/((?:\\[0-9a-fA-F]{2})+)|\\(.)/gsu, (_, hex: string | undefined, char: string | undefined) =>
    hex === undefined ? (char ?? '') : Buffer.from(hex.replaceAll('\\', ''), 'hex').toString('utf8'));
}
