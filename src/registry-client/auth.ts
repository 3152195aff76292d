import { parseChallenge, type Challenge } from './challenge.js';
import { RegistryClientError, parseErrorBody } from './errors.js';
import { header, type Transport } from './transport.js';

/** A username and password (or a robot's login and secret) for the registry. */
export interface Credentials {
  username: string;
  password: string;
}

/** What a request needs: `repository:<name>:pull`, `repository:<name>:pull,push`, `registry:catalog:*`. */
export type Scope = string;

/** The scope of reading (`pull`) or writing (`pull,push`) a repository. */
export function repositoryScope(name: string, write: boolean): Scope {
  return `repository:${name}:${write ? 'pull,push' : 'pull'}`;
}

/** The catalog's scope (Distribution's and Berth's name for it). */
export const CATALOG_SCOPE: Scope = 'registry:catalog:*';

interface CachedToken {
  token: string;
  expiresAt: number;
}

// A token is refreshed this long before it expires, so it does not lapse in flight.
const EXPIRY_MARGIN_MS = 5_000;
// auth-token.md: "If not given, a token lifetime of 60 seconds is assumed."
const DEFAULT_LIFETIME_S = 60;
// Tokens kept at most: one per repository and action set the client has touched.
const MAX_TOKENS = 1024;

/**
 * The docker token dance: anonymous first; on a Bearer challenge fetch a token for the request's
 * scopes from the realm (Basic credentials when there are some), keep it per scope set until it
 * expires; on a Basic challenge send the credentials. One per registry.
 */
export class Authorizer {
  private readonly tokens = new Map<string, CachedToken>();
  // Token requests in flight per scope set, so concurrent requests share one.
  private readonly pending = new Map<string, Promise<string>>();
  private bearer: Challenge | undefined;
  private basicMode = false;

  constructor(
    private readonly transport: Transport,
    private readonly credentials: Credentials | undefined,
    private readonly now: () => number,
  ) {}

  /** The Authorization header to open a request with: known Basic, a cached or fetched token, or none. */
  async authorization(scopes: Scope[], signal: AbortSignal): Promise<string | undefined> {
    if (this.basicMode) return this.basic();
    const cached = this.tokens.get(keyOf(scopes));
    if (cached && cached.expiresAt > this.now()) return `Bearer ${cached.token}`;
    // The realm is known from an earlier challenge: ask for this scope set without the 401 first.
    if (this.bearer) return `Bearer ${await this.fetchToken(this.bearer, scopes, signal)}`;
    return undefined;
  }

  /**
   * After a 401: the header to try once more with, or undefined when there is nothing new to try.
   * A token the registry refused is dropped and fetched again (it may have been revoked early).
   */
  async retryAfterUnauthorized(challengeHeader: string | string[] | undefined, scopes: Scope[], sent: string | undefined, signal: AbortSignal): Promise<string | undefined> {
    const challenge = parseChallenge(challengeHeader);
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') {
      if (!this.credentials || sent?.startsWith('Basic ')) return undefined;
      this.basicMode = true;
      return this.basic();
    }
    if (!challenge.realm) return undefined;
    this.bearer = { scheme: 'bearer', realm: challenge.realm, service: challenge.service };
    this.tokens.delete(keyOf(scopes));
    const wanted = challenge.scope && !scopes.includes(challenge.scope) ? [...scopes, challenge.scope] : scopes;
    const token = await this.fetchToken(this.bearer, wanted, signal);
    if (wanted !== scopes) this.tokens.set(keyOf(scopes), this.tokens.get(keyOf(wanted)) as CachedToken);
    return `Bearer ${token}`;
  }

  private basic(): string | undefined {
    if (!this.credentials) return undefined;
    return `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}`;
  }

  private fetchToken(challenge: Challenge, scopes: Scope[], signal: AbortSignal): Promise<string> {
    const key = keyOf(scopes);
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const fetching = this.requestToken(challenge, scopes, signal).finally(() => this.pending.delete(key));
    this.pending.set(key, fetching);
    return fetching;
  }

  /** GET <realm>?service=&scope=… (auth-token.md), Basic credentials as docker sends them. */
  private async requestToken(challenge: Challenge, scopes: Scope[], signal: AbortSignal): Promise<string> {
    const url = new URL(challenge.realm as string);
    if (challenge.service) url.searchParams.set('service', challenge.service);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    if (this.credentials) url.searchParams.set('account', this.credentials.username);
    const response = await this.transport.send({ method: 'GET', url, authorization: this.basic(), retry: true, signal, headers: { accept: 'application/json' } });
    const text = await response.body.text();
    if (response.status !== 200) {
      const { codes, message } = parseErrorBody(text);
      throw new RegistryClientError({ kind: 'status', method: 'GET', url, status: response.status, codes, reason: message ?? 'token request refused' });
    }
    const body = parseTokenBody(text);
    if (!body) throw new RegistryClientError({ kind: 'protocol', method: 'GET', url, reason: `token response without a token (${header(response.headers, 'content-type') ?? 'no content type'})` });
    if (this.tokens.size >= MAX_TOKENS) this.tokens.delete(this.tokens.keys().next().value as string);
    const lifetimeMs = body.expiresIn * 1000;
    this.tokens.set(keyOf(scopes), { token: body.token, expiresAt: this.now() + Math.max(lifetimeMs - EXPIRY_MARGIN_MS, lifetimeMs / 2) });
    return body.token;
  }
}

function keyOf(scopes: Scope[]): string {
  return [...scopes].sort().join(' ');
}

/** `token` or (OAuth-style) `access_token`, and `expires_in` in seconds. */
function parseTokenBody(text: string): { token: string; expiresIn: number } | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const record = parsed as Record<string, unknown>;
    const token = typeof record.token === 'string' && record.token !== '' ? record.token : record.access_token;
    if (typeof token !== 'string' || token === '') return undefined;
    const expiresIn = typeof record.expires_in === 'number' && record.expires_in > 0 ? record.expires_in : DEFAULT_LIFETIME_S;
    return { token, expiresIn };
  } catch {
    return undefined;
  }
}
