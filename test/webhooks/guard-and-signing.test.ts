/** The SSRF guard's address ranges and URL checks, and Standard Webhooks signatures a receiver verifies. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { checkSecret, generateSecret, signatureHeaders } from '../../src/extensions/webhooks/signing.js';
import { checkTargetUrl, guardedLookup, privateRange } from '../../src/extensions/webhooks/target-guard.js';

describe('webhook target guard', () => {
  it('allows public unicast addresses only', () => {
    const cases: [string, string | undefined][] = [
      ['93.184.216.34', undefined],
      ['2606:4700:4700::1111', undefined],
      ['127.0.0.1', 'loopback'],
      ['::1', 'loopback'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['192.168.1.1', 'private'],
      ['169.254.169.254', 'linkLocal'],
      ['fe80::1', 'linkLocal'],
      ['fd00::1', 'uniqueLocal'],
      ['100.64.0.1', 'carrierGradeNat'],
      ['0.0.0.0', 'unspecified'],
      ['224.0.0.1', 'multicast'],
      ['::ffff:10.0.0.1', 'private'],
      ['::ffff:127.0.0.1', 'loopback'],
    ];
    for (const [address, range] of cases) assert.equal(privateRange(address), range, address);
  });

  it('refuses malformed, non-HTTP, credential-carrying and private-literal URLs with a clear reason', () => {
    assert.throws(() => checkTargetUrl('not a url', false), /is not a URL/);
    assert.throws(() => checkTargetUrl('ftp://example.com/hook', false), /http:\/\/ or https:\/\/, not ftp:/);
    assert.throws(() => checkTargetUrl('https://user:pw@example.com/hook', false), /carries no credentials/);
    assert.throws(() => checkTargetUrl('http://127.0.0.1:9000/hook', false), /127\.0\.0\.1 is a loopback address/);
    assert.throws(() => checkTargetUrl('http://[::1]/hook', false), /::1 is a loopback address/);
    assert.throws(() => checkTargetUrl('http://169.254.169.254/latest/meta-data', false), /linkLocal/);
    assert.throws(() => checkTargetUrl('http://localhost:8080/', false), /localhost is a loopback address/);
    assert.equal(checkTargetUrl('http://127.0.0.1:9000/hook', true).port, '9000', 'allowed with allowPrivateTargets');
    assert.equal(checkTargetUrl('https://hooks.example.com/x?y=1', false).hostname, 'hooks.example.com');
  });

  it('refuses, in the lookup the connection itself uses, a name that resolves to a private address', async () => {
    const lookup = guardedLookup(false);
    const error = await new Promise<Error | null>((done) => lookup('localhost', { all: false }, (err) => done(err)));
    assert.match(String(error?.message), /localhost \((127\.0\.0\.1|::1)\) is a loopback address/);
    const allowed = guardedLookup(true);
    const address = await new Promise<string>((done, fail) => allowed('localhost', { all: false }, (err, found) => (err ? fail(err) : done(String(found)))));
    assert.ok(address === '127.0.0.1' || address === '::1');
  });
});

describe('Standard Webhooks signatures', () => {
  it('a receiver with the secret verifies a signed body, and rejects a changed one', () => {
    const secret = generateSecret();
    checkSecret(secret);
    const body = JSON.stringify({ hello: 'world' });
    const headers = signatureHeaders(secret, 'evt_42_1', body);
    assert.equal(headers['webhook-id'], 'evt_42_1');
    assert.match(headers['webhook-signature'] ?? '', /^v1,[A-Za-z0-9+/=]+$/);
    assert.deepEqual(new Webhook(secret).verify(body, headers), { hello: 'world' });
    assert.throws(() => new Webhook(secret).verify(body.replace('world', 'there'), headers), /No matching signature/);
    assert.throws(() => new Webhook(generateSecret()).verify(body, headers), /No matching signature/);
  });

  it('refuses a secret that is not whsec_ and 24 to 64 bytes of base64', () => {
    assert.throws(() => checkSecret('hunter2'), /whsec_ followed by base64/);
    assert.throws(() => checkSecret('whsec_!!!'), /whsec_ followed by base64/);
    assert.throws(() => checkSecret(`whsec_${Buffer.alloc(8).toString('base64')}`), /24 to 64 bytes \(this one 8\)/);
    checkSecret(`whsec_${Buffer.alloc(24, 7).toString('base64')}`);
  });
});
