import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';

/** A test account at the provider: `sub` differs from the username on purpose. */
interface TestAccount {
  sub: string;
  claims: Record<string, unknown>;
}

/**
 * The provider's users, by the name typed at its login prompt. carol has no preferred_username
 * and no groups claim, for the "missing claim" cases.
 */
const ACCOUNTS: Record<string, TestAccount> = {
  alice: {
    sub: 'u-1001',
    claims: { preferred_username: 'alice', email: 'alice@example.test', email_verified: true, groups: ['developers', 'admins'] },
  },
  bob: { sub: 'u-1002', claims: { preferred_username: 'bob', email: 'bob@example.test', email_verified: true, groups: ['readers'] } },
  carol: { sub: 'u-1003', claims: { email: 'carol@example.test', email_verified: true } },
};

// oidc-provider ships no type declarations (and @types/oidc-provider lags behind v9), so these
// describe just the surface this file uses, checked against node_modules/oidc-provider/lib.
interface Interaction {
  uid: string;
  prompt: { name: string; details: { missingOIDCScope?: string[]; missingOIDCClaims?: string[] } };
  params: { client_id: string };
  session?: { accountId?: string };
  grantId?: string;
}
interface Grant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  save(): Promise<string>;
}
type NodeHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;
interface Provider {
  callback(): NodeHandler;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
  interactionFinished(req: IncomingMessage, res: ServerResponse, result: object, options: { mergeWithLastSubmission: boolean }): Promise<void>;
  Grant: { new (init: { accountId: string; clientId: string }): Grant; find(id: string): Promise<Grant | undefined> };
}
type ProviderConstructor = new (issuer: string, configuration: object) => Provider;

/** A running OpenID provider for tests. */
export interface TestOidcProvider {
  issuer: string;
  /** Confidential client, client_secret_basic. */
  clientId: string;
  clientSecret: string;
  /** Public client (token_endpoint_auth_method none), PKCE only. */
  publicClientId: string;
  stop(): Promise<void>;
}

/**
 * Starts a real oidc-provider on http://127.0.0.1:<free port> with test accounts alice, bob and
 * carol, PKCE required for every client, and a `groups` scope carrying a `groups` claim. Login and
 * consent are this file's own small interaction endpoints; drive them with {@link signInAt}.
 */
