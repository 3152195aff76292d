import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { comparatorFor } from '../../../src/extensions/scanning/versions/ecosystems.js';

describe('comparatorFor: OSV ecosystem strings to orderings', () => {
  it('picks the ordering by the part before the first colon', () => {
    const cases: [string, string][] = [
      ['Debian', 'dpkg'],
      ['Debian:12', 'dpkg'],
      ['Ubuntu:22.04:LTS', 'dpkg'],
      ['Ubuntu:Pro:18.04:LTS', 'dpkg'],
      ['Alpine:v3.19', 'apk'],
      ['Wolfi', 'apk'],
      ['Red Hat:rhel_aus:8.4::appstream', 'rpm'],
      ['AlmaLinux:9', 'rpm'],
      ['Rocky Linux:9', 'rpm'],
      ['SUSE:Linux Enterprise Server 15 SP5', 'rpm'],
      ['openSUSE:Leap 15.5', 'rpm'],
      ['npm', 'SemVer'],
      ['crates.io', 'SemVer'],
      ['Go', 'SemVer'],
      ['PyPI', 'PEP 440'],
      ['Maven', 'Maven'],
      ['Maven:https://maven.google.com', 'Maven'],
      ['RubyGems', 'RubyGems'],
    ];
    assert.deepEqual(
      cases.map(([ecosystem]) => [ecosystem, comparatorFor(ecosystem)?.name]),
      cases,
    );
  });

  it('answers undefined for ecosystems it cannot order', () => {
    for (const ecosystem of ['NuGet', 'Packagist', 'GIT', '', 'debian:12', 'constructor', 'toString']) assert.equal(comparatorFor(ecosystem), undefined, ecosystem);
  });
});
