/**
 * Issues and verifies Berth's JWTs (docker-registry spec, auth-jwt.md): ES256-signed access
 * tokens carrying the granted `access` list, and refresh tokens for the OAuth2 grant. Keys live
 * in the metadata store so every node signs and verifies with the same set; the public half is
 * served as a JWKS so other services can verify Berth's tokens. With a key-encryption secret the
 * private halves are stored sealed (key-encryption.ts).
 */
import { LeaseBusyError, type Exclusive } from '../cluster/exclusive.js';
import { BoundedCache } from '../cluster/bounded-cache.js';
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify, type JWK, type JWTPayload } from 'jose';
import type { SigningKeyRecord, SigningKeyStore } from '../metadata/access-store.js';
import { isSealed, KeyEncryptionError, type KeyEncryption } from './key-encryption.js';

/** Whom a token speaks for. */
export interface TokenSubject {
  kind: 'anonymous' | 'user' | 'robot';
  name: string;
  /** The robot or personal access token the principal logged in with. */
  credentialId?: string;
}

/** One granted resource (auth-jwt.md's `access` claim). */
export interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

/** The claims Berth reads back from a verified access token. */
export interface AccessClaims {
  subject: TokenSubject;
  access: AccessEntry[];
  /** When the token was issued, to the millisecond (see issuedAtOf). */
  issuedAt: Date;
}

/** Token settings from the configuration. */
export interface TokenSettings {
  issuer: string;
  service: string;
  lifetimeSeconds: number;
  refreshLifetimeSeconds: number;
}

type Key = Awaited<ReturnType<typeof importJWK>>;

// Clocks of nodes and clients drift a little; a token is accepted this much past its times.
const CLOCK_TOLERANCE_SECONDS = 5;
// Access tokens whose verification is remembered (each a few hundred bytes).
const VERIFIED_ENTRIES = 10_000;

// A token naming an unknown kid makes us re-read the keys (another node may have made one), but
// not more often than this: random kids must not turn into a query each.
const RELOAD_INTERVAL_MS = 10_000;

/** Signs and verifies access and refresh tokens. */
export class TokenIssuer {
  private signing: { kid: string; key: Key } | undefined;
  private verifying = new Map<string, Key>();
  private publicJwks: JWK[] = [];
  private lastLoad = 0;
  private readonly verified = new BoundedCache<AccessClaims>({ max: VERIFIED_ENTRIES });

  /**
   * `exclusive`: nodes starting together on an empty database create the first key one at a time.
   * `encryption`: the private keys are stored sealed with it (and keys stored in clear are sealed
   * at init); without it, a sealed key makes init fail.
   */
  constructor(
    private readonly keys: SigningKeyStore,
    readonly settings: TokenSettings,
    private readonly exclusive?: Exclusive,
    private readonly encryption?: KeyEncryption,
  ) {}

