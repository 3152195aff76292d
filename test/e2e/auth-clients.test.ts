import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { newSecret, secretHash } from '../../src/auth/credentials.js';
import { hashPassword } from '../../src/auth/passwords.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { buildImage, layoutDescriptor, tagInLayout, tar, writeLayoutBlobs } from './support/images.js';
import { ACCEPT_ALL_MANIFESTS } from './support/registry-api.js';
import { missingTools, run, runResult, tempFolder, type RunResult } from './support/run.js';

/*
 * Real clients against Berth with access control on (Docker token auth): logins, pushes and pulls
 * with credentials, and the refusals — wrong password, anonymous on a private repository, a robot
 * outside its grants, a reader pushing.
 *
 * Who may do what here:
 *   team/*    private; alice maintainer (pull, push, delete), bob reader (pull)
 *   public/*  public (anyone pulls); alice developer (pull, push)
 *   ci/*      robot$ci: pull, push (no delete)
 */

const ADMIN_PASSWORD = 'admin-password-1';
const ALICE = { name: 'alice', password: 'alice-password-1' };
const BOB = { name: 'bob', password: 'bob-password-1' };
const creds = (user: { name: string; password: string }) => `${user.name}:${user.password}`;

/** A refused login as Go clients word the registry's 401. */
const UNAUTHORIZED = /unauthorized|authentication required|invalid username\/password|incorrect username or password/i;
/**
 * A refused action. With a body, Go clients quote the registry's DENIED ("requested access to the
 * resource is denied"); a HEAD has none, so they show the status: "403 (Forbidden)". An anonymous
 * client's token lacking the scope gets 401 error="insufficient_scope", which they print as denied.
 */
const DENIED = /denied|403 \(Forbidden\)/i;
/** Anonymous and refused: 401, worded as unauthorized or (insufficient_scope) denied. */
const REFUSED_ANONYMOUS = /unauthorized|authentication required|denied/i;

let registry: TestRegistry;
let robotSecret: string;

before(async () => {
  registry = await startRegistry({ BERTH_AUTH_MODE: 'token', BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD });
  const { store } = registry.berth;
  for (const user of [ALICE, BOB]) await store.accounts.create({ name: user.name, kind: 'local', passwordHash: await hashPassword(user.password) });
  await store.namespaces.create({ name: 'team', visibility: 'private' });
  await store.namespaces.setMember('team', { kind: 'user', name: ALICE.name, role: 'maintainer' });
  await store.namespaces.setMember('team', { kind: 'user', name: BOB.name, role: 'reader' });
  await store.namespaces.create({ name: 'public', visibility: 'public' });
  await store.namespaces.setMember('public', { kind: 'user', name: ALICE.name, role: 'developer' });
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
});

after(async () => {
  await registry?.stop();
});

/** Upload POSTs that mounted (201) or began a session (202), and PATCH/PUT requests of upload sessions, from /metrics. */
async function uploadCounts(): Promise<{ mounted: number; started: number; chunks: number }> {
  const text = await (await fetch(`${registry.url}/metrics`)).text();
  const count = (pattern: RegExp) => [...text.matchAll(pattern)].reduce((sum, match) => sum + Number(match[1]), 0);
  return {
    mounted: count(/^berth_http_requests_total\{route="v2:uploads",method="POST",status="201"\} (\d+)$/gm),
    started: count(/^berth_http_requests_total\{route="v2:uploads",method="POST",status="202"\} (\d+)$/gm),
    chunks: count(/^berth_http_requests_total\{route="v2:upload",method="(?:PATCH|PUT)",status="\d+"\} (\d+)$/gm),
  };
}

