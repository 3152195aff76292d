/** Each payload format, rendered from Berth events: the fields and headers its receivers parse. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HTTP } from 'cloudevents';
import type { EventRecord } from '../../src/events/event.js';
import { carriedTypes, render } from '../../src/extensions/webhooks/formats.js';

const DIGEST = 'sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf';
const OLD = 'sha256:0000000000000000000000000000000000000000000000000000000000000001';
const AT = new Date('2026-12-03T10:00:00.000Z');
const context = { registryUrl: 'https://registry.example.com', namespaceOf: (repository: string) => repository.split('/')[0] ?? repository };

const pushed: EventRecord = {
  id: 42,
  type: 'manifest.pushed',
  at: AT,
  repository: 'team/app',
  target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: DIGEST, size: 708, tag: 'v1', tags: ['v1'] },
  actor: 'bob',
  actorKind: 'user',
  address: '192.0.2.7',
  node: 'node-a:1',
};

describe('webhook payload formats', () => {
  it('CloudEvents structured: the whole event as application/cloudevents+json, which the SDK reads back', () => {
    const rendered = render('cloudevents', pushed, context);
    assert.match(rendered.headers['content-type'] ?? '', /^application\/cloudevents\+json/);
    const event = HTTP.toEvent({ headers: rendered.headers, body: rendered.body });
    const read = Array.isArray(event) ? event[0] : event;
    assert.deepEqual([read?.specversion, read?.id, read?.type, read?.source, read?.subject, read?.time], ['1.0', '42', 'io.berth.manifest.pushed', '/berth/team/app', 'team/app:v1', AT.toISOString()]);
    assert.deepEqual((read?.data as { target: unknown }).target, pushed.target);
  });

  it('CloudEvents binary: ce-* headers and the event data as the body', () => {
    const rendered = render('cloudevents-binary', pushed, context);
    assert.deepEqual([rendered.headers['ce-specversion'], rendered.headers['ce-id'], rendered.headers['ce-type'], rendered.headers['ce-source'], rendered.headers['content-type']], ['1.0', '42', 'io.berth.manifest.pushed', '/berth/team/app', 'application/json']);
    const data = JSON.parse(rendered.body) as { id: number; repository: string; actor: string };
    assert.deepEqual([data.id, data.repository, data.actor], [42, 'team/app', 'bob']);
  });

  it("Distribution: the notification envelope of the spec, with the push's target, request, actor and source", () => {
    const rendered = render('distribution', pushed, context);
    assert.equal(rendered.headers['Content-Type'], 'application/vnd.docker.distribution.events.v2+json');
    const { events } = JSON.parse(rendered.body) as { events: Record<string, unknown>[] };
    assert.equal(events.length, 1);
    assert.deepEqual(events[0], {
      id: '42',
      timestamp: AT.toISOString(),
      action: 'push',
      target: {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: DIGEST,
        size: 708,
        length: 708,
        repository: 'team/app',
        url: `https://registry.example.com/v2/team/app/manifests/${DIGEST}`,
        tag: 'v1',
      },
      request: { id: '42', addr: '192.0.2.7', host: 'registry.example.com', method: 'PUT' },
      actor: { name: 'bob' },
      source: { addr: 'node-a:1', instanceID: 'node-a:1' },
    });
    const deleted = JSON.parse(render('distribution', { ...pushed, type: 'manifest.deleted', target: { digest: DIGEST } }, context).body) as { events: { action: string; target: unknown; request: { method: string } }[] };
    assert.deepEqual([deleted.events[0]?.action, deleted.events[0]?.target, deleted.events[0]?.request.method], ['delete', { digest: DIGEST, repository: 'team/app' }, 'DELETE'], 'a delete target is the digest and repository');
    const mounted = JSON.parse(render('distribution', { ...pushed, type: 'blob.uploaded', target: { digest: DIGEST, size: 3 }, data: { mounted: true, from: 'team/base' } }, context).body) as { events: { action: string; target: { fromRepository?: string; url?: string } }[] };
    assert.deepEqual([mounted.events[0]?.action, mounted.events[0]?.target.fromRepository, mounted.events[0]?.target.url], ['mount', 'team/base', `https://registry.example.com/v2/team/app/blobs/${DIGEST}`]);
    const pull = JSON.parse(render('distribution', { ...pushed, type: 'manifest.pulled', actorKind: 'anonymous', actor: 'anonymous' }, { namespaceOf: context.namespaceOf }).body) as { events: { action: string; actor: unknown; target: { url?: string }; request: { method: string } }[] };
    assert.deepEqual([pull.events[0]?.action, pull.events[0]?.actor, pull.events[0]?.target.url, pull.events[0]?.request.method], ['pull', {}, undefined, 'GET'], 'anonymous: an empty actor; no registryUrl: no links');
  });

  it("Harbor: the default payload's type, operator, resources and repository", () => {
    const body = JSON.parse(render('harbor', pushed, context).body) as Record<string, unknown>;
    assert.deepEqual(body, {
      type: 'PUSH_ARTIFACT',
      occur_at: Math.floor(AT.getTime() / 1000),
      operator: 'bob',
      event_data: {
        resources: [{ digest: DIGEST, tag: 'v1', resource_url: `registry.example.com/team/app@${DIGEST}` }],
        repository: { name: 'app', namespace: 'team', repo_full_name: 'team/app' },
      },
    });
    const moved = JSON.parse(render('harbor', { ...pushed, type: 'tag.moved', target: { tag: 'latest', digest: DIGEST, oldDigest: OLD } }, context).body) as { type: string };
    assert.equal(moved.type, 'CREATE_TAG');
    const quota = JSON.parse(render('harbor', { ...pushed, type: 'quota.exceeded', target: undefined, data: { usedBytes: 900, quotaBytes: 1000 } }, context).body) as { type: string; event_data: { custom_attributes: unknown; resources: unknown[] } };
    assert.deepEqual([quota.type, quota.event_data.custom_attributes, quota.event_data.resources], ['QUOTA_EXCEED', { usedBytes: '900', quotaBytes: '1000' }, []]);
  });

  it("Docker Hub: the push payload's push_data and repository", () => {
    const body = JSON.parse(render('dockerhub', pushed, context).body) as Record<string, unknown>;
    assert.deepEqual(body, {
      push_data: { pushed_at: Math.floor(AT.getTime() / 1000), pusher: 'bob', tag: 'v1' },
      repository: { name: 'app', namespace: 'team', repo_name: 'team/app', repo_url: 'https://registry.example.com/v2/team/app/tags/list', status: 'Active' },
    });
  });

  it('each format says which event types it has a shape for', () => {
    assert.equal(carriedTypes('cloudevents'), undefined, 'all of them');
    assert.deepEqual(carriedTypes('dockerhub'), ['manifest.pushed']);
    assert.ok(carriedTypes('distribution')?.includes('manifest.pulled'));
    assert.ok(!carriedTypes('distribution')?.includes('quota.warning'));
    assert.ok(carriedTypes('harbor')?.includes('quota.warning'));
    assert.ok(!carriedTypes('harbor')?.includes('gc.finished'));
  });
});
