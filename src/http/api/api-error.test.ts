import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManagementError } from '../../errors/management-error.js';
import { ReadOnlyError } from '../../content/read-only-mode.js';
import { RegistryError } from '../../errors/index.js';
import { ApiError, BASIC_CHALLENGE, toApiError } from './api-error.js';

describe('toApiError, the admin API translation point', () => {
  it('maps management kinds through the table', () => {
    const refusal = toApiError(new ManagementError('conflict', 'user alice exists', { field: 'name' }));
    assert.ok(refusal instanceof ApiError);
    assert.equal(refusal.status, 409);
    assert.deepEqual(refusal.body(), { errors: [{ code: 'CONFLICT', message: 'user alice exists', detail: { field: 'name' } }] });
    assert.equal(toApiError(new ManagementError('not_found', 'no user bob'))?.code, 'NOT_FOUND');
  });

  it('answers read-only mode 409 CONFLICT without the /v2 Allow header', () => {
    const refusal = toApiError(new ReadOnlyError('upgrade'));
    assert.equal(refusal?.status, 409);
    assert.deepEqual(refusal?.headers, {});
    assert.deepEqual(refusal?.detail, { reason: 'the registry is in read-only mode for maintenance: upgrade', readOnly: true });
  });

  it('answers an oversized body 413 PAYLOAD_TOO_LARGE, worded for an API body', () => {
    const refusal = toApiError(new RegistryError('BODY_TOO_LARGE', { message: 'the manifest is too large', detail: { limit: 10 } }));
    assert.equal(refusal?.status, 413);
    assert.deepEqual(refusal?.body(), { errors: [{ code: 'PAYLOAD_TOO_LARGE', message: 'the request body is larger than 10 bytes', detail: { limit: 10 } }] });
  });

  it('relays content refusals by the table, in the words of detail.reason', () => {
    const refusal = toApiError(new RegistryError('BAD_PARAMETER', { detail: { reason: 'steps must be a whole number', steps: 0 } }));
    assert.equal(refusal?.code, 'INVALID_REQUEST');
    assert.equal(refusal?.message, 'steps must be a whole number');
    assert.equal(toApiError(new RegistryError('NAME_UNKNOWN', { message: 'no repository "a/b"', detail: { name: 'a/b' } }))?.message, 'no repository "a/b"');
  });

  it('keeps the challenge and Retry-After of the shared helpers, and leaves the rest to the 500 handler', () => {
    assert.deepEqual(toApiError(new RegistryError('UNAUTHORIZED'))?.headers, { 'WWW-Authenticate': BASIC_CHALLENGE });
    const throttled = toApiError(new RegistryError('TOOMANYREQUESTS', { detail: { reason: 'too many failed logins' }, headers: { 'Retry-After': '5' } }));
    assert.equal(throttled?.message, 'too many requests');
    assert.deepEqual(throttled?.headers, { 'Retry-After': '5' });
    assert.equal(toApiError(new RegistryError('BLOB_UNKNOWN')), undefined);
    assert.equal(toApiError(new Error('boom')), undefined);
  });
});