/** The digest the registry serves for a manifest, asked with the admin's Basic credentials (404 → undefined). */
async function registryDigest(name: string, reference: string): Promise<string | undefined> {
  const response = await fetch(`${registry.url}/v2/${name}/manifests/${reference}`, {
    method: 'HEAD',
    headers: { Accept: ACCEPT_ALL_MANIFESTS, Authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}` },
  });
  if (response.status === 404) return undefined;
  assert.equal(response.status, 200, `HEAD ${name}:${reference}`);
  return response.headers.get('docker-content-digest') ?? undefined;
}

/** Runs a command with `input` on its standard input (for --password-stdin). */
function runWithInput(command: string, args: string[], input: string, env: Record<string, string>): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', fail);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      done({ code: code ?? -1, stdout, stderr: signal ? `${stderr}\n(killed by ${signal})` : stderr });
    });
    child.stdin.end(input);
  });
}

/** Config files that keep podman/buildah/skopeo off the host's: registries.conf (Berth over plain HTTP) and an auth file. */
async function clientConfig(folder: string, host: string): Promise<Record<string, string>> {
  await writeFile(join(folder, 'registries.conf'), `unqualified-search-registries = []\n\n[[registry]]\nlocation = "${host}"\ninsecure = true\n`);
  await writeFile(join(folder, 'auth.json'), '{}\n');
  return { CONTAINERS_REGISTRIES_CONF: join(folder, 'registries.conf'), REGISTRY_AUTH_FILE: join(folder, 'auth.json') };
}

/** A vfs storage of its own for podman/buildah, in the temp folder. */
async function storageConfig(folder: string): Promise<{ env: Record<string, string>; globals: string[] }> {
  for (const name of ['root', 'runroot', 'tmp']) await mkdir(join(folder, name), { recursive: true });
  await writeFile(join(folder, 'storage.conf'), `[storage]\ndriver = "vfs"\ngraphroot = "${join(folder, 'root')}"\nrunroot = "${join(folder, 'runroot')}"\n`);
  await writeFile(join(folder, 'containers.conf'), '[engine]\nevents_logger = "file"\ncgroup_manager = "cgroupfs"\n');
  return {
    env: { CONTAINERS_STORAGE_CONF: join(folder, 'storage.conf'), CONTAINERS_CONF: join(folder, 'containers.conf') },
    globals: ['--root', join(folder, 'root'), '--runroot', join(folder, 'runroot'), '--storage-driver', 'vfs'],
  };
}

describe('podman login, push and pull against Berth with access control on', { skip: await missingTools('podman'), timeout: 300_000 }, () => {
  let work: { path: string; remove(): Promise<void> };
  let env: Record<string, string>;
  let globals: string[];

  const podmanResult = (args: string[]): Promise<RunResult> => runResult('podman', [...globals, ...args], { env, timeout: 120_000 });
  const podman = (args: string[]) => run('podman', [...globals, ...args], { env, timeout: 120_000 });
  const login = (password: string) => runWithInput('podman', [...globals, 'login', '--tls-verify=false', '-u', ALICE.name, '--password-stdin', registry.host], `${password}\n`, env);
  const storedAuths = async () => (JSON.parse(await readFile(env.REGISTRY_AUTH_FILE!, 'utf8')) as { auths?: Record<string, unknown> }).auths ?? {};

  before(async () => {
    work = await tempFolder('auth-podman');
    const storage = await storageConfig(work.path);
    env = { ...storage.env, ...(await clientConfig(work.path, registry.host)) };
    globals = [...storage.globals, '--tmpdir', join(work.path, 'tmp')];
    await writeFile(join(work.path, 'rootfs.tar'), tar([{ name: 'podman.txt', data: `podman auth ${randomBytes(6).toString('hex')}\n` }]));
    await podman(['import', join(work.path, 'rootfs.tar'), 'localhost/berth-e2e/auth:v1']);
  });

  after(async () => {
    if (globals) await podmanResult(['rmi', '--all', '--force']);
    await work?.remove();
  });

  it('fails podman login with a wrong password, saying unauthorized, and stores no credentials', async () => {
    const result = await login('not-the-password');
    assert.notEqual(result.code, 0, result.stdout);
    assert.match(result.stderr, UNAUTHORIZED);
    assert.equal((await storedAuths())[registry.host], undefined);
  });

  it('logs in with podman login --password-stdin and keeps the credentials in REGISTRY_AUTH_FILE', async () => {
    const result = await login(ALICE.password);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Login Succeeded/i);
    assert.ok((await storedAuths())[registry.host], `auth.json holds ${registry.host}`);
  });

  it('pushes to a private repository with the stored login and pulls it back under the same digest', async () => {
    const ref = `${registry.host}/team/podman:v1`;
    const digestFile = join(work.path, 'push.digest');
    await podman(['push', '--tls-verify=false', '--digestfile', digestFile, 'localhost/berth-e2e/auth:v1', `docker://${ref}`]);
    const pushed = (await readFile(digestFile, 'utf8')).trim();
    assert.equal(await registryDigest('team/podman', 'v1'), pushed);

    await podman(['rmi', '--all', '--force']);
    await podman(['pull', '--tls-verify=false', ref]);
    const images = JSON.parse((await podman(['images', '--digests', '--format', 'json'])).stdout) as { Names?: string[]; Digest: string }[];
    const pulled = images.find((image) => image.Names?.includes(ref));
    assert.ok(pulled, `podman images lists ${ref}`);
    assert.equal(pulled.Digest, pushed);
  });

  it('forgets the login on podman logout, after which a push is refused', async () => {
    await podman(['logout', registry.host]);
    assert.equal((await storedAuths())[registry.host], undefined);
    const result = await podmanResult(['push', '--tls-verify=false', `${registry.host}/team/podman:v1`, `docker://${registry.host}/team/podman:after-logout`]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, REFUSED_ANONYMOUS);
    assert.equal(await registryDigest('team/podman', 'after-logout'), undefined);
  });
});

