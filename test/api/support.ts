/**
 * Helpers for the admin API suites: a registry with token auth on and a known admin password, a
 * small JSON client for /api/v1, and assertions on the error envelope.
 */
import assert from 'node:assert/strict';
import type { z } from 'zod';
import type { auditPageSchema, namespaceSchema, robotCreatedSchema, tokenCreatedSchema, userSchema } from '../../src/http/api/schemas.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

/** The bootstrap admin's password in these suites. */
export const ADMIN_PASSWORD = 'admin-password-1';

export type UserJson = z.infer<typeof userSchema>;
export type NamespaceJson = z.infer<typeof namespaceSchema>;
export type RobotCreatedJson = z.infer<typeof robotCreatedSchema>;
export type TokenCreatedJson = z.infer<typeof tokenCreatedSchema>;
export type AuditPageJson = z.infer<typeof auditPageSchema>;
/** GET /api/v1/robots: the secret is never listed (a stale list entry having one is a leak the tests catch). */
export type RobotListJson = { robots: (Omit<RobotCreatedJson, 'secret'> & { secret?: string })[] };
export type ErrorsJson = { errors: { code: string; message: string; detail?: unknown }[] };

/** Starts a registry with token auth on; `settings` are extra BERTH_* variables. */
export async function startApiRegistry(settings: Record<string, string> = {}): Promise<TestRegistry> {
  return startRegistry({ BERTH_AUTH_MODE: 'token', BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD, ...settings });
}

/** An Authorization header for Basic credentials. */
export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** The admin's Basic credentials. */
export const ADMIN = basic('admin', ADMIN_PASSWORD);

/** What an API call answered. */
export interface ApiReply<T> {
  status: number;
  headers: Headers;
  /** The parsed JSON body (undefined when there was none). */
  body: T;
  text: string;
}

/** Options of an API call: credentials and a JSON or text body (or raw bytes with headers). */
export interface CallOptions {
  auth?: string;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
  raw?: string;
}

/** Calls the admin API (`path` relative to /api/v1). */
export async function api<T = Record<string, unknown>>(registry: TestRegistry, method: string, path: string, options: CallOptions = {}): Promise<ApiReply<T>> {
  const headers: Record<string, string> = { ...(options.auth ? { Authorization: options.auth } : {}) };
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.text !== undefined) {
    headers['Content-Type'] = 'application/x-htpasswd';
    body = options.text;
  } else if (options.raw !== undefined) {
    body = options.raw;
  }
  const response = await fetch(`${registry.url}/api/v1${path}`, { method, headers: { ...headers, ...options.headers }, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text === '' ? undefined : JSON.parse(text)) as T, text };
}

/** Asserts the status and the envelope's code; returns the error for further checks. */
export function assertError(reply: ApiReply<unknown>, status: number, code: string): ErrorsJson['errors'][number] {
  assert.equal(reply.status, status, reply.text);
  const body = reply.body as ErrorsJson;
  assert.equal(body.errors.length, 1, reply.text);
  const error = body.errors[0];
  assert.ok(error);
  assert.equal(error.code, code, reply.text);
  assert.equal(typeof error.message, 'string');
  return error;
}

/** Asserts a 2xx status (with the body in the message when it isn't). */
export function assertStatus(reply: ApiReply<unknown>, status: number): void {
  assert.equal(reply.status, status, reply.text);
}

/** Creates a local user through the API (as `by`, the admin by default); returns their Basic credentials. */
export async function createUser(registry: TestRegistry, name: string, password: string, options: { admin?: boolean } = {}, by = ADMIN): Promise<string> {
  const reply = await api(registry, 'POST', '/users', { auth: by, json: { name, password, ...options } });
  assertStatus(reply, 201);
  return basic(name, password);
}

/** Creates a namespace through the API as admin, with member roles (`{ alice: 'owner' }`). */
export async function createNamespace(registry: TestRegistry, name: string, members: Record<string, string> = {}, visibility: 'private' | 'public' = 'private'): Promise<void> {
  assertStatus(await api(registry, 'POST', '/namespaces', { auth: ADMIN, json: { name, visibility } }), 201);
  for (const [user, role] of Object.entries(members)) {
    assertStatus(await api(registry, 'PUT', `/namespaces/${encodeURIComponent(name)}/members/user/${user}`, { auth: ADMIN, json: { role } }), 200);
  }
}

/** Audit events matching the query (as admin). */
export async function auditEvents(registry: TestRegistry, query: Record<string, string>): Promise<AuditPageJson['events']> {
  const reply = await api<AuditPageJson>(registry, 'GET', `/audit?${new URLSearchParams(query)}`, { auth: ADMIN });
  assertStatus(reply, 200);
  return reply.body.events;
}

/** Creates a robot through the admin API as `auth` and returns what the 201 carried. */
export async function createRobot(registry: TestRegistry, auth: string, body: Record<string, unknown>): Promise<RobotCreatedJson> {
  const reply = await api<RobotCreatedJson>(registry, 'POST', '/robots', { auth, json: body });
  assertStatus(reply, 201);
  return reply.body;
}
