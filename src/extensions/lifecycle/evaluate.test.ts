import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluatePolicy, patternRegExp, type LifecycleImage } from './evaluate.js';
import { parseLifecyclePolicy } from './policy.js';

const NOW = new Date('2025-06-01T12:00:00Z');
const DAY = 24 * 60 * 60 * 1000;

/** An image named `name` (its digest is `sha256:<name>`), pushed (and pulled) so many days ago. */
function image(name: string, tags: string[], pushedDaysAgo: number, pulledDaysAgo?: number): LifecycleImage {
  return {
    digest: `sha256:${name}`,
    tags,
    pushedAt: new Date(NOW.getTime() - pushedDaysAgo * DAY),
    ...(pulledDaysAgo === undefined ? {} : { lastPulledAt: new Date(NOW.getTime() - pulledDaysAgo * DAY) }),
  };
}

type Selection = Record<string, unknown>;

/** An ECR rule expiring what `selection` picks. */
function rule(rulePriority: number, selection: Selection): Record<string, unknown> {
  return { rulePriority, selection, action: { type: 'expire' } };
}

const untaggedOlderThan = (days: number): Selection => ({ tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: days });
const prefixKeep = (prefixes: string[], count: number): Selection => ({ tagStatus: 'tagged', tagPrefixList: prefixes, countType: 'imageCountMoreThan', countNumber: count });
const patternKeep = (patterns: string[], count: number): Selection => ({ tagStatus: 'tagged', tagPatternList: patterns, countType: 'imageCountMoreThan', countNumber: count });

interface Case {
  name: string;
  policy: Record<string, unknown>;
  images: LifecycleImage[];
  /** Names of the expired images, with the rule that expires each. */
  expired: [string, number][];
  /** Names of images a keep rule protects, with the keep rule's index. */
  protected?: [string, number][];
}

const EXAMPLE_A = [image('A', ['beta-1', 'prod-1'], 10), image('B', ['beta-2', 'prod-2'], 9), image('C', ['beta-3'], 8)];
const EXAMPLE_B = [image('A', ['beta-1', 'prod-1'], 10), image('B', ['beta-2', 'prod-2'], 9), image('C', ['beta-3', 'prod-3'], 8)];