describe('buildah push and pull with --creds against Berth with access control on', { skip: await missingTools('buildah'), timeout: 300_000 }, () => {
  let work: { path: string; remove(): Promise<void> };
  let env: Record<string, string>;
  let globals: string[];

  const buildahResult = (args: string[]): Promise<RunResult> => runResult('buildah', [...globals, ...args], { env, timeout: 120_000 });
  const buildah = (args: string[]) => run('buildah', [...globals, ...args], { env, timeout: 120_000 });

  before(async () => {
    work = await tempFolder('auth-buildah');
    const storage = await storageConfig(work.path);
    env = { ...storage.env, ...(await clientConfig(work.path, registry.host)) };
    globals = storage.globals;
    const file = join(work.path, 'buildah.txt');
    await writeFile(file, `buildah auth ${randomBytes(6).toString('hex')}\n`);
    const container = (await buildah(['from', '--name', `berth-e2e-auth-${randomBytes(3).toString('hex')}`, 'scratch'])).stdout.trim();
    await buildah(['copy', container, file, '/buildah.txt']);
    await buildah(['config', '--cmd', '/buildah.txt', container]);
    await buildah(['commit', '--quiet', container, 'localhost/berth-e2e/auth:v1']);
    await buildah(['rm', container]);
  });

  after(async () => {
    if (globals) {
      await buildahResult(['rm', '--all']);
      await buildahResult(['rmi', '--all', '--force']);
    }
    await work?.remove();
  });

  it('refuses buildah push without credentials to a private repository', async () => {
    const result = await buildahResult(['push', '--tls-verify=false', 'localhost/berth-e2e/auth:v1', `docker://${registry.host}/team/buildah:anonymous`]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, REFUSED_ANONYMOUS);
    assert.equal(await registryDigest('team/buildah', 'anonymous'), undefined);
  });

  it('pushes with buildah push --creds and pulls back with buildah pull --creds under the same digest', async () => {
    const ref = `${registry.host}/team/buildah:v1`;
    const digestFile = join(work.path, 'push.digest');
    await buildah(['push', '--tls-verify=false', '--creds', creds(ALICE), '--digestfile', digestFile, 'localhost/berth-e2e/auth:v1', `docker://${ref}`]);
    const pushed = (await readFile(digestFile, 'utf8')).trim();
    assert.equal(await registryDigest('team/buildah', 'v1'), pushed);

    await buildah(['rmi', '--all', '--force']);
    await buildah(['pull', '--tls-verify=false', '--creds', creds(ALICE), ref]);
    const images = JSON.parse((await buildah(['images', '--json'])).stdout) as { names?: string[]; digest: string }[];
    const pulled = images.find((image) => image.names?.includes(ref));
    assert.ok(pulled, `buildah images lists ${ref}: ${JSON.stringify(images)}`);
    assert.equal(pulled.digest, pushed);
  });
});

