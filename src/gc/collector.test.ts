/**
 * The mark phase on hand-made snapshots: what is live (tags, grace, history, index children,
 * referrers of live subjects, links used by live manifests) and what is garbage.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GcSnapshot } from '../metadata/gc-store.js';
import { markGarbage, type GcSettings } from './collector.js';

const NOW = 1_000_000;
const SETTINGS: GcSettings = { graceMs: 1000, tagHistoryMs: 0, uploadTtlMs: 1000 };
const OLD = NOW - 5000;
const YOUNG = NOW - 10;

type Manifest = GcSnapshot['manifests'][number];

function manifest(digest: string, options: { subject?: string; createdAt?: number; repositoryId?: number } = {}): Manifest {
  return { repositoryId: options.repositoryId ?? 1, repository: `repo${options.repositoryId ?? 1}`, digest, subject: options.subject ?? null, size: 100, createdAt: options.createdAt ?? OLD };
}

function snapshot(parts: Partial<GcSnapshot>): GcSnapshot {
  return { manifests: [], recentlyTagged: [], tags: [], references: [], links: [], blobs: [], ...parts };
}

function garbageManifests(s: GcSnapshot): string[] {
  return markGarbage(s, NOW, SETTINGS).manifests.map((m) => m.digest).sort();
}

describe('GC mark phase', () => {
  it('keeps tagged manifests and collects old untagged ones', () => {
    const s = snapshot({ manifests: [manifest('tagged'), manifest('untagged')], tags: [{ repositoryId: 1, digest: 'tagged' }] });
    assert.deepEqual(garbageManifests(s), ['untagged']);
  });

  it('keeps untagged manifests younger than the grace period (a push in progress)', () => {
    assert.deepEqual(garbageManifests(snapshot({ manifests: [manifest('young', { createdAt: YOUNG })] })), []);
  });

  it('keeps manifests a tag pointed to within the history window', () => {
    const s = snapshot({ manifests: [manifest('previous')], recentlyTagged: [{ repositoryId: 1, digest: 'previous' }] });
    assert.deepEqual(garbageManifests(s), []);
  });

  it('keeps the children of a live index, and collects them with a dead one', () => {
    const live = snapshot({
      manifests: [manifest('index'), manifest('child-a'), manifest('child-b')],
      tags: [{ repositoryId: 1, digest: 'index' }],
      references: [
        { repositoryId: 1, parent: 'index', child: 'child-a', kind: 'manifest' },
        { repositoryId: 1, parent: 'index', child: 'child-b', kind: 'manifest' },
      ],
    });
    assert.deepEqual(garbageManifests(live), []);
    assert.deepEqual(garbageManifests({ ...live, tags: [] }), ['child-a', 'child-b', 'index']);
  });

  it('keeps referrers (signatures, SBOMs) of a live subject, transitively, and collects those of a dead one', () => {
    const s = snapshot({
      manifests: [manifest('image'), manifest('signature', { subject: 'image' }), manifest('signature-of-signature', { subject: 'signature' })],
      tags: [{ repositoryId: 1, digest: 'image' }],
    });
    assert.deepEqual(garbageManifests(s), []);
    assert.deepEqual(garbageManifests({ ...s, tags: [] }), ['image', 'signature', 'signature-of-signature']);
  });

  it('keeps a young referrer whose subject was never pushed, and collects it once old', () => {
    assert.deepEqual(garbageManifests(snapshot({ manifests: [manifest('early', { subject: 'missing', createdAt: YOUNG })] })), []);
    assert.deepEqual(garbageManifests(snapshot({ manifests: [manifest('early', { subject: 'missing' })] })), ['early']);
  });

  it('judges each repository on its own: a tag in one repository keeps nothing in another', () => {
    const s = snapshot({ manifests: [manifest('same', { repositoryId: 1 }), manifest('same', { repositoryId: 2 })], tags: [{ repositoryId: 1, digest: 'same' }] });
    assert.deepEqual(markGarbage(s, NOW, SETTINGS).manifests.map((m) => m.repositoryId), [2]);
  });

  it('collects links no live manifest uses once their lease ran out, and keeps fresh or used ones', () => {
    const s = snapshot({
      manifests: [manifest('image'), manifest('dead')],
      tags: [{ repositoryId: 1, digest: 'image' }],
      references: [
        { repositoryId: 1, parent: 'image', child: 'layer', kind: 'blob' },
        { repositoryId: 1, parent: 'dead', child: 'dead-layer', kind: 'blob' },
      ],
      links: [
        { repositoryId: 1, repository: 'repo1', digest: 'layer', seenAt: OLD },
        { repositoryId: 1, repository: 'repo1', digest: 'dead-layer', seenAt: OLD },
        { repositoryId: 1, repository: 'repo1', digest: 'just-uploaded', seenAt: YOUNG },
        { repositoryId: 1, repository: 'repo1', digest: 'loose', seenAt: OLD },
      ],
    });
    assert.deepEqual(markGarbage(s, NOW, SETTINGS).links.map((l) => l.digest).sort(), ['dead-layer', 'loose']);
  });

  it('collects a blob once no link remains and its lease ran out; a blob being deleted always goes on', () => {
    const s = snapshot({
      links: [
        { repositoryId: 1, repository: 'repo1', digest: 'shared', seenAt: YOUNG },
        { repositoryId: 2, repository: 'repo2', digest: 'shared', seenAt: OLD },
        { repositoryId: 2, repository: 'repo2', digest: 'only-here', seenAt: OLD },
      ],
      blobs: [
        { digest: 'shared', size: 1, seenAt: OLD, deleting: false },
        { digest: 'only-here', size: 2, seenAt: OLD, deleting: false },
        { digest: 'unlinked-young', size: 3, seenAt: YOUNG, deleting: false },
        { digest: 'unlinked-old', size: 4, seenAt: OLD, deleting: false },
        { digest: 'half-deleted', size: 5, seenAt: YOUNG, deleting: true },
      ],
    });
    assert.deepEqual(markGarbage(s, NOW, SETTINGS).blobs.map((b) => b.digest).sort(), ['half-deleted', 'only-here', 'unlinked-old']);
  });
});
