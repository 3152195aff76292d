import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';
import { CONDITIONS, RegistryError } from '../errors/index.js';
import type { RegistryServices } from '../content/registry-services.js';
import type { Operations } from '../operations/operations.js';
import type { Readiness } from '../operations/readiness.js';
import type { V2Context } from './context.js';
import type { MountedExtension } from './api/admin-api.js';
import { ApiError } from './api/api-error.js';
import { API_PREFIX } from './api/api-route.js';
import type { AuthServices } from './auth/auth-deps.js';
import { UNCHECKED } from './auth/request-principal.js';
import { passV2Gate } from './auth/v2-gate.js';
import { HttpMetrics } from './middleware/metrics.js';
import { deleteBlob, getBlob } from './routes/blobs.js';
import { listReferrers, listRepositories, listTags } from './routes/listing.js';
import type { OidcSignInUser } from './routes/oidc.js';
import { deleteManifest, getManifest, putManifest } from './routes/manifests.js';
import { cancelUpload, completeUpload, patchUpload, startUpload, uploadStatus } from './routes/uploads.js';
import { badUrlError } from './bad-url.js';
import type { HttpRoute } from './route-table.js';
import { serverRoutes, V2_METHODS } from './routes.js';
import { toV2Response } from './v2-errors.js';
import { parseV2Path, type V2Target } from './v2-path.js';

/** What the HTTP layer needs from the composition root. */
export interface ServerDeps {
  config: Config;
  logger: FastifyBaseLogger;
  services: RegistryServices;
  /** The application layer the admin API translates. */
  ops: Operations;
  auth: AuthServices;
  /** The enabled extensions' admin routes and services. */
  extensions: readonly MountedExtension[];
  /** What /readyz reports. */
  readiness: Readiness;
  /** Signs a provider's user in (when OIDC is configured). */
  oidcSignIn: OidcSignInUser;
  metrics?: HttpMetrics;
  /** PEM certificate and key: serve HTTPS. */
  tls?: { cert: Buffer; key: Buffer };
}

type Handler = (ctx: V2Context) => Promise<void>;


/** The route table: which method does what on each kind of /v2 path. */
function handlerFor(target: V2Target, method: string): Handler | undefined {
  const get = method === 'GET' || method === 'HEAD';
  switch (target.kind) {
    case 'base':
      return get ? async (ctx) => void (await ctx.reply.header('Content-Type', 'application/json').send('{}')) : undefined;
    case 'catalog':
      return get ? listRepositories : undefined;
    case 'blob':
      if (get) return (ctx) => getBlob(ctx, target.name, target.digest);
      return method === 'DELETE' ? (ctx) => deleteBlob(ctx, target.name, target.digest) : undefined;
    case 'uploads':
      return method === 'POST' ? (ctx) => startUpload(ctx, target.name) : undefined;
    case 'upload':
      if (get) return (ctx) => uploadStatus(ctx, target.name, target.id);
      return {
        PATCH: (ctx: V2Context) => patchUpload(ctx, target.name, target.id),
        PUT: (ctx: V2Context) => completeUpload(ctx, target.name, target.id),
        DELETE: (ctx: V2Context) => cancelUpload(ctx, target.name, target.id),
      }[method];
    case 'manifest':
      if (get) return (ctx) => getManifest(ctx, target.name, target.reference);
      if (method === 'PUT') return (ctx) => putManifest(ctx, target.name, target.reference);
      return method === 'DELETE' ? (ctx) => deleteManifest(ctx, target.name, target.reference) : undefined;
    case 'tags':
      return get ? (ctx) => listTags(ctx, target.name) : undefined;
    case 'referrers':
      return get ? (ctx) => listReferrers(ctx, target.name, target.digest) : undefined;
  }
}

// Up to this many bytes of an unread body are drained (Node does so after the answer) rather than
// the connection closed: closing a socket with unread data makes the kernel send a reset, which can
// reach the client before the answer does (seen with containerd refused a manifest PUT under load).
const DRAIN_LIMIT_BYTES = 1024 * 1024;

