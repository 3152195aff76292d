/**
 * A CI job's credential with a real client: the job exchanges its OIDC identity token (issuer and
 * JWKS on loopback) and skopeo copies an image into the repository its rule maps, logging in with
 * the answer's username and password (the Bearer token dance over /token); the same credential
 * can't copy anywhere else.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, seedImage, v2 } from '../auth/support.js';
import { missingTools, run, runResult } from './support/run.js';
import { createRule, exchangeOk, startCiRegistry } from '../ci-tokens/support.js';
import { startCiIssuer, type TestCiIssuer } from '../support/ci-issuer.js';
import { imageManifest } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';

const skip = await missingTools('skopeo');

describe('skopeo with a CI token', { skip, timeout: 120_000 }, () => {
  let issuer: TestCiIssuer;
  let registry: TestRegistry;
  const docker = (reference: string): string => `docker://${registry.host}/${reference}`;

  before(async () => {
    issuer = await startCiIssuer();
    registry = await startCiRegistry([issuer]);
    await seedImage(registry, 'base/image', 'v1', imageManifest({ layers: 2 }));
    await createRule(registry, {
      name: 'org-app-release',
      issuer: issuer.issuer,
      conditions: { repository: 'org/app', ref: 'refs/heads/main' },
      grants: [
        { repository: 'team/app', actions: ['pull', 'push'] },
        { repository: 'base/image', actions: ['pull'] },
      ],
    });
  });

  after(async () => {
    await registry?.stop();
    await issuer?.stop();
  });

  it('copies into the mapped repository with the exchanged credential, and is refused elsewhere', async () => {
    const { username, password } = await exchangeOk(registry, await issuer.token());
    const creds = `${username}:${password}`;
    await run('skopeo', ['--insecure-policy', 'copy', '--preserve-digests', '--src-tls-verify=false', '--dest-tls-verify=false', '--src-creds', creds, '--dest-creds', creds, docker('base/image:v1'), docker('team/app:v1')]);
    const digestOf = async (name: string): Promise<string | null> => {
      const response = await v2(registry, `${name}/manifests/v1`, ADMIN, { method: 'HEAD', headers: { Accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' } });
      assert.equal(response.status, 200, name);
      return response.headers.get('docker-content-digest');
    };
    assert.equal(await digestOf('team/app'), await digestOf('base/image'));

    const refused = await runResult('skopeo', ['--insecure-policy', 'copy', '--src-tls-verify=false', '--dest-tls-verify=false', '--src-creds', creds, '--dest-creds', creds, docker('base/image:v1'), docker('team/other:v1')]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /team\/other: 403 \(Forbidden\)|denied/i);
    // Nothing landed there.
    const other = await v2(registry, 'team/other/manifests/v1', ADMIN, { method: 'HEAD' });
    assert.equal(other.status, 404);
  });
});
