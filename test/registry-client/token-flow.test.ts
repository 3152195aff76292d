import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { RegistryClient, RegistryClientError } from '../../src/registry-client/index.js';
import { content } from '../support/fixtures.js';
import { json, scriptedServer, type ScriptedServer } from './support.js';

/**
 * A registry with a token realm on the same server, scripted to the docker token spec: /v2
 * answers 401 with a Bearer challenge unless the token is one it issued and still honours.
 */
interface TokenWorld {
  server: ScriptedServer;
  valid: Set<string>;
  tokenRequests: { scopes: string[]; authorization: string | undefined }[];
  field: 'token' | 'access_token';
  expiresIn: number | undefined;
  /** Refuse every token, even fresh ones (a revoked account). */
  refuseAll: boolean;
}

async function tokenWorld(): Promise<TokenWorld> {
  const world: TokenWorld = { server: undefined as unknown as ScriptedServer, valid: new Set(), tokenRequests: [], field: 'token', expiresIn: 300, refuseAll: false };
  let issued = 0;
  world.server = await scriptedServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/token') {
      world.tokenRequests.push({ scopes: url.searchParams.getAll('scope'), authorization: req.headers.authorization });
      const token = `t${++issued}`;
      world.valid.add(token);
      json(res, 200, { [world.field]: token, ...(world.expiresIn === undefined ? {} : { expires_in: world.expiresIn }) });
      return;
    }
    const token = req.headers.authorization?.replace(/^Bearer /, '');
    if (token === undefined || world.refuseAll || !world.valid.has(token)) {
      const name = /^\/v2\/(.+?)\/(?:tags|blobs|manifests)\//.exec(url.pathname)?.[1] ?? '';
      const write = req.method !== 'GET' && req.method !== 'HEAD';
      const challenge = `Bearer realm="${world.server.url}/token",service="scripted",scope="repository:${name}:${write ? 'pull,push' : 'pull'}"`;
      json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, { 'www-authenticate': challenge });
      return;
    }
    if (url.pathname.endsWith('/tags/list')) json(res, 200, { name: 'x', tags: ['v1'] });
    else if (req.method === 'POST' && url.searchParams.has('mount')) res.writeHead(201, { location: `/v2/b/blobs/${url.searchParams.get('mount')}` }).end();
    else if (req.method === 'POST') res.writeHead(202, { location: '/v2/b/blobs/uploads/u1' }).end();
    else if (req.method === 'PUT') res.writeHead(201).end();
    else json(res, 404, { errors: [{ code: 'NAME_UNKNOWN', message: 'unknown' }] });
  });
  return world;
}

const CREDENTIALS = { username: 'alice', password: 'alice-password' };
const BASIC = `Basic ${Buffer.from('alice:alice-password').toString('base64')}`;

describe('registry client: the docker token challenge flow', () => {
  let world: TokenWorld;
  const clients: RegistryClient[] = [];
  const worlds: TokenWorld[] = [];
  beforeEach(async () => {
    world = await tokenWorld();
    worlds.push(world);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(worlds.map((w) => w.server.stop()));
  });
  const client = (options: ConstructorParameters<typeof RegistryClient>[1] = {}): RegistryClient => {
    const made = new RegistryClient(world.server.url, { credentials: CREDENTIALS, ...options });
    clients.push(made);
    return made;
  };

  it('goes anonymous first, then fetches a pull token with Basic credentials and keeps it per repository', async () => {
    const c = client();
    assert.deepEqual(await c.listTags('a'), ['v1']);
    assert.equal(world.server.seen[0]?.headers.authorization, undefined, 'the first request is anonymous');
    assert.deepEqual(world.tokenRequests, [{ scopes: ['repository:a:pull'], authorization: BASIC }]);
    const realm = new URL(world.server.seen[1]?.url ?? '', 'http://x');
    assert.equal(realm.searchParams.get('service'), 'scripted');
    await c.listTags('a');
    assert.equal(world.tokenRequests.length, 1, 'the cached token is reused');
    const before = world.server.seen.length;
    await c.listTags('b');
    assert.deepEqual(world.tokenRequests[1]?.scopes, ['repository:b:pull']);
    // The realm is known now: the new scope's token comes first, no anonymous 401 in between.
    assert.equal(world.server.seen.length, before + 2);
  });

  it('asks pull,push for writes and both repositories for a mount', async () => {
    const c = client();
    const blob = content('mounted');
    await c.uploadBlob('b', blob.digest, blob.bytes);
    assert.deepEqual(world.tokenRequests[0]?.scopes, ['repository:b:pull,push']);
    assert.equal(await c.mountBlob('b', blob.digest, 'a'), true);
    assert.deepEqual(world.tokenRequests[1]?.scopes, ['repository:b:pull,push', 'repository:a:pull']);
  });

  it('reads access_token and assumes 60 s without expires_in', async () => {
    world.field = 'access_token';
    world.expiresIn = undefined;
    let now = 1_000_000;
    const c = client({ now: () => now });
    await c.listTags('a');
    now += 30_000;
    await c.listTags('a');
    assert.equal(world.tokenRequests.length, 1);
    now += 31_000;
    await c.listTags('a');
    assert.equal(world.tokenRequests.length, 2, 'refreshed after 60 s');
  });

  it('refreshes a token once expires_in has passed', async () => {
    world.expiresIn = 120;
    let now = 5_000_000;
    const c = client({ now: () => now });
    await c.listTags('a');
    now += 100_000;
    await c.listTags('a');
    assert.equal(world.tokenRequests.length, 1);
    now += 21_000;
    await c.listTags('a');
    assert.equal(world.tokenRequests.length, 2);
  });

  it('refreshes once when the registry refuses a cached token, and gives up after that', async () => {
    const c = client();
    await c.listTags('a');
    world.valid.clear();
    assert.deepEqual(await c.listTags('a'), ['v1']);
    assert.equal(world.tokenRequests.length, 2);
    // Now every token is refused at once: one refresh, then a typed 401.
    world.refuseAll = true;
    const before = world.server.seen.length;
    await assert.rejects(c.listTags('a'), (e: unknown) => e instanceof RegistryClientError && e.status === 401 && e.codes.includes('UNAUTHORIZED'));
    assert.equal(world.tokenRequests.length, 3);
    assert.equal(world.server.seen.length - before, 3, 'refused request, token, one retry');
  });

  it('fetches an anonymous token without credentials', async () => {
    const c = client({ credentials: undefined });
    await c.listTags('a');
    assert.equal(world.tokenRequests[0]?.authorization, undefined);
  });

  it('sends Basic credentials after a Basic challenge', async () => {
    const server = await scriptedServer((req, res) => {
      if (req.headers.authorization === BASIC) json(res, 200, { name: 'a', tags: ['b1'] });
      else res.writeHead(401, { 'www-authenticate': 'Basic realm="registry"' }).end();
    });
    worlds.push({ ...world, server });
    const c = new RegistryClient(server.url, { credentials: CREDENTIALS });
    clients.push(c);
    assert.deepEqual(await c.listTags('a'), ['b1']);
    await c.listTags('a');
    assert.equal(server.seen.length, 3, 'Basic is sent up front once the registry asked for it');
    const wrong = new RegistryClient(server.url, { credentials: { username: 'alice', password: 'nope' } });
    clients.push(wrong);
    await assert.rejects(wrong.listTags('a'), (e: unknown) => e instanceof RegistryClientError && e.status === 401);
  });
});