/**
 * Whether a request refused before its body arrived whole still has more body coming than is
 * worth draining: a chunk past the quota, a 2 GiB PATCH, a streamed body of unknown length.
 */
function largeBodyPending(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  if (length === undefined) return request.headers['transfer-encoding'] !== undefined;
  return Number(length) > DRAIN_LIMIT_BYTES;
}

/** Answers a /v2 failure (or any failure outside the admin API) as toV2Response translates it. */
function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  const answer = toV2Response(error);
  if (answer.unexpected) reply.request.log.error({ err: error }, 'unexpected error');
  for (const [name, value] of Object.entries(answer.headers)) reply.header(name, value);
  if (!reply.request.raw.complete && largeBodyPending(reply.request)) reply.header('Connection', 'close');
  return reply.code(answer.status).header('Content-Type', 'application/json').send(JSON.stringify(answer.body));
}

/** Builds the Fastify server: /v2 (the registry API), /metrics, /healthz, /readyz. */
export function buildServer(deps: ServerDeps): FastifyInstance {
  const metrics = deps.metrics ?? new HttpMetrics();
  const app = Fastify({
    loggerInstance: deps.logger,
    // One log line per request, written in onResponse below (Fastify's own would be two).
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    // Repository names are not router parameters (they hold slashes); /v2 is parsed by v2-path.ts.
    routerOptions: { ignoreDuplicateSlashes: false, maxParamLength: 1024 },
    forceCloseConnections: 'idle',
    // A URL the router can't decode gets the registry's (or the admin API's) error envelope.
    frameworkErrors: (error, request, reply) => {
      if (error.code !== 'FST_ERR_BAD_URL') return sendError(reply, error);
      if (request.url.startsWith(`${API_PREFIX}/`)) {
        const refusal = new ApiError(CONDITIONS.BAD_URL.api.code, 'the URL holds percent-encoding that does not decode to UTF-8');
        return (reply as FastifyReply).code(refusal.status).header('Content-Type', 'application/json').send(JSON.stringify(refusal.body()));
      }
      reply.header('Docker-Distribution-API-Version', 'registry/2.0');
      return sendError(reply, badUrlError(request.method, request.url));
    },
    // X-Forwarded-For / -Proto are believed only from these proxies (request.ip, request.protocol).
    ...(deps.config.auth.trustedProxies.length > 0 ? { trustProxy: deps.config.auth.trustedProxies } : {}),
    ...(deps.tls ? { https: deps.tls } : {}),
  });

  // Bodies stay raw streams: blobs are piped, manifests read with a size bound, nothing parsed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  app.addHook('onRequest', async (request, reply) => {
    // An empty Content-Type means "none"; Fastify would answer 415 before any handler ran.
    if (request.headers['content-type'] === '') delete request.headers['content-type'];
    reply.header('Docker-Distribution-API-Version', 'registry/2.0').header('X-Request-Id', request.id);
  });
  // The /v2 handler's parse of the path, kept for the metrics label so no request parses twice.
  const v2Labels = new WeakMap<FastifyRequest, string>();
  const record = (request: FastifyRequest, status: number | 'aborted', elapsedMs: number): void => {
    const route = v2Labels.get(request) ?? routeLabel(request);
    metrics.requests.inc({ route, method: request.method, status: String(status) });
    metrics.duration.observe({ route, method: request.method }, elapsedMs / 1000);
    request.log.info({ method: request.method, url: request.url, status, ms: Math.round(elapsedMs * 10) / 10, remote: request.ip }, 'request');
  };
  app.addHook('onResponse', async (request, reply) => record(request, reply.statusCode, reply.elapsedTime));

  app.setErrorHandler(async (error, request, reply) => {
    // The client went away mid-body (or shutdown cut it): nothing to answer, nothing unexpected.
    // It gets no response, so onResponse never runs: count and log it here. (request.raw.aborted
    // is no test: answering before a body is read whole, e.g. a 413, sets it too.)
    if ((error as { code?: string }).code === 'ECONNRESET') {
      record(request, 'aborted', reply.elapsedTime);
      return;
    }
    return sendError(reply, error);
  });
  app.setNotFoundHandler(async (request, reply) => sendError(reply, new RegistryError('NO_SUCH_ROUTE', { detail: { reason: 'no such route', path: request.url.split('?')[0] } })));

  const v2 = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const [path = '', query = ''] = request.url.split('?', 2) as [string, string?];
    let target: V2Target | undefined;
    try {
      target = parseV2Path(path);
    } catch (error) {
      v2Labels.set(request, 'v2:invalid');
      throw error;
    }
    v2Labels.set(request, `v2:${target?.kind ?? 'unmatched'}`);
    if (!target) throw new RegistryError('NO_SUCH_ROUTE', { detail: { reason: 'no such route', path } });
    const handler = handlerFor(target, request.method);
    if (!handler) {
      // RFC 9110 §15.5.6: a 405 names the methods the resource does support.
      const allow = V2_METHODS.filter((m) => handlerFor(target, m) !== undefined).join(', ');
      throw new RegistryError('METHOD_NOT_ALLOWED', { detail: { reason: 'method not allowed on this route', method: request.method, path }, headers: { Allow: allow } });
    }
    const principal = deps.auth.mode === 'none' ? UNCHECKED : await passV2Gate(deps.auth, request, target);
    if (target.kind === 'manifest' && request.method === 'GET') await limitManifestPulls(deps.auth, principal.kind === 'anonymous' ? undefined : principal.name, request.ip);
    await handler({ request, reply, services: deps.services, config: deps.config, metrics, query: new URLSearchParams(query), principal, audit: deps.auth.audit });
  };
  const oidc = deps.config.auth.oidc;
  const routes = serverRoutes({
    v2,
    metrics,
    readiness: deps.readiness,
    auth: deps.auth,
    admin: { auth: deps.auth, ops: deps.ops, extensions: deps.extensions },
    ...(oidc.issuer === undefined
      ? {}
      : {
          oidc: {
            signIn: deps.oidcSignIn,
            settings: {
              issuer: oidc.issuer,
              clientId: oidc.clientId,
              ...(oidc.clientSecret === undefined ? {} : { clientSecret: oidc.clientSecret }),
              scopes: oidc.scopes,
              usernameClaim: oidc.usernameClaim,
              groupsClaim: oidc.groupsClaim,
              allowHttp: oidc.allowHttp,
            },
          },
        }),
  });
  for (const route of routes) app.route({ method: route.method, url: route.url, handler: route.handler });
  answered.set(app, routes.map(({ method, url, auth }) => ({ method, url, auth })));
  return app;
}