export async function startOidcProvider(options: { redirectUris: string[] }): Promise<TestOidcProvider> {
  // The issuer contains the port, so listen first and attach the provider once it exists.
  let handle: NodeHandler = async (_req, res) => void res.writeHead(503).end();
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // A non-literal specifier types the import as unknown module (see the declarations above).
  const specifier: string = 'oidc-provider';
  const { Provider } = (await import(specifier)) as { Provider: ProviderConstructor };
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const clientSecret = randomBytes(24).toString('base64url');
  const provider = new Provider(issuer, {
    clients: [
      { client_id: 'berth', client_secret: clientSecret, redirect_uris: options.redirectUris, token_endpoint_auth_method: 'client_secret_basic' },
      { client_id: 'berth-cli', redirect_uris: options.redirectUris, token_endpoint_auth_method: 'none' },
    ],
    // Own keys and cookie keys: the built-in development ones print warnings and are shared.
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'test', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: {
      openid: ['sub'],
      profile: ['preferred_username'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    // Default requires PKCE only for public clients; Berth always sends it, so insist on it.
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: Interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx: unknown, sub: string) => {
      const account = Object.values(ACCOUNTS).find((candidate) => candidate.sub === sub);
      return account && { accountId: sub, claims: async () => ({ sub, ...account.claims }) };
    },
    ttl: { AccessToken: 300, AuthorizationCode: 60, IdToken: 300, Interaction: 300, Session: 300, Grant: 300 },
  });

  const providerHandler = provider.callback();
  handle = async (req, res) => {
    const match = /^\/interaction\/([^/]+)(?:\/(login|consent|abort))?$/.exec(new URL(req.url ?? '/', issuer).pathname);
    if (match === null) return providerHandler(req, res);
    return interact(provider, match[2], req, res);
  };

  return {
    issuer,
    clientId: 'berth',
    clientSecret,
    publicClientId: 'berth-cli',
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive sockets from fetch would otherwise hold the server (and node --test) open.
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * The interaction endpoints a login page would post to. GET answers which prompt is pending;
 * POST .../login `login=<name>` signs in, POST .../consent grants what was asked, POST .../abort
 * ends with access_denied (oidc-provider's own wording for a user who says no).
 */
async function interact(provider: Provider, action: string | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (action === undefined) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ prompt: details.prompt.name }));
    return;
  }
  if (req.method !== 'POST' || (action !== 'abort' && action !== details.prompt.name)) {
    res.writeHead(400).end(`cannot ${action} during ${details.prompt.name}`);
    return;
  }
  if (action === 'abort') {
    const result = { error: 'access_denied', error_description: 'End-User aborted interaction' };
    return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }
  if (action === 'login') {
    const form = new URLSearchParams(await readBody(req));
    const account = ACCOUNTS[form.get('login') ?? ''];
    if (account === undefined) {
      res.writeHead(403).end('unknown test account');
      return;
    }
    return provider.interactionFinished(req, res, { login: { accountId: account.sub } }, { mergeWithLastSubmission: false });
  }
  // Consent: grant exactly what the prompt says is missing, as the built-in devInteractions do.
  const { missingOIDCScope, missingOIDCClaims } = details.prompt.details;
  const grant =
    (details.grantId === undefined ? undefined : await provider.Grant.find(details.grantId)) ??
    new provider.Grant({ accountId: details.session?.accountId ?? '', clientId: details.params.client_id });
  if (missingOIDCScope !== undefined) grant.addOIDCScope(missingOIDCScope.join(' '));
  if (missingOIDCClaims !== undefined) grant.addOIDCClaims(missingOIDCClaims);
  return provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Plays the browser: opens the authorization URL, signs in as `username` (and consents, or with
 * `deny` aborts), carrying cookies and following the provider's redirects, and returns the redirect
 * to the client's redirect_uri (with code and state, or error) without following it.
 */
export async function signInAt(authorizationUrl: string, username: string, options: { deny?: boolean } = {}): Promise<URL> {
  const provider = new URL(authorizationUrl).origin;
  const jar = new CookieJar();
  let url = new URL(authorizationUrl);
  let form: URLSearchParams | undefined;
  for (let hop = 0; hop < 20; hop++) {
    const response = await fetch(url, {
      method: form === undefined ? 'GET' : 'POST',
      body: form,
      headers: { cookie: jar.header(url) },
      redirect: 'manual',
    });
    jar.store(response.headers.getSetCookie(), url);
    form = undefined;
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.body?.cancel();
      url = new URL(location, url);
      if (url.origin !== provider) return url;
      continue;
    }
    if (response.status !== 200 || !url.pathname.startsWith('/interaction/')) {
      throw new Error(`provider answered ${response.status} at ${url.pathname}: ${await response.text()}`);
    }
    const { prompt } = (await response.json()) as { prompt: string };
    const step = options.deny === true && prompt === 'consent' ? 'abort' : prompt;
    url = new URL(`${url.pathname}/${step}`, url);
    form = new URLSearchParams(step === 'login' ? { login: username } : {});
  }
  throw new Error('provider redirected more than 20 times');
}

/** Just enough of RFC 6265 for the provider's cookies: name, path, and expiry by clearing. */
class CookieJar {
  private readonly cookies = new Map<string, { name: string; value: string; path: string }>();

  store(setCookies: string[], url: URL): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = url.pathname.replace(/\/[^/]*$/, '') || '/';
      let expired = value === '';
      for (const attribute of attributes) {
        const [key = '', attributeValue = ''] = attribute.split('=');
        if (key.toLowerCase() === 'path') path = attributeValue;
        if (key.toLowerCase() === 'expires' && Date.parse(attributeValue) <= Date.now()) expired = true;
        if (key.toLowerCase() === 'max-age' && Number(attributeValue) <= 0) expired = true;
      }
      const key = `${name};${path}`;
      if (expired) this.cookies.delete(key);
      else this.cookies.set(key, { name, value, path });
    }
  }

  header(url: URL): string {
    return [...this.cookies.values()]
      .filter((cookie) => url.pathname === cookie.path || url.pathname.startsWith(cookie.path.endsWith('/') ? cookie.path : `${cookie.path}/`))
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join('; ');
  }
}
