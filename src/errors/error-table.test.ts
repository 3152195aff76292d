import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from './api-error.js';
import { API_ERROR_CODES, CONDITIONS, ERROR_CODES, ERROR_TABLE, MANAGEMENT_KIND_CODES, ON_ADMIN_API, isCondition, type Condition, type Surface } from './error-table.js';
import { RegistryError } from './registry-error.js';

const surfacesOf = (code: string): readonly Surface[] => (ERROR_TABLE as Record<string, { surfaces: readonly Surface[] }>)[code]?.surfaces ?? [];

describe('the error table', () => {
  it('gives every code at least one surface, and each surface view holds exactly its codes', () => {
    for (const [code, entry] of Object.entries(ERROR_TABLE)) assert.ok(entry.surfaces.length > 0, `${code} has a surface`);
    assert.deepEqual(Object.keys(ERROR_CODES).sort(), Object.keys(ERROR_TABLE).filter((code) => surfacesOf(code).includes('v2')).sort());
    assert.deepEqual(Object.keys(API_ERROR_CODES).sort(), Object.keys(ERROR_TABLE).filter((code) => surfacesOf(code).includes('api')).sort());
  });

  it('keeps the admin API\'s codes, statuses and messages', () => {
    assert.deepEqual(
      Object.fromEntries(Object.entries(API_ERROR_CODES).map(([code, { status }]) => [code, status])),
      { INVALID_REQUEST: 400, UNAUTHORIZED: 401, DENIED: 403, NOT_FOUND: 404, CONFLICT: 409, PAYLOAD_TOO_LARGE: 413, TOOMANYREQUESTS: 429 },
    );
    assert.equal(API_ERROR_CODES.DENIED.message, ERROR_CODES.DENIED.message);
  });

  it('names no condition like a code, so a call site naming either is unambiguous', () => {
    for (const condition of Object.keys(CONDITIONS)) {
      assert.equal(Object.hasOwn(ERROR_TABLE, condition), false, condition);
      assert.ok(isCondition(condition));
    }
    for (const code of Object.keys(ERROR_TABLE)) assert.equal(isCondition(code), false, code);
  });

  it('has every condition name a code of each surface it answers on, and a 4xx status', () => {
    for (const [name, entry] of Object.entries(CONDITIONS) as [Condition, (typeof CONDITIONS)[Condition]][]) {
      assert.ok(surfacesOf(entry.v2.code).includes('v2'), `${name}: ${entry.v2.code} is a /v2 code`);
      assert.ok(entry.v2.status >= 400 && entry.v2.status < 500, `${name}: a client error`);
      assert.ok(entry.when.length > 0, `${name} says when`);
      const api = (entry as { api?: { code: string; status: number } }).api;
      if (api === undefined) continue;
      assert.ok(surfacesOf(api.code).includes('api'), `${name}: ${api.code} is an admin API code`);
      // The admin API has no status overrides: ApiError's status is always its code's.
      assert.equal(api.status, (API_ERROR_CODES as Record<string, { status: number }>)[api.code]?.status, `${name}: the admin API status is its code's`);
    }
  });

  it('answers the status overrides the call sites used to pass', () => {
    const answers = Object.fromEntries(Object.entries(CONDITIONS).map(([name, entry]) => [name, `${entry.v2.code} ${entry.v2.status}`]));
    assert.deepEqual(answers, {
      NO_SUCH_ROUTE: 'UNSUPPORTED 404',
      METHOD_NOT_ALLOWED: 'UNSUPPORTED 405',
      BAD_URL: 'UNSUPPORTED 400',
      BAD_REQUEST: 'UNSUPPORTED 400',
      BAD_PARAMETER: 'UNSUPPORTED 400',
      CHUNK_OUT_OF_ORDER: 'BLOB_UPLOAD_INVALID 416',
      CONTENT_RANGE_INVALID: 'BLOB_UPLOAD_INVALID 416',
      RANGE_NOT_SATISFIABLE: 'UNSUPPORTED 416',
      BODY_TOO_LARGE: 'SIZE_INVALID 413',
      QUOTA_EXCEEDED: 'DENIED 403',
      READ_ONLY: 'UNSUPPORTED 405',
    });
    assert.deepEqual(CONDITIONS.READ_ONLY.api, { code: 'CONFLICT', status: 409 });
    assert.deepEqual(CONDITIONS.BODY_TOO_LARGE.api, { code: 'PAYLOAD_TOO_LARGE', status: 413 });
  });

  it('raises a condition as its code and status, keeping the message option', () => {
    const refused = new RegistryError('READ_ONLY', { message: 'the registry is in read-only mode for maintenance' });
    assert.equal(refused.code, 'UNSUPPORTED');
    assert.equal(refused.status, 405);
    assert.equal(refused.condition, 'READ_ONLY');
    assert.equal(refused.message, 'the registry is in read-only mode for maintenance');
    const plain = new RegistryError('UNSUPPORTED');
    assert.equal(plain.condition, undefined);
    assert.equal(plain.message, ERROR_CODES.UNSUPPORTED.message);
    assert.equal(new RegistryError('RANGE_NOT_SATISFIABLE').message, ERROR_CODES.UNSUPPORTED.message);
  });

  it('relays content refusals and management kinds as admin API codes', () => {
    for (const [code, api] of Object.entries(ON_ADMIN_API)) {
      assert.ok(surfacesOf(code).includes('v2'), `${code} is a /v2 code`);
      assert.ok(surfacesOf(api).includes('api'), `${api} is an admin API code`);
    }
    assert.deepEqual(MANAGEMENT_KIND_CODES, { invalid: 'INVALID_REQUEST', not_found: 'NOT_FOUND', conflict: 'CONFLICT', denied: 'DENIED' });
  });

  it('builds the admin API body with the code\'s status', () => {
    const error = new ApiError('CONFLICT', 'taken', { field: 'name' });
    assert.equal(error.status, 409);
    assert.deepEqual(error.body(), { errors: [{ code: 'CONFLICT', message: 'taken', detail: { field: 'name' } }] });
    assert.deepEqual(new ApiError('NOT_FOUND').body(), { errors: [{ code: 'NOT_FOUND', message: 'not found' }] });
  });
});
