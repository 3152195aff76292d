import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addNamespace, addUser, basic, pullStatus, v2 } from '../auth/support.js';
import { ADMIN, api, assertError, assertStatus, auditEvents, startApiRegistry } from '../api/support.js';
import type { ImageFixture } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';
import { previewedDigests, pushTagged, rule, type PolicyViewJson, type PreviewJson, type RunReportJson } from './support.js';

const POLICY = {
  rules: [
    rule(1, { tagStatus: 'tagged', tagPrefixList: ['prod-'], countType: 'imageCountMoreThan', countNumber: 2 }, 'keep the last 2 prod- images'),
    rule(2, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }),
  ],
  berth: { keep: [{ tagPatternList: ['*-protected'] }] },
};

describe('lifecycle policies: preview, run, referrers and audit', { timeout: 60_000 }, () => {
  let registry: TestRegistry;
  const mia = basic('mia', 'mia-password-1');
  const images: Record<string, ImageFixture> = {};
  let signature: ImageFixture;
  let preview: PreviewJson;
  let report: RunReportJson;

  before(async () => {
    registry = await startApiRegistry();
    await addUser(registry, 'mia', 'mia-password-1');
    await addNamespace(registry, 'team', 'private', { mia: 'maintainer' });
    images.prod1 = await pushTagged(registry, 'team/app', ['prod-1']);
    images.prod2 = await pushTagged(registry, 'team/app', ['prod-2', 'prod-2-protected']);
    images.prod3 = await pushTagged(registry, 'team/app', ['prod-3']);
    images.prod4 = await pushTagged(registry, 'team/app', ['prod-4']);
    images.prod5 = await pushTagged(registry, 'team/app', ['prod-5']);
    images.untagged1 = await pushTagged(registry, 'team/app', []);
    images.untagged2 = await pushTagged(registry, 'team/app', []);
    images.dev = await pushTagged(registry, 'team/app', ['dev']);
    // A cosign-style signature of prod-1: a referrer (subject) with the fallback tag.
    const prod1 = images.prod1.manifest;
    signature = await pushTagged(registry, 'team/app', [`${prod1.digest.replace(':', '-')}.sig`], {
      subject: { ...prod1, mediaType: images.prod1.mediaType },
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
    });
    // Another namespace: the team's policy must not reach it.
    images.other1 = await pushTagged(registry, 'other/app', []);
    images.other2 = await pushTagged(registry, 'other/app', []);
  });

  after(async () => {
    await registry?.stop();
  });

  const digest = (name: string): string => `team/app@${images[name]?.manifest.digest}`;

  it('previews exactly what the policy would expire, with reasons, before anything is saved', async () => {
    const reply = await api<PreviewJson>(registry, 'POST', '/lifecycle-policies/preview', { auth: mia, json: { scopeKind: 'namespace', scope: 'team', policy: POLICY } });
    assertStatus(reply, 200);
    preview = reply.body;
    assert.deepEqual(previewedDigests(preview), [digest('prod1'), digest('prod3'), digest('untagged1')].sort());
    const plan = preview.repositories.find((entry) => entry.repository === 'team/app');
    assert.ok(plan);
    assert.equal(plan.scopeKind, 'namespace');
    assert.equal(plan.images, 8, 'the signature is not an image of its own');
    const prod1 = plan.expired.find((entry) => entry.tags.includes('prod-1'));
    assert.match(prod1?.reason ?? '', /^rule 1 \(keep the last 2 prod- images\): more than 2 images tagged with prefix prod-; this is the 5th newest of 5$/);
    assert.ok((prod1?.size ?? 0) > (images.prod1?.manifest.size ?? 0), 'the size counts the blobs');
    assert.deepEqual(plan.protected.map((entry) => [entry.tags, entry.rulePriority, entry.keep]), [[['prod-2', 'prod-2-protected'], 1, 0]]);
    assert.match(plan.protected[0]?.keptBecause ?? '', /berth\.keep\[0\]: a tag matching \*-protected/);
    assert.equal(await store().lifecycle.get('namespace', 'team'), undefined, 'a preview saves nothing');
    assert.equal(await pullStatus(registry, 'team/app', 'prod-1', ADMIN), 200, 'a preview deletes nothing');
  });

  it('saves the policy (a maintainer may) and shows it back', async () => {
    const reply = await api<PolicyViewJson>(registry, 'PUT', '/lifecycle-policies/namespace/team', { auth: mia, json: POLICY });
    assertStatus(reply, 200);
    assert.deepEqual(reply.body.policy, POLICY);
    assert.equal(reply.body.updatedBy, 'mia');
    const read = await api<PolicyViewJson>(registry, 'GET', '/lifecycle-policies/namespace/team', { auth: ADMIN });
    assertStatus(read, 200);
    assert.deepEqual(read.body.policy, POLICY);
  });

  it('a run expires exactly what the preview showed, each image with its tags and referrers', async () => {
    const reply = await api<RunReportJson>(registry, 'POST', '/lifecycle-policies/run', { auth: ADMIN, json: {} });
    assertStatus(reply, 200);
    report = reply.body;
    assert.deepEqual(report.expired.map((entry) => `${entry.repository}@${entry.digest}`).sort(), previewedDigests(preview));
    assert.deepEqual([report.expiredImages, report.referrersDeleted, report.skipped, report.problems, report.readOnly], [3, 1, [], [], false]);
    assert.ok(report.repositories >= 1);
    assert.ok(report.bytes > 0);
    const prod1 = report.expired.find((entry) => entry.tags.includes('prod-1'));
    assert.deepEqual(prod1?.referrers, [signature.manifest.digest]);

    for (const gone of ['prod1', 'prod3', 'untagged1']) {
      assert.equal(await pullStatus(registry, 'team/app', images[gone]?.manifest.digest ?? '', ADMIN), 404, `${gone} is gone`);
    }
    assert.equal(await pullStatus(registry, 'team/app', signature.manifest.digest, ADMIN), 404, 'the signature went with its image');
    for (const kept of ['prod2', 'prod4', 'prod5', 'untagged2', 'dev']) {
      assert.equal(await pullStatus(registry, 'team/app', images[kept]?.manifest.digest ?? '', ADMIN), 200, `${kept} stays`);
    }
    assert.equal(await pullStatus(registry, 'other/app', images.other1?.manifest.digest ?? '', ADMIN), 200, "another namespace's images stay");
    const tags = (await (await v2(registry, 'team/app/tags/list', ADMIN)).json()) as { tags: string[] };
    assert.deepEqual(tags.tags, ['dev', 'prod-2', 'prod-2-protected', 'prod-4', 'prod-5']);
    const referrers = (await (await v2(registry, `team/app/referrers/${images.prod1?.manifest.digest}`, ADMIN)).json()) as { manifests: unknown[] };
    assert.deepEqual(referrers.manifests, []);
  });

  it('audits every expiry as lifecycle.expire by the system actor berth, and the policy change', async () => {
    const events = await auditEvents(registry, { action: 'lifecycle.expire' });
    assert.deepEqual(events.map((event) => event.target).sort(), previewedDigests(preview));
    for (const event of events) {
      assert.deepEqual([event.actor, event.actorKind, event.outcome], ['berth', 'system', 'success']);
      assert.equal(typeof event.detail?.reason, 'string');
      assert.ok([1, 2].includes(event.detail?.rulePriority as number));
    }
    const prod1 = events.find((event) => event.target === digest('prod1'));
    assert.deepEqual([prod1?.detail?.tags, prod1?.detail?.referrers], [['prod-1'], [signature.manifest.digest]]);
    const set = await auditEvents(registry, { action: 'lifecycle.policy.set' });
    assert.deepEqual(set.map((event) => [event.actor, event.target, event.outcome]), [['mia', 'team', 'success']]);
    const runs = await auditEvents(registry, { action: 'lifecycle.run' });
    assert.deepEqual(runs.map((event) => [event.actor, event.outcome]), [['admin', 'success']]);
  });

  it('a second run finds nothing more to expire', async () => {
    const reply = await api<RunReportJson>(registry, 'POST', '/lifecycle-policies/run', { auth: ADMIN, json: {} });
    assertStatus(reply, 200);
    assert.equal(reply.body.expiredImages, 0);
  });

  it("a repository's own policy overrides its namespace's", async () => {
    const own = { rules: [rule(1, { tagStatus: 'tagged', tagPatternList: ['dev*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 })] };
    assertStatus(await api(registry, 'PUT', `/lifecycle-policies/repository/${encodeURIComponent('team/app')}`, { auth: mia, json: own }), 200);
    const reply = await api<PreviewJson>(registry, 'POST', '/lifecycle-policies/preview', { auth: mia, json: { scopeKind: 'namespace', scope: 'team', policy: { rules: [rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 })] } } });
    assertStatus(reply, 200);
    assert.deepEqual([reply.body.repositories, reply.body.overridden], [[], ['team/app']]);
  });

  it('treats images with an immutable tag as protected, in the preview and in the run', async () => {
    const policy = { rules: [rule(1, { tagStatus: 'tagged', tagPrefixList: ['prod-'], countType: 'imageCountMoreThan', countNumber: 1 })] };
    assert.ok(await store().immutableTags.add({ scopeKind: 'repository', scope: 'team/app', pattern: 'prod-4' }, 'admin'));
    // Nodes re-read immutable-tag rules within a second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assertStatus(await api(registry, 'PUT', `/lifecycle-policies/repository/${encodeURIComponent('team/app')}`, { auth: mia, json: policy }), 200);
    const reply = await api<PreviewJson>(registry, 'POST', '/lifecycle-policies/preview', { auth: mia, json: { scopeKind: 'repository', scope: 'team/app', policy } });
    assertStatus(reply, 200);
    assert.deepEqual(previewedDigests(reply.body), [digest('prod2')], "the repository's own policy has no keep rules: prod-2 goes");
    const kept = reply.body.repositories[0]?.protected ?? [];
    assert.deepEqual(kept.map((entry) => [entry.tags, entry.keep]), [[['prod-4'], undefined]]);
    assert.match(kept[0]?.keptBecause ?? '', /^immutable tag prod-4 \(rule prod-4 on repository team\/app\)$/);
    const run = await api<RunReportJson>(registry, 'POST', '/lifecycle-policies/run', { auth: ADMIN, json: {} });
    assertStatus(run, 200);
    assert.deepEqual(run.body.expired.map((entry) => `${entry.repository}@${entry.digest}`), previewedDigests(reply.body));
    assert.deepEqual(run.body.skipped, []);
    assert.equal(await pullStatus(registry, 'team/app', 'prod-4', ADMIN), 200);
  });

  it("records a manifest pull as the image's last pull time", async () => {
    await pushTagged(registry, 'team/app', ['pull-me']);
    const fresh = (await store().lifecycle.images('team/app')).find((image) => image.tags.includes('pull-me'));
    assert.equal(fresh?.lastPulledAt, undefined, 'a push is no pull');
    assert.equal(await pullStatus(registry, 'team/app', 'pull-me', ADMIN), 200);
    let pulled: Date | undefined;
    for (let attempt = 0; attempt < 50 && pulled === undefined; attempt++) {
      pulled = (await store().lifecycle.images('team/app')).find((image) => image.tags.includes('pull-me'))?.lastPulledAt;
      if (pulled === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(pulled && Math.abs(pulled.getTime() - Date.now()) < 60_000, 'the pull was recorded');
  });

  it('only admins run the policies by hand', async () => {
    assertError(await api(registry, 'POST', '/lifecycle-policies/run', { auth: mia, json: {} }), 403, 'DENIED');
  });

  function store(): TestRegistry['berth']['store'] {
    return registry.berth.store;
  }
});
