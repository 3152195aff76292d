import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidVersionError } from '../../../src/extensions/scanning/versions/comparator.js';
import { pep440Version } from '../../../src/extensions/scanning/versions/pep440-version.js';
import { ascending, checkOrdering } from './ordering-table.js';

describe('PEP 440 ordering (PyPI)', () => {
  checkOrdering(pep440Version, [
    // PEP 440, "Summary of permitted suffixes and relative ordering": its example list, in order.
    ...ascending(
      '1.dev0', '1.0.dev456', '1.0a1', '1.0a2.dev456', '1.0a12.dev456', '1.0a12', '1.0b1.dev456', '1.0b2', '1.0b2.post345.dev456',
      '1.0b2.post345', '1.0rc1.dev456', '1.0rc1', '1.0', '1.0+abc.5', '1.0+abc.7', '1.0+5', '1.0.post456.dev34', '1.0.post456', '1.0.15', '1.1.dev1',
    ),
    // Normalisation: spellings of one version are equal; release segments pad with zeros.
    ['1.0alpha1', '=', '1.0a1'],
    ['1.0-ALPHA.1', '=', '1.0a1'],
    ['1.0c1', '=', '1.0rc1'],
    ['1.0-1', '=', '1.0.post1'],
    ['1.0.0', '=', '1.0'],
    ['v1.0', '=', '1.0'],
    // The epoch comes first.
    ['1!1.0', '>', '2.0'],
    ['1.9', '<', '1.10'],
  ]);

  it('refuses what is not PEP 440', () => {
    assert.equal(pep440Version.isValid('1.0-beta-final'), false);
    assert.throws(() => pep440Version.compare('not-a-version', '1.0'), InvalidVersionError);
  });
});
