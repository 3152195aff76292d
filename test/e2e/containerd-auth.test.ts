import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { newSecret, secretHash } from '../../src/auth/credentials.js';
import { hashPassword } from '../../src/auth/passwords.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { startContainerd, type Containerd, ctrOk, imageDigest as digestIn } from './support/containerd.js';
import { buildImage, tagInLayout, untar, writeLayoutBlobs } from './support/images.js';
import { ACCEPT_ALL_MANIFESTS } from './support/registry-api.js';
import { missingTools, run, tempFolder, type RunResult } from './support/run.js';

/*
 * containerd's ctr against Berth with access control on (Docker token auth): `--user` credentials
 * for pull and push, and the refusals — anonymous, a wrong password, a reader pushing.
 *
 * Who may do what here:
 *   team/*  private; alice maintainer (pull, push, delete), bob reader (pull)
 *   ci/*    robot$ci: pull, push
 */

const ADMIN_PASSWORD = 'admin-password-1';
const ALICE = { name: 'alice', password: 'alice-password-1' };
const BOB = { name: 'bob', password: 'bob-password-1' };
const creds = (user: { name: string; password: string }) => `${user.name}:${user.password}`;

/** Anonymous and refused: the registry's 401 (insufficient_scope), which ctr words as pull access denied. */
const REFUSED_ANONYMOUS = /pull access denied|insufficient_scope|unauthorized/i;
/** A wrong password: the token endpoint's 401, which ctr reports as failing to fetch the token. */
const UNAUTHORIZED = /failed to fetch (oauth|anonymous) token|401 Unauthorized/i;
/** A refused action: the registry's 403 (or 401 insufficient_scope) on the write. */
const DENIED = /403 Forbidden|denied|insufficient_scope/i;

const skip = await missingTools('containerd', 'ctr', 'skopeo');