describe('skopeo with credentials against Berth with access control on', { skip: await missingTools('skopeo'), timeout: 300_000 }, () => {
  let work: { path: string; remove(): Promise<void> };
  let env: Record<string, string>;
  let source: string;
  const image = buildImage();

  const skopeoResult = (args: string[]): Promise<RunResult> => runResult('skopeo', ['--insecure-policy', ...args], { env, timeout: 120_000 });
  const skopeo = (args: string[]) => run('skopeo', ['--insecure-policy', ...args], { env, timeout: 120_000 });
  const docker = (name: string) => `docker://${registry.host}/${name}`;
  /** skopeo copy of the test image to a repository, with `--dest-creds` when given. */
  const push = (name: string, destCreds?: string) =>
    skopeoResult(['copy', '--dest-tls-verify=false', ...(destCreds ? ['--dest-creds', destCreds] : []), `oci:${source}:v1`, docker(name)]);
  /** skopeo inspect of a repository, with `--creds` when given. */
  const inspect = (name: string, credentials?: string) => skopeoResult(['inspect', '--tls-verify=false', ...(credentials ? ['--creds', credentials] : []), docker(name)]);
  const digestOf = (result: RunResult) => (JSON.parse(result.stdout) as { Digest: string }).Digest;

  before(async () => {
    work = await tempFolder('auth-skopeo');
    env = await clientConfig(work.path, registry.host);
    source = join(work.path, 'source');
    await writeLayoutBlobs(source, [image.config, ...image.layers, image.manifest]);
    await tagInLayout(source, 'v1', { mediaType: image.mediaType, digest: image.manifest.digest, size: image.manifest.size });
  });

  after(async () => {
    await work?.remove();
  });

  it('pushes to a private repository with skopeo copy --dest-creds and pulls the same digest back with --src-creds', async () => {
    const digestFile = join(work.path, 'push.digest');
    await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', creds(ALICE), '--digestfile', digestFile, `oci:${source}:v1`, docker('team/skopeo:v1')]);
    assert.equal((await readFile(digestFile, 'utf8')).trim(), image.manifest.digest);
    assert.equal(await registryDigest('team/skopeo', 'v1'), image.manifest.digest);

    const pulled = join(work.path, 'pulled');
    await skopeo(['copy', '--src-tls-verify=false', '--src-creds', creds(ALICE), docker('team/skopeo:v1'), `oci:${pulled}:v1`]);
    assert.equal((await layoutDescriptor(pulled, 'v1')).digest, image.manifest.digest);
  });

  it('copies between repositories under token auth by mounting the layers: their upload POSTs answer 201 and only the config is uploaded', async () => {
    const before = await uploadCounts();
    await skopeo(['copy', '--src-tls-verify=false', '--dest-tls-verify=false', '--src-creds', creds(ALICE), '--dest-creds', creds(ALICE), docker('team/skopeo:v1'), docker('team/mounted:v1')]);
    const after = await uploadCounts();
    assert.equal(await registryDigest('team/mounted', 'v1'), image.manifest.digest);
    // Every layer mounted (201); skopeo (containers/image) writes the config afresh without trying
    // to reuse it, so its one upload (a 202 session, then PATCH and PUT) is all that is sent.
    const counts = { before, after };
    assert.equal(after.mounted - before.mounted, image.layers.length, JSON.stringify(counts));
    assert.equal(after.started - before.started, 1, JSON.stringify(counts));
    assert.ok(after.chunks - before.chunks <= 2, JSON.stringify(counts));
  });

  it('inspects the private repository with skopeo inspect --creds', async () => {
    const result = await inspect('team/skopeo:v1', creds(ALICE));
    assert.equal(result.code, 0, result.stderr);
    assert.equal(digestOf(result), image.manifest.digest);
  });

  it('refuses anonymous skopeo inspect of the private repository as unauthorized', async () => {
    const result = await inspect('team/skopeo:v1');
    assert.notEqual(result.code, 0, result.stdout);
    assert.match(result.stderr, REFUSED_ANONYMOUS);
  });

  it('lets anonymous skopeo inspect read a repository of a public namespace', async () => {
    const pushed = await push('public/skopeo:v1', creds(ALICE));
    assert.equal(pushed.code, 0, pushed.stderr);
    const result = await inspect('public/skopeo:v1');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(digestOf(result), image.manifest.digest);
  });

  it('refuses a skopeo copy with a wrong password as unauthorized', async () => {
    const result = await push('team/skopeo:wrong-password', `${BOB.name}:not-the-password`);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, UNAUTHORIZED);
    assert.equal(await registryDigest('team/skopeo', 'wrong-password'), undefined);
  });

  describe('a reader member of the namespace', () => {
    it('pulls from the private repository with skopeo copy --src-creds', async () => {
      const pulled = join(work.path, 'reader-pulled');
      await skopeo(['copy', '--src-tls-verify=false', '--src-creds', creds(BOB), docker('team/skopeo:v1'), `oci:${pulled}:v1`]);
      assert.equal((await layoutDescriptor(pulled, 'v1')).digest, image.manifest.digest);
    });

    it('is denied a skopeo copy into the namespace', async () => {
      const result = await push('team/skopeo:from-reader', creds(BOB));
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, DENIED);
      assert.equal(await registryDigest('team/skopeo', 'from-reader'), undefined);
    });
  });

  describe('a CI robot granted pull and push on ci/*', () => {
    const robot = () => `robot$ci:${robotSecret}`;

    it('pushes to ci/app with skopeo copy --dest-creds robot$ci:<secret> and pulls it back', async () => {
      const result = await push('ci/app:v1', robot());
      assert.equal(result.code, 0, result.stderr);
      assert.equal(await registryDigest('ci/app', 'v1'), image.manifest.digest);
      const inspected = await inspect('ci/app:v1', robot());
      assert.equal(inspected.code, 0, inspected.stderr);
      assert.equal(digestOf(inspected), image.manifest.digest);
    });

    it('is denied a push to other/app, outside its grants', async () => {
      const result = await push('other/app:v1', robot());
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, DENIED);
      assert.equal(await registryDigest('other/app', 'v1'), undefined);
    });

    it('is refused deleting ci/app without a delete grant, and the image stays', async () => {
      const result = await skopeoResult(['delete', '--tls-verify=false', '--creds', robot(), docker('ci/app:v1')]);
      assert.notEqual(result.code, 0, result.stdout);
      assert.match(result.stderr, DENIED);
      assert.equal(await registryDigest('ci/app', 'v1'), image.manifest.digest);
    });
  });
});
