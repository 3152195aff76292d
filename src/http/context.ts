import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';
import type { RegistryServices } from '../content/registry-services.js';
import type { EventOrigin } from '../events/event.js';
import type { AuditLog } from '../auth/audit-log.js';
import type { RequestPrincipal } from './auth/request-principal.js';
import type { HttpMetrics } from './middleware/metrics.js';

/** What every /v2 handler gets: the request, the reply, the services and the query. */
export interface V2Context {
  request: FastifyRequest;
  reply: FastifyReply;
  services: RegistryServices;
  config: Config;
  metrics: HttpMetrics;
  query: URLSearchParams;
  /** Who the request acts as (the gate checked the route's own needs already). */
  principal: RequestPrincipal;
  audit: AuditLog;
}

/** Who makes a change and from where, as its events record it (the audit log's names). */
export function originOf(ctx: V2Context): EventOrigin {
  return { actor: ctx.principal.name, actorKind: ctx.principal.kind, address: ctx.request.ip };
}

/** Writes a successful push, pull or delete to the audit log. */
export function auditAction(ctx: V2Context, action: string, target: string, detail?: Record<string, unknown>): void {
  ctx.audit.record({
    actor: ctx.principal.name,
    actorKind: ctx.principal.kind,
    action,
    target,
    outcome: 'success',
    clientIp: ctx.request.ip,
    ...(detail ? { detail } : {}),
  });
}

/** The request body as a byte stream, counted into bytes-received; Berth never buffers blob bodies. */
export async function* bodyOf(ctx: V2Context): AsyncIterable<Uint8Array> {
  for await (const chunk of ctx.request.raw as AsyncIterable<Buffer>) {
    ctx.metrics.bytesReceived.inc(chunk.length);
    yield chunk;
  }
}

/** True when the request carries a body (a non-zero Content-Length, or chunked encoding). */
export function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return request.headers['transfer-encoding'] !== undefined;
}
