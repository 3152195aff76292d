import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OsvRecordError, parseOsvRecord } from '../../../src/extensions/scanning/versions/osv.js';

/** DSA-3029-1 as the OSV schema's examples give it, the base every refused variant starts from. */
function dsa(events: unknown[] = [{ introduced: '0' }, { fixed: '1.2.1-2.2+wheezy3' }]): Record<string, unknown> {
  return {
    schema_version: '1.6.0',
    id: 'DSA-3029-1',
    modified: '2014-09-20T08:18:07Z',
    aliases: ['CVE-2014-3616'],
    affected: [{ package: { ecosystem: 'Debian:7', name: 'nginx' }, ranges: [{ type: 'ECOSYSTEM', events }] }],
  };
}

function refusal(json: unknown): string {
  try {
    parseOsvRecord(json);
  } catch (error) {
    assert.ok(error instanceof OsvRecordError);
    return error.message;
  }
  assert.fail('the record was accepted');
}

describe('parseOsvRecord', () => {
  it('returns a well-formed record as it is', () => {
    const json = dsa();
    assert.equal(parseOsvRecord(json), json);
    assert.equal(parseOsvRecord(json).affected?.[0]?.ranges?.[0]?.events.length, 2);
  });

  it('accepts a GIT range with a repo, limit events and a versions list', () => {
    const record = { id: 'OSV-1', modified: '2024-01-01T00:00:00Z', affected: [{ versions: ['1.0'], ranges: [{ type: 'GIT', repo: 'https://example.com/r.git', events: [{ introduced: 'abc' }, { limit: 'def' }] }] }] };
    assert.equal(parseOsvRecord(record).id, 'OSV-1');
  });

  it('refuses a record without an id or modified time', () => {
    const { id: _id, ...noId } = dsa();
    assert.match(refusal(noId), /id is missing/);
    const { modified: _modified, ...noModified } = dsa();
    assert.match(refusal(noModified), /DSA-3029-1: modified is missing/);
    assert.match(refusal('DSA-3029-1'), /is not an object/);
  });

  it('refuses an event with two keys, naming where it is', () => {
    assert.match(refusal(dsa([{ introduced: '1.0.0', fixed: '1.0.2' }])), /affected\[0\]\.ranges\[0\]\.events\[0\] must have exactly one of introduced, fixed, last_affected, limit \(has introduced, fixed\)/);
  });

  it('refuses an event with no known key and one whose version is not a string', () => {
    assert.match(refusal(dsa([{ introduced: '0' }, { patched: '1.0' }])), /events\[1\] must have exactly one/);
    assert.match(refusal(dsa([{ introduced: 0 }])), /events\[0\]\.introduced is not a string/);
  });

  it('refuses a range without introduced', () => {
    assert.match(refusal(dsa([{ fixed: '1.0' }])), /events has no introduced event/);
  });

  it('refuses fixed and last_affected in one range', () => {
    assert.match(refusal(dsa([{ introduced: '0' }, { fixed: '1.0' }, { last_affected: '0.9' }])), /has both fixed and last_affected/);
  });

  it('refuses an unknown range type and a GIT range without repo', () => {
    const record = dsa();
    ((record.affected as Record<string, unknown>[])[0] as Record<string, unknown>).ranges = [{ type: 'SEMVER2', events: [{ introduced: '0' }] }];
    assert.match(refusal(record), /ranges\[0\]\.type is not SEMVER, ECOSYSTEM or GIT/);
    ((record.affected as Record<string, unknown>[])[0] as Record<string, unknown>).ranges = [{ type: 'GIT', events: [{ introduced: 'abc' }] }];
    assert.match(refusal(record), /ranges\[0\]\.repo is required/);
  });

  it('refuses a package without ecosystem and versions that are not strings', () => {
    assert.match(refusal({ ...dsa(), affected: [{ package: { name: 'nginx' } }] }), /affected\[0\]\.package needs a string ecosystem and name/);
    assert.match(refusal({ ...dsa(), affected: [{ versions: [1, 2] }] }), /affected\[0\]\.versions is not an array of strings/);
  });
});
