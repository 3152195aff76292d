import assert from 'node:assert/strict';
import { randomUUID, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { importPKCS8, SignJWT } from 'jose';
import { after, before, describe, it } from 'node:test';
import { RegistryClient, RegistryClientError } from '../../src/registry-client/index.js';
import { imageManifest, randomBlob } from '../support/fixtures.js';
import { makeTestCertificates, type TestCertificates } from '../support/tls-cert.js';
import { hasDistribution, json, scriptedServer, startDistribution, type Distribution, type ScriptedServer } from './support.js';

const ISSUER = 'berth-rc-test';
const SERVICE = 'distribution-test';
const USER = { username: 'alice', password: 'alice-password' };

/**
 * Distribution with its token auth (auth.token: realm, service, issuer, rootcertbundle) and a
 * token server written here: it checks Basic credentials, grants what is asked, and signs an
 * ES256 JWT whose x5c chain leads to the test CA Distribution trusts.
 */
describe('registry client against Distribution with token auth', { skip: hasDistribution() ? false : 'docker-registry is not installed' }, () => {
  let certs: TestCertificates;
  let realm: ScriptedServer;
  let distribution: Distribution;
  const tokenRequests: { scopes: string[]; basic: boolean }[] = [];
  const clients: RegistryClient[] = [];
  before(async () => {
    certs = await makeTestCertificates();
    const key = await importPKCS8(await readFile(certs.keyFile, 'utf8'), 'ES256');
    const leaf = new X509Certificate(await readFile(certs.certFile)).raw.toString('base64');
    const expected = `Basic ${Buffer.from(`${USER.username}:${USER.password}`).toString('base64')}`;
    realm = await scriptedServer((req, res) => {
      const url = new URL(req.url, 'http://x');
      const scopes = url.searchParams.getAll('scope');
      tokenRequests.push({ scopes, basic: req.headers.authorization === expected });
      if (req.headers.authorization !== undefined && req.headers.authorization !== expected) {
        json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] });
        return;
      }
      const anonymous = req.headers.authorization === undefined;
      const access = scopes.map((scope) => {
        const [type, ...rest] = scope.split(':');
        const actions = (rest.pop() ?? '').split(',');
        // Anonymous callers may only pull.
        return { type, name: rest.join(':'), actions: anonymous ? actions.filter((a) => a === 'pull') : actions };
      });
      void new SignJWT({ access })
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT', x5c: [leaf] })
        .setIssuer(ISSUER)
        .setAudience(url.searchParams.get('service') ?? '')
        .setSubject(anonymous ? '' : USER.username)
        .setIssuedAt()
        .setNotBefore('-10s')
        .setExpirationTime('5m')
        .setJti(randomUUID())
        .sign(key)
        .then((token) => json(res, 200, { access_token: token, expires_in: 300 }));
    });
    distribution = await startDistribution([
      'auth:',
      '  token:',
      `    realm: ${realm.url}/token`,
      `    service: ${SERVICE}`,
      `    issuer: ${ISSUER}`,
      `    rootcertbundle: ${certs.caCertFile}`,
    ]);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await distribution?.stop();
    await realm?.stop();
    await certs?.remove();
  });
  const client = (credentials?: typeof USER): RegistryClient => {
    const made = new RegistryClient(distribution.url, { credentials });
    clients.push(made);
    return made;
  };

  it('pushes (monolithic, chunked), mounts and pulls with Bearer tokens scoped per repository', async () => {
    const alice = client(USER);
    const image = imageManifest({ layers: 2, layerSize: 20_000 });
    const [first, second] = image.layers;
    assert.ok(first && second);
    await alice.uploadBlob('rc/app', image.config.digest, image.config.bytes);
    await alice.uploadBlob('rc/app', first.digest, first.bytes);
    await alice.uploadBlobChunked('rc/app', second.digest, second.bytes, { chunkSize: 6_000 });
    await alice.putManifest('rc/app', 'v1', image.manifest.bytes);
    assert.ok(tokenRequests.some((r) => r.basic && r.scopes.includes('repository:rc/app:pull,push')));
    assert.deepEqual((await alice.getManifest('rc/app', 'v1')).bytes, image.manifest.bytes);
    assert.deepEqual(await alice.getBlobBytes('rc/app', second.digest), second.bytes);
    const before = tokenRequests.length;
    assert.equal(await alice.mountBlob('rc/copy', first.digest, 'rc/app'), true);
    assert.deepEqual(tokenRequests.slice(before).map((r) => r.scopes), [['repository:rc/copy:pull,push', 'repository:rc/app:pull']]);
    assert.deepEqual(await alice.listTags('rc/app'), ['v1']);
  });

  it('pulls anonymously with an anonymous token and is refused a push', async () => {
    const alice = client(USER);
    const image = imageManifest();
    for (const blob of [image.config, ...image.layers]) await alice.uploadBlob('rc/public', blob.digest, blob.bytes);
    await alice.putManifest('rc/public', 'v1', image.manifest.bytes);
    const anonymous = client();
    assert.deepEqual((await anonymous.getManifest('rc/public', 'v1')).bytes, image.manifest.bytes);
    const blob = randomBlob(100);
    await assert.rejects(anonymous.uploadBlob('rc/public', blob.digest, blob.bytes), (e: unknown) => e instanceof RegistryClientError && e.status === 401 && e.codes.includes('UNAUTHORIZED'));
  });

  it('lists the catalog with a registry:catalog:* token', async () => {
    const alice = client(USER);
    const names = await alice.listCatalog({ pageSize: 1 });
    assert.ok(names.includes('rc/app'));
    assert.ok(tokenRequests.some((r) => r.scopes.includes('registry:catalog:*')));
  });

  it('reports wrong credentials as a typed 401 from the realm', async () => {
    const wrong = client({ username: 'alice', password: 'wrong' });
    await assert.rejects(wrong.getManifest('rc/app', 'v1'), (e: unknown) => e instanceof RegistryClientError && e.status === 401 && !e.message.includes('wrong'));
  });
});