describe('containerd (ctr) against Berth with access control on', { skip, timeout: 300_000 }, () => {
  let registry: TestRegistry;
  let daemon: Containerd;
  let work: { path: string; remove(): Promise<void> };
  let robotSecret: string;
  // ctr pulls the host's platform by default; the image is built for it.
  const image = buildImage({
    architecture: process.arch === 'x64' ? 'amd64' : process.arch,
    files: [{ name: 'private.txt', data: `private ${randomBytes(6).toString('hex')}\n` }],
  });

  const ref = (name: string) => `${registry.host}/${name}`;
  const ctrResult = (args: string[]): Promise<RunResult> => daemon.ctr(args);

  const ctr = (args: string[]): Promise<string> => ctrOk(daemon, args);
  const imageDigest = (reference: string): Promise<string | undefined> => digestIn(daemon, reference);

  /**
   * GET of a manifest the way a registry client does it with token auth: the 401 Bearer challenge
   * from the registry, a token from its realm with alice's Basic credentials, then the manifest.
   */
  async function fetchManifestAsAlice(name: string, reference: string): Promise<{ status: number; digest: string | null; bytes: Buffer }> {
    const url = `${registry.url}/v2/${name}/manifests/${reference}`;
    const challenged = await fetch(url, { headers: { Accept: ACCEPT_ALL_MANIFESTS } });
    await challenged.arrayBuffer();
    assert.equal(challenged.status, 401, `anonymous GET ${name}:${reference}`);
    const challenge = challenged.headers.get('www-authenticate') ?? '';
    assert.match(challenge, /^Bearer /, 'a Bearer challenge');
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    assert.ok(params.realm, `the challenge names a realm: ${challenge}`);
    const tokenUrl = new URL(params.realm);
    if (params.service) tokenUrl.searchParams.set('service', params.service);
    tokenUrl.searchParams.set('scope', `repository:${name}:pull`);
    const tokenResponse = await fetch(tokenUrl, { headers: { Authorization: `Basic ${Buffer.from(creds(ALICE)).toString('base64')}` } });
    assert.equal(tokenResponse.status, 200, 'GET /token with alice');
    const body = (await tokenResponse.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    assert.ok(token, 'the token endpoint issues a token');
    const response = await fetch(url, { headers: { Accept: ACCEPT_ALL_MANIFESTS, Authorization: `Bearer ${token}` } });
    return { status: response.status, digest: response.headers.get('docker-content-digest'), bytes: Buffer.from(await response.arrayBuffer()) };
  }

  /** The digest the registry serves for a manifest, asked with the admin's credentials (404 → undefined). */
  async function registryDigest(name: string, reference: string): Promise<string | undefined> {
    const response = await fetch(`${registry.url}/v2/${name}/manifests/${reference}`, {
      method: 'HEAD',
      headers: { Accept: ACCEPT_ALL_MANIFESTS, Authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}` },
    });
    if (response.status === 404) return undefined;
    assert.equal(response.status, 200, `HEAD ${name}:${reference}`);
    return response.headers.get('docker-content-digest') ?? undefined;
  }

  before(async () => {
    registry = await startRegistry({ BERTH_AUTH_MODE: 'token', BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD });
    const { store } = registry.berth;
    for (const user of [ALICE, BOB]) await store.accounts.create({ name: user.name, kind: 'local', passwordHash: await hashPassword(user.password) });
    await store.namespaces.create({ name: 'team', visibility: 'private' });
    await store.namespaces.setMember('team', { kind: 'user', name: ALICE.name, role: 'maintainer' });
    await store.namespaces.setMember('team', { kind: 'user', name: BOB.name, role: 'reader' });
    robotSecret = newSecret('robot');
    await store.credentials.create({
      id: randomUUID(),
      kind: 'robot',
      owner: '',
      name: 'ci',
      secretHash: secretHash(robotSecret),
      grants: [{ repository: 'ci/*', actions: ['pull', 'push'] }],
      createdBy: 'admin',
    });

    work = await tempFolder('containerd-auth');
    const source = join(work.path, 'source');
    await writeLayoutBlobs(source, [image.config, ...image.layers, image.manifest]);
    await tagInLayout(source, 'v1', { mediaType: image.mediaType, digest: image.manifest.digest, size: image.manifest.size });
    await writeFile(join(work.path, 'registries.conf'), `unqualified-search-registries = []\n`);
    await run('skopeo', ['--insecure-policy', 'copy', '--dest-tls-verify=false', '--dest-creds', creds(ALICE), `oci:${source}:v1`, `docker://${ref('team/private:v1')}`], {
      env: { CONTAINERS_REGISTRIES_CONF: join(work.path, 'registries.conf'), REGISTRY_AUTH_FILE: join(work.path, 'auth.json') },
    });
    assert.equal(await registryDigest('team/private', 'v1'), image.manifest.digest);

    daemon = await startContainerd();
  });

  after(async () => {
    await daemon?.stop();
    await registry?.stop();
    await work?.remove();
  });

  it('refuses ctr images pull of a private image without --user, and stores no image', async () => {
    const result = await ctrResult(['images', 'pull', '--plain-http', '--snapshotter', 'native', ref('team/private:v1')]);
    assert.notEqual(result.code, 0, result.stdout);
    assert.match(result.stderr, REFUSED_ANONYMOUS);
    assert.equal(await imageDigest(ref('team/private:v1')), undefined);
  });

  it('refuses ctr images pull with a wrong password, and stores no image', async () => {
    const result = await ctrResult(['images', 'pull', '--plain-http', '--snapshotter', 'native', '--user', `${ALICE.name}:not-the-password`, ref('team/private:v1')]);
    assert.notEqual(result.code, 0, result.stdout);
    assert.match(result.stderr, UNAUTHORIZED);
    assert.equal(await imageDigest(ref('team/private:v1')), undefined);
  });

  it('pulls the private image with ctr images pull --user alice:<password>, byte for byte', async () => {
    await ctr(['images', 'pull', '--plain-http', '--snapshotter', 'native', '--user', creds(ALICE), ref('team/private:v1')]);
    assert.equal(await imageDigest(ref('team/private:v1')), image.manifest.digest);
    assert.equal(await ctr(['content', 'get', image.manifest.digest]), image.manifest.bytes.toString());
    assert.equal(await ctr(['content', 'get', image.config.digest]), image.config.bytes.toString());
    const check = await ctr(['images', 'check', '--snapshotter', 'native']);
    const line = check.split('\n').find((l) => l.startsWith(ref('team/private:v1')));
    assert.ok(line, `ctr images check lists the image:\n${check}`);
    assert.match(line, /complete/);
  });

  it('pushes the image, re-tagged, into another of alice\'s repositories with --user, readable through the registry API', async () => {
    await ctr(['images', 'tag', ref('team/private:v1'), ref('team/pushed:v2')]);
    await ctr(['images', 'push', '--plain-http', '--user', creds(ALICE), ref('team/pushed:v2')]);
    const manifest = await fetchManifestAsAlice('team/pushed', 'v2');
    assert.equal(manifest.status, 200);
    assert.equal(manifest.digest, image.manifest.digest);
    assert.deepEqual(manifest.bytes, image.manifest.bytes);
    const layer = await fetch(`${registry.url}/v2/team/pushed/blobs/${image.layers[0]!.digest}`, {
      headers: { Authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}` },
    });
    assert.equal(layer.status, 200);
    const files = untar(Buffer.from(await layer.arrayBuffer()));
    assert.match(files.get('private.txt')?.toString() ?? '', /^private /);
  });

  it('refuses ctr images push by a reader member of the namespace, and no tag appears', async () => {
    await ctr(['images', 'tag', ref('team/private:v1'), ref('team/private:from-reader')]);
    const result = await ctrResult(['images', 'push', '--plain-http', '--user', creds(BOB), ref('team/private:from-reader')]);
    assert.notEqual(result.code, 0, result.stdout);
    assert.match(result.stderr, DENIED);
    assert.equal(await registryDigest('team/private', 'from-reader'), undefined);
  });

  it('pushes with --user robot$ci:<secret> into ci/*, where the robot is granted pull and push', async () => {
    await ctr(['images', 'tag', ref('team/private:v1'), ref('ci/app:v1')]);
    await ctr(['images', 'push', '--plain-http', '--user', `robot$ci:${robotSecret}`, ref('ci/app:v1')]);
    assert.equal(await registryDigest('ci/app', 'v1'), image.manifest.digest);
  });
});
