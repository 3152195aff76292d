/**
 * Helpers for the access-control suites over HTTP (test/auth/): a registry with token auth on,
 * accounts, namespaces, robots and personal access tokens set up through the metadata store (not
 * the admin API), token requests, and pushes that carry an Authorization header.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { newSecret, robotLogin, secretHash } from '../../src/auth/credentials.js';
import { hashPassword } from '../../src/auth/passwords.js';
import type { MemberRecord, Role, StoredGrant, Visibility } from '../../src/metadata/access-store.js';
import type { Content, ImageFixture } from '../support/fixtures.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

/** The password of the bootstrap `admin` account in these suites. */
export const ADMIN_PASSWORD = 'admin-password-1';

/** Starts a registry with token auth on and a known admin password; `settings` are BERTH_* variables. */
export async function startAuthRegistry(settings: Record<string, string> = {}): Promise<TestRegistry> {
  return startRegistry({ BERTH_AUTH_MODE: 'token', BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD, ...settings });
}

/** An Authorization header value for Basic credentials (what `curl -u` sends). */
export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** The admin's Basic credentials. */
export const ADMIN = basic('admin', ADMIN_PASSWORD);

/** An Authorization header value for a bearer token. */
export function bearer(token: string): string {
  return `Bearer ${token}`;
}

/** Creates a local account. */
export async function addUser(registry: TestRegistry, name: string, password: string, options: { admin?: boolean; groups?: string[] } = {}): Promise<void> {
  const created = await registry.berth.store.accounts.create({ name, kind: 'local', passwordHash: await hashPassword(password), ...options });
  assert.ok(created, `account ${name} exists already`);
}

/** Creates a namespace with members: `{ alice: 'owner' }` are users, `{ 'group:devs': 'reader' }` groups. */
export async function addNamespace(registry: TestRegistry, name: string, visibility: Visibility, members: Record<string, Role> = {}): Promise<void> {
  const store = registry.berth.store.namespaces;
  assert.ok(await store.create({ name, visibility }), `namespace ${name} exists already`);
  for (const [who, role] of Object.entries(members)) {
    const member: MemberRecord = who.startsWith('group:') ? { kind: 'group', name: who.slice('group:'.length), role } : { kind: 'user', name: who, role };
    assert.ok(await store.setMember(name, member));
  }
}

/** A robot account or personal access token made for a test: its id, login name and secret. */
export interface TestCredential {
  id: string;
  login: string;
  secret: string;
  /** Basic credentials for it. */
  authorization: string;
}

/** Creates a robot account (`robot$name`) with grants. */
export async function addRobot(registry: TestRegistry, name: string, grants: StoredGrant[], options: { expiresAt?: Date } = {}): Promise<TestCredential> {
  return addCredential(registry, { kind: 'robot', owner: '', name, grants, ...options }, robotLogin(name));
}

/** Creates a personal access token of `owner` with grants (its login is the owner's name). */
export async function addPersonalToken(registry: TestRegistry, owner: string, name: string, grants: StoredGrant[], options: { expiresAt?: Date } = {}): Promise<TestCredential> {
  return addCredential(registry, { kind: 'token', owner, name, grants, ...options }, owner);
}

async function addCredential(
  registry: TestRegistry,
  input: { kind: 'robot' | 'token'; owner: string; name: string; grants: StoredGrant[]; expiresAt?: Date },
  login: string,
): Promise<TestCredential> {
  const id = randomUUID();
  const secret = newSecret(input.kind);
  const created = await registry.berth.store.credentials.create({ id, secretHash: secretHash(secret), createdBy: 'admin', ...input });
  assert.ok(created, `credential ${input.name} exists already`);
  return { id, login, secret, authorization: basic(login, secret) };
}