  /**
   * Loads the keys, creating the first one when there is none. Nodes starting at once must not
   * each make one: a node knows only the keys it loaded, and would refuse the others' tokens
   * until it next re-reads them (see keyFor).
   */
  async init(): Promise<void> {
    while ((await this.keys.list()).length === 0) {
      const created = await (this.exclusive ? this.exclusive.run('signing-keys', () => this.createFirstKey()) : this.createFirstKey()).then(
        () => true,
        (error: unknown) => {
          if (error instanceof LeaseBusyError) return false;
          throw error;
        },
      );
      if (!created) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await this.sealStoredKeys();
    await this.load();
  }

  /**
   * Checks every stored key opens with the configured secret (a node with the wrong one must
   * refuse to start, never make a key of its own) and seals keys stored in clear.
   */
  private async sealStoredKeys(): Promise<void> {
    for (const record of await this.keys.list()) {
      if (isSealed(record.privateJwk)) {
        this.privateOf(record);
      } else if (this.encryption) {
        await this.keys.replacePrivate(record.kid, this.encryption.seal(record.kid, record.privateJwk));
      }
    }
  }

  /** The private JWK of a stored key, opened when sealed. */
  private privateOf(record: SigningKeyRecord): JWK {
    if (!isSealed(record.privateJwk)) return JSON.parse(record.privateJwk) as JWK;
    if (!this.encryption) {
      throw new KeyEncryptionError(`signing key ${record.kid} is stored encrypted but no key-encryption secret is configured: set auth.keyEncryptionKey (or auth.keyEncryptionKeyFile)`);
    }
    return JSON.parse(this.encryption.open(record.kid, record.privateJwk)) as JWK;
  }

  private async createFirstKey(): Promise<void> {
    if ((await this.keys.list()).length > 0) return;
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = randomUUID();
    const privateJwk = JSON.stringify(await exportJWK(privateKey));
    await this.keys.add({
      kid,
      privateJwk: this.encryption ? this.encryption.seal(kid, privateJwk) : privateJwk,
      publicJwk: JSON.stringify({ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }),
      createdAt: new Date(),
    });
  }

  private async load(): Promise<void> {
    this.lastLoad = Date.now();
    const records = await this.keys.list();
    const verifying = new Map<string, Key>();
    for (const record of records) verifying.set(record.kid, await importJWK(JSON.parse(record.publicJwk) as JWK, 'ES256'));
    this.verifying = verifying;
    this.publicJwks = records.map((record) => JSON.parse(record.publicJwk) as JWK);
    // Two nodes starting together may each add a key; every node signs with the newest.
    const newest = records[0];
    if (newest) this.signing = { kid: newest.kid, key: await importJWK(this.privateOf(newest), 'ES256') };
  }

  /** The public keys as a JWK Set. */
  jwks(): { keys: JWK[] } {
    return { keys: this.publicJwks };
  }

  /** An access token for the subject with the granted access. */
  async issueAccess(subject: TokenSubject, access: AccessEntry[]): Promise<{ token: string; expiresIn: number; issuedAt: Date }> {
    const issuedAt = new Date();
    const token = await this.sign({ access, ...subjectClaims(subject) }, this.settings.service, subject.name, issuedAt, this.settings.lifetimeSeconds);
    return { token, expiresIn: this.settings.lifetimeSeconds, issuedAt: wholeSeconds(issuedAt) };
  }

  /** A refresh token (OAuth2 refresh_token grant); the subject is re-checked when it is used. */
  async issueRefresh(subject: TokenSubject): Promise<string> {
    const issuedAt = new Date();
    return this.sign(subjectClaims(subject), refreshAudience(this.settings.service), subject.name, issuedAt, this.settings.refreshLifetimeSeconds);
  }

  /** The claims of a valid access token for this service, or undefined (bad, expired, foreign). */
  async verifyAccess(token: string): Promise<AccessClaims | undefined> {
    const cached = this.verified.get(token);
    if (cached) return cached;
    const payload = await this.verify(token, this.settings.service);
    if (!payload || !Array.isArray(payload.access)) return undefined;
    const claims = { subject: subjectOf(payload), access: payload.access as AccessEntry[], issuedAt: issuedAtOf(payload) };
    // A client sends the same token with every request of a pull: checking its signature once
    // (ES256 verification was most of a manifest GET's cost) and remembering the exact string
    // is as safe as checking again — until it expires, which a hit still checks.
    this.verified.set(token, claims, (payload.exp ?? 0) * 1000 + CLOCK_TOLERANCE_SECONDS * 1000);
    return claims;
  }

  /** The subject of a valid refresh token and when it was issued, or undefined. */
  async verifyRefresh(token: string): Promise<{ subject: TokenSubject; issuedAt: Date } | undefined> {
    const payload = await this.verify(token, refreshAudience(this.settings.service));
    return payload && { subject: subjectOf(payload), issuedAt: issuedAtOf(payload) };
  }

  /**
   * A short-lived signed envelope for state a browser carries between two requests (an OIDC
   * login in progress), so any node can finish what another began. Signed, not encrypted: it
   * holds nothing the browser that started the login may not see.
   */
  async sealLoginState(state: Record<string, unknown>, lifetimeSeconds: number): Promise<string> {
    const issuedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    return this.sign({ state }, loginStateAudience(this.settings.service), 'login-state', issuedAt, lifetimeSeconds);
  }

  /** The state sealed by {@link sealLoginState}, or undefined when invalid or expired. */
  async openLoginState(token: string): Promise<Record<string, unknown> | undefined> {
    const payload = await this.verify(token, loginStateAudience(this.settings.service));
    return payload && typeof payload.state === 'object' && payload.state !== null ? (payload.state as Record<string, unknown>) : undefined;
  }

  private async sign(claims: Record<string, unknown>, audience: string, subject: string, issuedAt: Date, lifetime: number): Promise<string> {
    if (!this.signing) throw new Error('TokenIssuer.init() was not called');
    const seconds = Math.floor(issuedAt.getTime() / 1000);
    // iat holds whole seconds; `iat_ms` keeps the millisecond so that a password changed later in
    // the same second still voids the token (Authenticator.principalOf compares the two).
    return new SignJWT({ ...claims, iat_ms: issuedAt.getTime() })
      .setProtectedHeader({ alg: 'ES256', kid: this.signing.kid, typ: 'JWT' })
      .setIssuer(this.settings.issuer)
      .setSubject(subject)
      .setAudience(audience)
      .setIssuedAt(seconds)
      .setNotBefore(seconds)
      .setExpirationTime(seconds + lifetime)
      .setJti(randomUUID())
      .sign(this.signing.key);
  }

  private async verify(token: string, audience: string): Promise<JWTPayload | undefined> {
    try {
      const { payload } = await jwtVerify(token, async (header) => this.keyFor(header.kid), {
        issuer: this.settings.issuer,
        audience,
        algorithms: ['ES256'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
      return payload;
    } catch {
      return undefined;
    }
  }

  private async keyFor(kid: string | undefined): Promise<Key> {
    if (kid === undefined) throw new Error('token names no key');
    if (!this.verifying.has(kid) && Date.now() - this.lastLoad > RELOAD_INTERVAL_MS) await this.load();
    const key = this.verifying.get(kid);
    if (!key) throw new Error('token names an unknown key');
    return key;
  }
}

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/**
 * When a verified token was issued, to the millisecond: its `iat_ms`, else (a token without one)
 * the last millisecond of its `iat` second — the latest it can have been issued.
 */
function issuedAtOf(payload: JWTPayload): Date {
  const ms = payload.iat_ms;
  const iat = (payload.iat ?? 0) * 1000;
  // An iat_ms outside its iat second is not ours: fall back to the second.
  return new Date(typeof ms === 'number' && Number.isInteger(ms) && ms >= iat && ms < iat + 1000 ? ms : iat + 999);
}

function subjectClaims(subject: TokenSubject): Record<string, string> {
  return { kind: subject.kind, ...(subject.credentialId ? { cred: subject.credentialId } : {}) };
}

function subjectOf(payload: JWTPayload): TokenSubject {
  const kind = payload.kind === 'user' || payload.kind === 'robot' ? payload.kind : 'anonymous';
  return { kind, name: payload.sub ?? '', ...(typeof payload.cred === 'string' ? { credentialId: payload.cred } : {}) };
}

function loginStateAudience(service: string): string {
  return `${service}#login-state`;
}

/** Refresh tokens get their own audience, so one can never pass as an access token. */
function refreshAudience(service: string): string {
  return `${service}#refresh`;
}
