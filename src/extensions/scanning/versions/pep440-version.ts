import pep440 from '@renovatebot/pep440';
import { InvalidVersionError, type VersionComparator } from './comparator.js';

/**
 * Python's version ordering (PEP 440, through `@renovatebot/pep440`), for PyPI:
 * `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`, spellings normalised (`1.0-ALPHA.1` is `1.0a1`).
 */
export const pep440Version: VersionComparator = {
  name: 'PEP 440',
  compare(a, b) {
    return Math.sign(pep440.compare(valid(a), valid(b)));
  },
  isValid(v) {
    return pep440.valid(v) !== null;
  },
};

function valid(v: string): string {
  if (pep440.valid(v) === null) throw new InvalidVersionError('PEP 440', v);
  return v;
}