/** GET /token with the scopes (and credentials, if given); asserts 200 and returns the parsed body. */
export async function tokenResponse(registry: TestRegistry, scopes: string[], authorization?: string, extra: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const query = new URLSearchParams({ service: 'berth', ...extra });
  for (const scope of scopes) query.append('scope', scope);
  const response = await fetch(`${registry.url}/token?${query}`, { headers: authorization ? { Authorization: authorization } : {} });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return JSON.parse(text) as Record<string, unknown>;
}

/** An access token for the scopes (anonymous unless `authorization` is given). */
export async function tokenFor(registry: TestRegistry, scopes: string[], authorization?: string): Promise<string> {
  const body = await tokenResponse(registry, scopes, authorization);
  assert.equal(typeof body.token, 'string');
  return body.token as string;
}

/** A Bearer header for a token with the scopes, fetched with `authorization`. */
export async function bearerFor(registry: TestRegistry, scopes: string[], authorization?: string): Promise<string> {
  return bearer(await tokenFor(registry, scopes, authorization));
}

/** A /v2 request with an optional Authorization header. */
export async function v2(registry: TestRegistry, path: string, authorization?: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
  return fetch(`${registry.url}/v2/${path}`, { ...init, headers: { ...(init.headers ?? {}), ...(authorization ? { Authorization: authorization } : {}) } });
}

/** Pushes a blob in one request (POST ?digest=); returns the status (201 when it worked). */
export async function pushBlobAs(registry: TestRegistry, name: string, blob: Content, authorization?: string, headers: Record<string, string> = {}): Promise<number> {
  const response = await v2(registry, `${name}/blobs/uploads/?digest=${blob.digest}`, authorization, {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(blob.size), ...headers },
    body: new Uint8Array(blob.bytes),
  });
  await response.arrayBuffer();
  return response.status;
}

/**
 * Pushes an image's blobs then its manifest with the credentials (and extra headers, e.g.
 * X-Forwarded-For); returns 201 when everything was stored, else the first failure's status.
 */
export async function pushImageAs(registry: TestRegistry, name: string, reference: string, image: ImageFixture, authorization?: string, headers: Record<string, string> = {}): Promise<number> {
  for (const blob of [image.config, ...image.layers]) {
    const status = await pushBlobAs(registry, name, blob, authorization, headers);
    if (status !== 201) return status;
  }
  const response = await v2(registry, `${name}/manifests/${reference}`, authorization, {
    method: 'PUT',
    headers: { 'Content-Type': image.mediaType, ...headers },
    body: new Uint8Array(image.manifest.bytes),
  });
  await response.arrayBuffer();
  return response.status;
}

/** Pushes an image with the admin's credentials; throws unless it worked. */
export async function seedImage(registry: TestRegistry, name: string, reference: string, image: ImageFixture): Promise<void> {
  assert.equal(await pushImageAs(registry, name, reference, image, ADMIN), 201, `seeding ${name}:${reference}`);
}

/** The status of a manifest GET (body drained). */
export async function pullStatus(registry: TestRegistry, name: string, reference: string, authorization?: string, headers: Record<string, string> = {}): Promise<number> {
  const response = await v2(registry, `${name}/manifests/${reference}`, authorization, { headers });
  await response.arrayBuffer();
  return response.status;
}

/** The status of a manifest DELETE (body drained). */
export async function deleteStatus(registry: TestRegistry, name: string, reference: string, authorization?: string, headers: Record<string, string> = {}): Promise<number> {
  const response = await v2(registry, `${name}/manifests/${reference}`, authorization, { method: 'DELETE', headers });
  await response.arrayBuffer();
  return response.status;
}

/** The parameters of a `WWW-Authenticate: Bearer k="v",…` challenge. */
export function challengeParams(response: Response): Record<string, string> {
  const header = response.headers.get('www-authenticate');
  assert.ok(header, `no WWW-Authenticate on ${response.status}`);
  assert.match(header, /^Bearer /);
  const params: Record<string, string> = {};
  for (const match of header.slice('Bearer '.length).matchAll(/(\w+)="([^"]*)"/g)) params[match[1] as string] = match[2] as string;
  return params;
}
