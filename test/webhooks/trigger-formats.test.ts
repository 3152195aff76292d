/** The rebuild-trigger formats and generic JSON, rendered from a base.moved event: the request each CI API documents. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BaseMovedData, EventRecord } from '../../src/events/event.js';
import { carriedTypes, render } from '../../src/extensions/webhooks/formats.js';
import { checkTriggerInput } from '../../src/extensions/webhooks/trigger-options.js';

const NEW = 'sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf';
const OLD = 'sha256:0000000000000000000000000000000000000000000000000000000000000001';
const IMAGE = 'sha256:1111111111111111111111111111111111111111111111111111111111111111';
const context = { registryUrl: 'https://registry.example.com', namespaceOf: (repository: string) => repository.split('/')[0] ?? repository };

const data: BaseMovedData = {
  base: { repository: 'base/alpine', tag: '3.19', oldDigest: OLD, newDigest: NEW },
  images: [{ digest: IMAGE, tags: ['v1', 'latest'], platform: 'linux/amd64' }],
};

const moved: EventRecord = {
  id: 77,
  type: 'base.moved',
  at: new Date('2026-12-03T10:00:00.000Z'),
  repository: 'team/app',
  target: { tag: '3.19', digest: NEW, oldDigest: OLD },
  data: { ...data },
  actor: 'lineage',
};

const basic = (text: string): string => `Basic ${Buffer.from(text).toString('base64')}`;

describe('rebuild trigger formats', () => {
  it('github: a repository dispatch with a Bearer token, the API version, and at most 10 client_payload keys', () => {
    const rendered = render('github', moved, context, { credential: 'ghp_token', options: {} });
    assert.deepEqual(rendered.headers, { Accept: 'application/vnd.github+json', Authorization: 'Bearer ghp_token', 'X-GitHub-Api-Version': '2022-11-28', 'Content-Type': 'application/json' });
    const body = JSON.parse(rendered.body) as { event_type: string; client_payload: Record<string, unknown> };
    assert.deepEqual(body, {
      event_type: 'berth-base-image-moved',
      client_payload: { repository: 'team/app', base_repository: 'base/alpine', base_tag: '3.19', old_digest: OLD, new_digest: NEW, images: data.images, registry: 'registry.example.com', event_id: '77' },
    });
    assert.ok(Object.keys(body.client_payload).length <= 10, "GitHub's documented limit");
    const named = JSON.parse(render('github', moved, { namespaceOf: context.namespaceOf }, { credential: 't', options: { eventType: 'rebuild' } }).body) as { event_type: string; client_payload: Record<string, unknown> };
    assert.equal(named.event_type, 'rebuild');
    assert.equal(named.client_payload.registry, undefined, 'no registryUrl: no registry key');
  });

  it('gitlab: a form with the trigger token, the ref and variables[…]; no Authorization header', () => {
    const rendered = render('gitlab', moved, context, { credential: 'glptt-secret', options: { ref: 'main' } });
    assert.deepEqual(rendered.headers, { 'Content-Type': 'application/x-www-form-urlencoded' });
    const form = new URLSearchParams(rendered.body);
    assert.deepEqual(Object.fromEntries(form), {
      token: 'glptt-secret',
      ref: 'main',
      'variables[BERTH_REPOSITORY]': 'team/app',
      'variables[BERTH_BASE_REPOSITORY]': 'base/alpine',
      'variables[BERTH_BASE_TAG]': '3.19',
      'variables[BERTH_BASE_IMAGE]': 'registry.example.com/base/alpine:3.19',
      'variables[BERTH_OLD_DIGEST]': OLD,
      'variables[BERTH_NEW_DIGEST]': NEW,
      'variables[BERTH_IMAGES]': JSON.stringify(data.images),
      'variables[BERTH_EVENT_ID]': '77',
      'variables[BERTH_REGISTRY]': 'registry.example.com',
    });
  });

  it('jenkins: parameters as a form, HTTP Basic of user:apitoken', () => {
    const rendered = render('jenkins', moved, context, { credential: 'ci:11aa22bb', options: {} });
    assert.deepEqual(rendered.headers, { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basic('ci:11aa22bb') });
    const form = new URLSearchParams(rendered.body);
    assert.deepEqual([form.get('BERTH_REPOSITORY'), form.get('BERTH_BASE_IMAGE'), form.get('BERTH_OLD_DIGEST'), form.get('BERTH_NEW_DIGEST'), form.get('token')], ['team/app', 'registry.example.com/base/alpine:3.19', OLD, NEW, null]);
  });

  it('azure-pipelines: templateParameters, the ref as refs/heads/…, HTTP Basic with an empty user and the PAT', () => {
    const rendered = render('azure-pipelines', moved, context, { credential: 'pat123', options: { ref: 'main' } });
    assert.deepEqual(rendered.headers, { 'Content-Type': 'application/json', Authorization: basic(':pat123') });
    assert.deepEqual(JSON.parse(rendered.body), {
      resources: { repositories: { self: { refName: 'refs/heads/main' } } },
      templateParameters: { berthRepository: 'team/app', berthBaseImage: 'registry.example.com/base/alpine:3.19', berthOldDigest: OLD, berthNewDigest: NEW, berthEventId: '77' },
    });
    const noRef = JSON.parse(render('azure-pipelines', moved, context, { credential: 'p', options: {} }).body) as Record<string, unknown>;
    assert.equal(noRef.resources, undefined, 'no ref: the pipeline’s default branch');
    const tagRef = JSON.parse(render('azure-pipelines', moved, context, { credential: 'p', options: { ref: 'refs/tags/v1' } }).body) as { resources: { repositories: { self: { refName: string } } } };
    assert.equal(tagRef.resources.repositories.self.refName, 'refs/tags/v1', 'a full ref is kept');
  });

  it('a test event (no base) renders empty fields and event id 0', () => {
    const test: EventRecord = { id: 0, type: 'base.moved', at: moved.at, actor: 'admin', data: { test: true }, repository: 'team/webhook-test' };
    const form = new URLSearchParams(render('gitlab', test, context, { credential: 't', options: { ref: 'main' } }).body);
    assert.deepEqual([form.get('variables[BERTH_REPOSITORY]'), form.get('variables[BERTH_BASE_IMAGE]'), form.get('variables[BERTH_IMAGES]'), form.get('variables[BERTH_EVENT_ID]')], ['team/webhook-test', '', '[]', '0']);
  });

  it('generic: the event as the API shows it; the credential is the Authorization header verbatim, as for the other webhook formats', () => {
    const rendered = render('generic', moved, context, { credential: 'Token abc', options: {} });
    assert.deepEqual(rendered.headers, { 'Content-Type': 'application/json', Authorization: 'Token abc' });
    assert.deepEqual(JSON.parse(rendered.body), { id: 77, type: 'base.moved', at: '2026-12-03T10:00:00.000Z', repository: 'team/app', target: moved.target, data, actor: 'lineage', actorKind: null, address: null, node: null });
    assert.equal(render('harbor', { ...moved, type: 'manifest.pushed' }, context, { credential: 'Bearer x', options: {} }).headers.Authorization, 'Bearer x');
  });

  it('the trigger formats carry base.moved only; generic carries every event', () => {
    for (const format of ['github', 'gitlab', 'jenkins', 'azure-pipelines'] as const) assert.deepEqual(carriedTypes(format), ['base.moved']);
    assert.equal(carriedTypes('generic'), undefined);
  });

  it('refuses a trigger without its credential, gitlab without a ref, an option the format does not take, a jenkins credential without a user', () => {
    assert.throws(() => checkTriggerInput('github', {}, undefined), /a github trigger needs a credential, or its API answers 401/);
    assert.throws(() => checkTriggerInput('gitlab', {}, 'token'), /the gitlab format needs options\.ref/);
    assert.throws(() => checkTriggerInput('github', { ref: 'main' }, 'token'), /the github format takes no option "ref": it takes eventType/);
    assert.throws(() => checkTriggerInput('cloudevents', { eventType: 'x' }, undefined), /the cloudevents format takes no option "eventType"$/);
    assert.throws(() => checkTriggerInput('jenkins', {}, 'apitoken-only'), /user:apitoken/);
    assert.throws(() => checkTriggerInput('gitlab', { ref: 'bad ref' }, 't'), /not a git ref name/);
    checkTriggerInput('gitlab', { ref: 'main' }, 'token');
    checkTriggerInput('azure-pipelines', {}, 'pat');
    checkTriggerInput('generic', {}, undefined);
  });
});