/** What each built server answers, kept so the route list can be checked against the running server. */
const answered = new WeakMap<FastifyInstance, readonly Omit<HttpRoute, 'handler'>[]>();

/** The routes a server built by buildServer answers, with each one's auth requirement. */
export function routesOf(app: FastifyInstance): readonly Omit<HttpRoute, 'handler'>[] {
  return answered.get(app) ?? [];
}

/** Manifest pulls count against the per-principal and per-address limits (429 with Retry-After). */
async function limitManifestPulls(auth: AuthServices, principal: string | undefined, ip: string): Promise<void> {
  const limit = await auth.limits.manifestPull(principal, ip);
  if (!limit.allowed) {
    throw new RegistryError('TOOMANYREQUESTS', { detail: { reason: 'manifest pull rate limit reached' }, headers: { 'Retry-After': String(limit.retryAfterSeconds) } });
  }
}

/** A low-cardinality route label for metrics: the kind of /v2 resource, never the name. */
function routeLabel(request: FastifyRequest): string {
  const path = request.url.split('?', 1)[0] ?? '';
  if (!path.startsWith('/v2')) return request.routeOptions.url ?? 'unmatched';
  try {
    return `v2:${parseV2Path(path)?.kind ?? 'unmatched'}`;
  } catch {
    return 'v2:invalid';
  }
}
