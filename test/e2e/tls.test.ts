import assert from 'node:assert/strict';
import { request } from 'node:https';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runBerth } from '../cli/berth-process.js';
import { freePort, spawnRegistry, type RegistryProcess } from '../support/registry.js';
import { makeTestCertificates, type TestCertificates } from '../support/tls-cert.js';
import { buildImage, layoutDescriptor, tagInLayout, writeLayoutBlobs } from './support/images.js';
import { missingTools, run, runResult, tempFolder, type RunResult } from './support/run.js';

const skip = await missingTools('openssl');
const skopeoMissing = await missingTools('skopeo');

const ADMIN = 'admin:admin-password-1';

interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET over HTTPS trusting only `ca` (certificate verification on). */
function httpsGet(url: string, ca: Buffer, headers: Record<string, string> = {}): Promise<HttpsAnswer> {
  return new Promise((done, fail) => {
    const req = request(url, { ca, method: 'GET', headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => done({ status: response.statusCode ?? 0, headers: response.headers, body }));
      response.on('error', fail);
    });
    req.on('error', fail);
    req.end();
  });
}

describe('Berth serving HTTPS with --tls-cert/--tls-key', { skip, timeout: 180_000 }, () => {
  let certs: TestCertificates;
  let work: { path: string; remove(): Promise<void> };
  let server: RegistryProcess;
  let host: string;
  let url: string;
  let env: Record<string, string>;
  const image = buildImage();

  /** skopeo with the host's signature policy, registries.conf and stored logins out of the way. */
  const skopeoResult = (args: string[]): Promise<RunResult> => runResult('skopeo', ['--insecure-policy', ...args], { env, timeout: 120_000 });
  const skopeo = (args: string[]) => run('skopeo', ['--insecure-policy', ...args], { env, timeout: 120_000 });

  before(async () => {
    certs = await makeTestCertificates();
    work = await tempFolder('tls');
    await writeFile(join(work.path, 'registries.conf'), 'unqualified-search-registries = []\n');
    await writeFile(join(work.path, 'auth.json'), '{}\n');
    env = { CONTAINERS_REGISTRIES_CONF: join(work.path, 'registries.conf'), REGISTRY_AUTH_FILE: join(work.path, 'auth.json') };
    const layout = join(work.path, 'source');
    await writeLayoutBlobs(layout, [image.config, ...image.layers, image.manifest]);
    await tagInLayout(layout, 'v1', { mediaType: image.mediaType, digest: image.manifest.digest, size: image.manifest.size });

    const port = await freePort();
    server = await spawnRegistry(
      join(work.path, 'data'),
      port,
      { BERTH_AUTH_MODE: 'token', BERTH_ADMIN_PASSWORD: 'admin-password-1', BERTH_LOG_LEVEL: 'info' },
      ['--tls-cert', certs.certFile, '--tls-key', certs.keyFile],
    );
    host = `127.0.0.1:${port}`;
    url = `https://${host}`;
  });

  after(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await work?.remove();
    await certs?.remove();
  });

  it('names an https:// address in its startup line', () => {
    const line = server.output().split('\n').find((l) => l.includes('berth listening on')) ?? '';
    assert.match(line, new RegExp(`berth listening on https://127\\.0\\.0\\.1:${host.split(':')[1]}`), line);
  });

  it('answers /v2/ with 401 and a Bearer challenge whose realm is https://, verified against the test CA', async () => {
    const answer = await httpsGet(`${url}/v2/`, certs.ca);
    assert.equal(answer.status, 401);
    const challenge = String(answer.headers['www-authenticate'] ?? '');
    assert.match(challenge, /^Bearer /);
    const realm = /realm="([^"]+)"/.exec(challenge)?.[1] ?? '';
    assert.ok(realm.startsWith('https://'), `realm ${realm}`);
    assert.equal(realm, `${url}/token`);
  });

  it('answers /healthz with 200 over HTTPS', async () => {
    const answer = await httpsGet(`${url}/healthz`, certs.ca);
    assert.equal(answer.status, 200, answer.body);
  });

  it('refuses plain HTTP on the TLS port', async () => {
    const status = await fetch(`http://${host}/healthz`).then(
      (r) => r.status,
      () => 0,
    );
    assert.notEqual(status, 200);
  });

  it('lets skopeo push with credentials over HTTPS with verification on (CA in --dest-cert-dir) and pull back the same digest', { skip: skopeoMissing }, async () => {
    const digestFile = join(work.path, 'push.digest');
    await skopeo([
      'copy',
      '--dest-cert-dir', certs.certDir,
      '--dest-creds', ADMIN,
      '--digestfile', digestFile,
      `oci:${join(work.path, 'source')}:v1`,
      `docker://${host}/tls/app:v1`,
    ]);
    assert.equal((await readFile(digestFile, 'utf8')).trim(), image.manifest.digest);

    const pulled = join(work.path, 'pulled');
    await skopeo(['copy', '--src-cert-dir', certs.certDir, '--src-creds', ADMIN, `docker://${host}/tls/app:v1`, `oci:${pulled}:v1`]);
    assert.equal((await layoutDescriptor(pulled, 'v1')).digest, image.manifest.digest);
  });

  it('makes skopeo fail with a certificate error when it is not given the CA', { skip: skopeoMissing }, async () => {
    const result = await skopeoResult(['copy', '--dest-creds', ADMIN, `oci:${join(work.path, 'source')}:v1`, `docker://${host}/tls/other:v1`]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /x509: certificate signed by unknown authority/, result.stderr);
    const manifest = await httpsGet(`${url}/v2/tls/other/manifests/v1`, certs.ca, { Authorization: `Basic ${Buffer.from(ADMIN).toString('base64')}` });
    assert.equal(manifest.status, 404, 'nothing was pushed');
  });
});

describe('berth serve TLS settings', () => {
  it('exits 2 naming tls.key when tls.cert is given without it', async () => {
    const dir = await tempFolder('tls-config');
    try {
      const result = await runBerth(['serve', '--data', join(dir.path, 'data'), '--listen', '127.0.0.1:0', '--tls-cert', join(dir.path, 'server.crt')], {}, { cwd: dir.path });
      assert.equal(result.code, 2, `${result.stdout}${result.stderr}`);
      assert.match(result.stderr, /tls\.key/, result.stderr);
    } finally {
      await dir.remove();
    }
  });
});
