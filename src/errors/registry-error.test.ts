import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES } from './error-table.js';
import { RegistryError, errorBody } from './registry-error.js';

// distribution-spec, "Error Codes": the fourteen codes a JSON error body may carry.
const SPEC_CODES = [
  'BLOB_UNKNOWN', 'BLOB_UPLOAD_INVALID', 'BLOB_UPLOAD_UNKNOWN', 'DIGEST_INVALID', 'MANIFEST_BLOB_UNKNOWN', 'MANIFEST_INVALID', 'MANIFEST_UNKNOWN',
  'NAME_INVALID', 'NAME_UNKNOWN', 'SIZE_INVALID', 'UNAUTHORIZED', 'DENIED', 'UNSUPPORTED', 'TOOMANYREQUESTS',
];

describe('the error table', () => {
  it('holds only the spec\'s codes, plus UNKNOWN for 500s', () => {
    assert.deepEqual(Object.keys(ERROR_CODES).sort(), [...SPEC_CODES, 'UNKNOWN'].sort());
    assert.equal(ERROR_CODES.UNKNOWN.status, 500);
    for (const [code, { status }] of Object.entries(ERROR_CODES)) {
      if (code !== 'UNKNOWN') assert.ok(status >= 400 && status < 500, `${code} is a client error`);
    }
  });

  it('builds the {"errors":[{code,message,detail}]} body, leaving detail out when there is none', () => {
    const body = errorBody(new RegistryError('BLOB_UNKNOWN', { detail: { digest: 'sha256:x' } }), new RegistryError('DENIED'));
    assert.deepEqual(body, {
      errors: [
        { code: 'BLOB_UNKNOWN', message: 'blob unknown to registry', detail: { digest: 'sha256:x' } },
        { code: 'DENIED', message: 'requested access to the resource is denied' },
      ],
    });
  });

  it('takes the status from the table unless the condition names its own, and keeps the cause out of the body', () => {
    assert.equal(new RegistryError('MANIFEST_UNKNOWN').status, 404);
    const cut = new RegistryError('CHUNK_OUT_OF_ORDER', { headers: { Range: '0-9' }, cause: new Error('secret path') });
    assert.equal(cut.status, 416);
    assert.equal(cut.code, 'BLOB_UPLOAD_INVALID');
    assert.equal(cut.condition, 'CHUNK_OUT_OF_ORDER');
    assert.deepEqual(cut.headers, { Range: '0-9' });
    assert.doesNotMatch(JSON.stringify(errorBody(cut)), /secret/);
  });
});
