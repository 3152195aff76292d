/**
 * OIDC single sign-on: GET /auth/oidc/login sends the browser to the provider (authorization
 * code + PKCE); GET /auth/oidc/callback finishes the flow, creates or updates the account and
 * shows the user a CLI secret for `docker login` — or, for `berth login --oidc`, hands it to the
 * CLI's loopback listener. The login in progress travels in a signed, short-lived cookie, so the
 * callback may land on any node.
 */
import type { FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { HttpRoute } from '../route-table.js';
import { OidcLogin, OidcLoginError, PENDING_LOGIN_TTL_MS, type OidcSettings, type PendingLogin } from '../../auth/oidc/oidc-login.js';
import type { OidcSignIn } from '../../auth/oidc/oidc-accounts.js';
import type { OidcIdentity } from '../../auth/oidc/oidc-login.js';
import type { AuthServices } from '../auth/auth-deps.js';

const COOKIE = 'berth_oidc';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function page(reply: FastifyReply, status: number, title: string, body: string): Promise<void> {
  await reply
    .code(status)
    .header('Content-Type', 'text/html; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .header('Content-Security-Policy', "default-src 'none'")
    .send(`<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`);
}

function cookieValue(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

function callbackUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}/auth/oidc/callback`;
}

function isPending(state: Record<string, unknown>): state is Record<string, unknown> & PendingLogin {
  return ['state', 'nonce', 'codeVerifier', 'redirectUri'].every((key) => typeof state[key] === 'string') && typeof state.createdAt === 'number';
}

/** Turns a provider's user into a Berth account with a CLI secret (auth/oidc/oidc-accounts.ts). */
export type OidcSignInUser = (identity: OidcIdentity, clientIp: string, options: { cliSession?: boolean }) => Promise<OidcSignIn>;

/** The OIDC sign-in routes (served when an issuer is configured). Discovery happens at the first login. */
export function oidcRoutes(auth: AuthServices, signIn: OidcSignInUser, settings: OidcSettings): HttpRoute[] {
  let discovered: Promise<OidcLogin> | undefined;
  const provider = (): Promise<OidcLogin> => {
    // A failed discovery (provider down) is retried by the next login, not cached.
    discovered ??= OidcLogin.discover(settings).catch((error: unknown) => {
      discovered = undefined;
      throw error;
    });
    return discovered;
  };

  const beginLogin: RouteHandlerMethod = async (request, reply) => {
    const portText = new URLSearchParams(request.url.split('?')[1] ?? '').get('cli_port');
    const cliPort = portText === null ? undefined : Number(portText);
    if (cliPort !== undefined && (!Number.isInteger(cliPort) || cliPort < 1024 || cliPort > 65535)) {
      return page(reply, 400, 'Sign-in refused', '<p>cli_port must be a port number between 1024 and 65535.</p>');
    }
    let login: OidcLogin;
    try {
      login = await provider();
    } catch (error) {
      request.log.warn({ err: error }, 'OIDC discovery failed');
      return page(reply, 503, 'Single sign-on unavailable', '<p>The identity provider cannot be reached. Try again later.</p>');
    }
    const { url, pending } = await login.begin(callbackUrl(request));
    const sealed = await auth.tokens.sealLoginState({ ...pending, ...(cliPort ? { cliPort } : {}) }, PENDING_LOGIN_TTL_MS / 1000);
    const secure = request.protocol === 'https' ? '; Secure' : '';
    reply.header('Set-Cookie', `${COOKIE}=${sealed}; HttpOnly; SameSite=Lax; Path=/auth/oidc; Max-Age=${PENDING_LOGIN_TTL_MS / 1000}${secure}`);
    return reply.code(302).header('Location', url).header('Cache-Control', 'no-store').send();
  };

  const finishLogin: RouteHandlerMethod = async (request, reply) => {
    reply.header('Set-Cookie', `${COOKIE}=; HttpOnly; SameSite=Lax; Path=/auth/oidc; Max-Age=0`);
    const sealed = cookieValue(request, COOKIE);
    const state = sealed === undefined ? undefined : await auth.tokens.openLoginState(sealed);
    if (!state || !isPending(state)) return page(reply, 400, 'Sign-in expired', '<p>This sign-in was not started here or took too long. <a href="/auth/oidc/login">Start again</a>.</p>');
    let identity;
    try {
      identity = await (await provider()).finish(new URL(request.url, state.redirectUri), state);
    } catch (error) {
      const reason = error instanceof OidcLoginError ? error.message : 'the identity provider could not be reached';
      auth.audit.record({ actor: 'unknown', actorKind: 'unknown', action: 'login', outcome: 'failure', clientIp: request.ip, detail: { via: 'oidc', reason } });
      return page(reply, 401, 'Sign-in failed', `<p>${escapeHtml(reason)}</p>`);
    }
    const result = await signIn(identity, request.ip, { cliSession: typeof state.cliPort === 'number' });
    if (result.status === 'refused') return page(reply, 403, 'Sign-in refused', `<p>${escapeHtml(result.reason)}</p>`);
    if (typeof state.cliPort === 'number') {
      const target = new URL(`http://127.0.0.1:${state.cliPort}/callback`);
      target.searchParams.set('username', result.username);
      target.searchParams.set('secret', result.cliSecret);
      return reply.code(302).header('Location', target.toString()).header('Cache-Control', 'no-store').send();
    }
    const host = escapeHtml(request.host);
    return page(
      reply,
      200,
      `Signed in as ${result.username}`,
      `<p>Your CLI secret (shown once; signing in again replaces it):</p><pre id="cli-secret">${escapeHtml(result.cliSecret)}</pre>` +
        `<p>Use it as the password: <code>docker login ${host} -u ${escapeHtml(result.username)}</code></p>`,
    );
  };

  return [
    { method: 'GET', url: '/auth/oidc/login', auth: 'browser', handler: beginLogin },
    { method: 'GET', url: '/auth/oidc/callback', auth: 'browser', handler: finishLogin },
  ];
}