const CASES: Case[] = [
  {
    name: 'ECR "filtering on image age": expire untagged images older than 14 days',
    policy: { rules: [rule(1, untaggedOlderThan(14))] },
    images: [image('old', [], 20), image('young', [], 10), image('tagged-old', ['v1'], 30), image('exactly-14', [], 14)],
    expired: [['old', 1]],
  },
  {
    name: 'ECR "filtering on image age" with tagPatternList prod*: tagged prod images older than 14 days',
    policy: { rules: [rule(1, { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 })] },
    images: [image('prod-old', ['prod'], 20), image('prod1-old', ['x', 'prod1'], 15), image('prod-young', ['prod2'], 3), image('dev-old', ['dev'], 40), image('untagged', [], 40)],
    expired: [['prod1-old', 1], ['prod-old', 1]],
  },
  {
    name: 'ECR "filtering on image count": keep only one untagged image',
    policy: { rules: [rule(1, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 })] },
    images: [image('u1', [], 3), image('u2', [], 2), image('u3', [], 1), image('t', ['latest'], 9)],
    expired: [['u1', 1], ['u2', 1]],
  },
  {
    name: 'ECR example A (prefixes): rule 2 may not expire B, which rule 1 selects',
    policy: { rules: [rule(1, prefixKeep(['prod'], 1)), rule(2, prefixKeep(['beta'], 1))] },
    images: EXAMPLE_A,
    expired: [['A', 1]],
  },
  {
    name: 'ECR example A (patterns): the same with tagPatternList',
    policy: { rules: [rule(1, patternKeep(['prod*'], 1)), rule(2, patternKeep(['beta*'], 1))] },
    images: EXAMPLE_A,
    expired: [['A', 1]],
  },
  {
    name: 'ECR example B: rule 1 expires A and B; rule 2 counts them and expires nothing more',
    policy: { rules: [rule(1, prefixKeep(['prod'], 1)), rule(2, prefixKeep(['beta'], 1))] },
    images: EXAMPLE_B,
    expired: [['A', 1], ['B', 1]],
  },
  {
    name: 'keep the last 3 prod- images: the older prod- images go, others stay',
    policy: { rules: [rule(1, prefixKeep(['prod-'], 3))] },
    images: [1, 2, 3, 4, 5].map((n) => image(`p${n}`, [`prod-${n}`], 10 - n)).concat([image('dev', ['dev-1'], 50), image('u', [], 50)]),
    expired: [['p1', 1], ['p2', 1]],
  },
  {
    name: 'a tagPrefixList selects images carrying every prefix (on any of their tags)',
    policy: { rules: [rule(1, { tagStatus: 'tagged', tagPrefixList: ['prod', 'stable'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 })] },
    images: [image('both', ['prod-1', 'stable-1'], 5), image('prod-only', ['prod-2'], 5), image('stable-only', ['stable-2'], 5), image('one-tag-both', ['prodstable'], 5)],
    expired: [['both', 1]],
  },
  {
    name: 'tag patterns hold up to four wildcards and match whole tags',
    policy: { rules: [rule(1, { tagStatus: 'tagged', tagPatternList: ['*test*1*2*3'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 })] },
    images: [image('match', ['a-test-1-2-3'], 5), image('suffix', ['test123x'], 5), image('plain', ['test123'], 5), image('other', ['prod'], 5)],
    expired: [['match', 1], ['plain', 1]],
  },
  {
    name: 'tagStatus any (last) counts every image but expires only those no earlier rule selects',
    policy: { rules: [rule(1, prefixKeep(['release-'], 5)), rule(2, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 2 })] },
    images: [image('r1', ['release-1'], 1), image('r2', ['release-2'], 2), image('f1', ['feature-1'], 3), image('f2', ['feature-2'], 4), image('u', [], 5)],
    expired: [['u', 2], ['f2', 2], ['f1', 2]],
  },
  {
    name: 'an untagged rule owns untagged images: a later any rule cannot expire them',
    policy: { rules: [rule(1, untaggedOlderThan(30)), rule(2, { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 })] },
    images: [image('u-young', [], 10), image('u-old', [], 40), image('t-old', ['x'], 10), image('t-young', ['y'], 1)],
    expired: [['u-old', 1], ['t-old', 2]],
  },
  {
    name: 'rules apply in rulePriority order, not in the order they are listed',
    policy: { rules: [rule(20, prefixKeep(['v'], 1)), rule(3, prefixKeep(['v1'], 3))] },
    images: [image('v1a', ['v1.0'], 4), image('v1b', ['v1.1'], 3), image('v2a', ['v2.0'], 2), image('v2b', ['v2.1'], 1)],
    // Rule 3 owns the v1 images (keeps both: fewer than 3); rule 20 ranks all four and may expire only v2a.
    expired: [['v2a', 20]],
  },
  {
    name: 'sinceImagePulled expires images not pulled for N days; never pulled counts from the push',
    policy: { rules: [rule(1, { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 })] },
    images: [image('stale', ['a'], 100, 40), image('fresh', ['b'], 100, 5), image('never-old', ['c'], 60), image('never-new', ['d'], 5), image('boundary', [], 100, 30)],
    expired: [['never-old', 1], ['stale', 1]],
  },
  {
    name: 'keep rules protect from every rule: patterns, semver releases, recent pulls',
    policy: {
      rules: [rule(1, { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 })],
      berth: { keep: [{ tagPatternList: ['protected*'] }, { semver: true }, { pulledWithinDays: 7 }, { tagPrefixList: ['lts-'] }] },
    },
    images: [
      image('protected', ['tmp', 'protected-1'], 9),
      image('release', ['v1.2.3'], 9),
      image('bare-release', ['10.0.0'], 9),
      image('prerelease', ['1.0.0-rc.1'], 9),
      image('not-semver', ['v1.2', '01.2.3'], 9),
      image('in-use', ['x'], 9, 3),
      image('lts', ['lts-2'], 9),
      image('unused', ['y'], 9, 30),
    ],
    expired: [['not-semver', 1], ['prerelease', 1], ['unused', 1]],
    protected: [['bare-release', 1], ['in-use', 2], ['lts', 3], ['protected', 0], ['release', 1]],
  },
  {
    name: 'protected images still count towards imageCountMoreThan',
    policy: { rules: [rule(1, prefixKeep(['v'], 2))], berth: { keep: [{ semver: true }] } },
    images: [image('newest', ['v2.0.0'], 1), image('mid', ['vnext'], 2), image('old', ['vold'], 3), image('oldest', ['v1.0.0'], 4)],
    expired: [['old', 1]],
    protected: [['oldest', 0]],
  },
  {
    name: 'equal push times are ranked by digest, so the outcome never depends on input order',
    policy: { rules: [rule(1, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 })] },
    images: [image('c', [], 1), image('a', [], 1), image('b', [], 1)],
    expired: [['b', 1], ['c', 1]],
  },
  {
    name: 'nothing matches: nothing expires',
    policy: { rules: [rule(1, prefixKeep(['prod'], 1))] },
    images: [image('dev', ['dev'], 100), image('u', [], 100)],
    expired: [],
  },
];

