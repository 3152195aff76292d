import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RegistryError } from '../errors/index.js';
import { toV2Response } from './v2-errors.js';

describe('toV2Response, the /v2 translation point', () => {
  it('answers a condition with its code, status and headers', () => {
    const answer = toV2Response(new RegistryError('RANGE_NOT_SATISFIABLE', { detail: { size: 3 }, headers: { 'Content-Range': 'bytes */3' } }));
    assert.equal(answer.status, 416);
    assert.equal(answer.unexpected, false);
    assert.deepEqual(answer.headers, { 'Content-Range': 'bytes */3' });
    assert.deepEqual(answer.body, { errors: [{ code: 'UNSUPPORTED', message: 'the operation is unsupported', detail: { size: 3 } }] });
  });

  it('keeps the status of a refusal by the HTTP layer, 400 when it names none', () => {
    const refused = Object.assign(new Error('Unsupported Media Type'), { statusCode: 415 });
    assert.equal(toV2Response(refused).status, 415);
    assert.deepEqual(toV2Response(refused).body, { errors: [{ code: 'UNSUPPORTED', message: 'the operation is unsupported', detail: { reason: 'Unsupported Media Type' } }] });
    const unnamed = Object.assign(new Error('empty type'), { code: 'FST_ERR_CTP_EMPTY_TYPE' });
    assert.equal(toV2Response(unnamed).status, 400);
  });

  it('answers anything else 500 UNKNOWN, flagged for the log, with no cause in the body', () => {
    const answer = toV2Response(new Error('connection to /secret/path refused'));
    assert.equal(answer.status, 500);
    assert.equal(answer.unexpected, true);
    assert.deepEqual(answer.body, { errors: [{ code: 'UNKNOWN', message: 'unknown error' }] });
    assert.equal(toV2Response(null).status, 500);
  });
});