const names = (list: { digest: string }[]): string[] => list.map((entry) => entry.digest.slice('sha256:'.length));

describe('evaluatePolicy', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const decision = evaluatePolicy(parseLifecyclePolicy(c.policy), c.images, NOW);
      const expired = decision.expired.map((entry) => [entry.digest.slice('sha256:'.length), entry.rulePriority]);
      assert.deepEqual(expired.sort(), [...c.expired].sort(), 'expired');
      const kept = decision.protected.map((entry) => [entry.digest.slice('sha256:'.length), entry.keep]);
      assert.deepEqual(kept.sort(), [...(c.protected ?? [])].sort(), 'protected');
      for (const entry of [...decision.expired, ...decision.protected]) assert.match(entry.reason, new RegExp(`^rule ${entry.rulePriority}`));
    });
  }

  it('gives reasons that name the rule and the fact, oldest first within a rule', () => {
    const policy = parseLifecyclePolicy({
      rules: [
        { ...rule(1, prefixKeep(['prod-'], 1)), description: 'keep the last prod- image' },
        rule(2, untaggedOlderThan(14)),
        rule(3, { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 }),
      ],
      berth: { keep: [{ tagPatternList: ['keep*'], description: 'hands off' }] },
    });
    const decision = evaluatePolicy(policy, [image('p1', ['prod-1'], 3), image('p2', ['prod-2'], 2), image('p3', ['prod-3'], 1), image('u', [], 20), image('s', ['keep-me'], 50, 40), image('n', ['x'], 45)], NOW);
    assert.deepEqual(names(decision.expired), ['p1', 'p2', 'u', 'n']);
    assert.deepEqual(decision.expired.map((entry) => entry.reason), [
      'rule 1 (keep the last prod- image): more than 1 images tagged with prefix prod-; this is the 3rd newest of 3',
      'rule 1 (keep the last prod- image): more than 1 images tagged with prefix prod-; this is the 2nd newest of 3',
      'rule 2: untagged images pushed more than 14 days ago; this one 20 days ago',
      'rule 3: images not pulled for more than 30 days; this one never pulled, pushed 45 days ago',
    ]);
    assert.deepEqual(decision.protected.map((entry) => [entry.reason, entry.keptBecause]), [
      ['rule 3: images not pulled for more than 30 days; this one last pulled 40 days ago', 'berth.keep[0] (hands off): a tag matching keep*'],
    ]);
    assert.deepEqual(decision.expired[0]?.tags, ['prod-1']);
  });
});

describe('patternRegExp', () => {
  it('matches * as any run of characters and everything else literally', () => {
    assert.ok(patternRegExp('prod*').test('prod'));
    assert.ok(patternRegExp('prod*').test('prod-1'));
    assert.ok(!patternRegExp('prod*').test('xprod'));
    assert.ok(patternRegExp('*-rc.*').test('1.0-rc.2'));
    assert.ok(!patternRegExp('v1.0').test('v1x0'), 'a dot is a dot');
    assert.ok(patternRegExp('*').test('anything'));
  });
});
