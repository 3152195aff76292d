import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManagementError } from '../../errors/management-error.js';
import { parseLifecyclePolicy, parseLifecyclePolicyText } from './policy.js';

const expire = { type: 'expire' };
const countOne = { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 };
const ageOf = (days: number) => ({ tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: days });

/** A policy with one rule whose selection is `selection`. */
const oneRule = (selection: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ rules: [{ rulePriority: 1, selection, action: expire, ...extra }] });

/** Refused policies: the field the message must name, and words it must contain. */
const REFUSED: [string, unknown, string, RegExp][] = [
  ['countUnit missing with sinceImagePushed', oneRule({ tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 14 }), 'rules[0].selection.countUnit', /rulePriority 1: countUnit \("days"\) is required with countType sinceImagePushed/],
  ['countUnit missing with sinceImagePulled', oneRule({ tagStatus: 'any', countType: 'sinceImagePulled', countNumber: 14 }), 'rules[0].selection.countUnit', /required with countType sinceImagePulled/],
  ['countUnit given with imageCountMoreThan', oneRule({ ...countOne, countUnit: 'days' }), 'rules[0].selection.countUnit', /only allowed with countType sinceImagePushed or sinceImagePulled/],
  ['countUnit other than days', oneRule({ ...ageOf(1), countUnit: 'hours' }), 'rules[0].selection.countUnit', /countUnit must be "days"/],
  ['countNumber 0', oneRule({ ...countOne, countNumber: 0 }), 'rules[0].selection.countNumber', /at least 1/],
  ['countNumber not whole', oneRule({ ...countOne, countNumber: 1.5 }), 'rules[0].selection.countNumber', /whole number/],
  [
    'rulePriority used twice',
    { rules: [{ rulePriority: 1, selection: countOne, action: expire }, { rulePriority: 1, selection: { tagStatus: 'tagged', tagPrefixList: ['a'], countType: 'imageCountMoreThan', countNumber: 1 }, action: expire }] },
    'rules[1].rulePriority',
    /rulePriority 1 is also used by rules\[0\]/,
  ],
  [
    'tagStatus any not on the highest rulePriority',
    { rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: expire }, { rulePriority: 2, selection: countOne, action: expire }] },
    'rules[0].selection.tagStatus',
    /tagStatus any is only allowed on the rule with the highest rulePriority \(2\)/,
  ],
  ['tagged without a list', oneRule({ tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 }), 'rules[0].selection.tagStatus', /needs a tagPrefixList or a tagPatternList/],
  ['both lists', oneRule({ tagStatus: 'tagged', tagPrefixList: ['a'], tagPatternList: ['a*'], countType: 'imageCountMoreThan', countNumber: 1 }), 'rules[0].selection.tagPatternList', /mutually exclusive/],
  ['a list on an untagged rule', oneRule({ ...countOne, tagPrefixList: ['a'] }), 'rules[0].selection.tagPrefixList', /only allowed with tagStatus tagged, not untagged/],
  ['a list on an any rule', oneRule({ tagStatus: 'any', tagPatternList: ['a*'], countType: 'imageCountMoreThan', countNumber: 1 }), 'rules[0].selection.tagPatternList', /not any/],
  ['five wildcards', oneRule({ tagStatus: 'tagged', tagPatternList: ['a*b*c*d*e*f'], countType: 'imageCountMoreThan', countNumber: 1 }), 'rules[0].selection.tagPatternList[0]', /at most 4 \* wildcards/],
  ['a prefix with a wildcard', oneRule({ tagStatus: 'tagged', tagPrefixList: ['a*'], countType: 'imageCountMoreThan', countNumber: 1 }), 'rules[0].selection.tagPrefixList[0]', /tag prefix/],
  ['an empty tag list', oneRule({ tagStatus: 'tagged', tagPrefixList: [], countType: 'imageCountMoreThan', countNumber: 1 }), 'rules[0].selection.tagPrefixList', /./],
  ['two untagged rules', { rules: [{ rulePriority: 1, selection: countOne, action: expire }, { rulePriority: 2, selection: ageOf(3), action: expire }] }, 'rules[1].selection.tagStatus', /only one rule may select untagged images \(rulePriority 1 does\)/],
  ['the transition action', oneRule(countOne, { action: { type: 'transition', targetStorageClass: 'archive' } }), 'rules[0].action', /./],
  ['an archive storage class', oneRule({ ...countOne, storageClass: 'archive' }), 'rules[0].selection.storageClass', /one storage class/],
  ['sinceImageTransitioned', oneRule({ ...ageOf(1), countType: 'sinceImageTransitioned' }), 'rules[0].selection.countType', /archive storage class/],
  ['a misspelt field', oneRule({ ...countOne, tagprefixList: ['a'] }), 'rules[0].selection', /tagprefixList/],
  ['no rules', { rules: [] }, 'rules', /at least one rule/],
  ['an unknown top-level key', { rules: [{ rulePriority: 1, selection: countOne, action: expire }], keep: [] }, '', /keep/],
  ['a keep rule with two selectors', { ...oneRule(countOne), berth: { keep: [{ semver: true, pulledWithinDays: 3 }] } }, 'berth.keep[0]', /exactly one of .* \(got semver, pulledWithinDays\)/],
  ['an empty keep rule', { ...oneRule(countOne), berth: { keep: [{}] } }, 'berth.keep[0]', /got none/],
  ['a rule that is not an object', { rules: ['x'] }, 'rules[0]', /./],
];

describe('parseLifecyclePolicy', () => {
  for (const [name, input, field, message] of REFUSED) {
    it(`refuses ${name}, naming ${field || 'the document'}`, () => {
      assert.throws(
        () => parseLifecyclePolicy(input),
        (error: unknown) => {
          assert.ok(error instanceof ManagementError);
          assert.equal(error.kind, 'invalid');
          const issues = (error.detail?.issues ?? []) as { path: string; message: string }[];
          assert.ok(
            issues.some((issue) => issue.path === field && message.test(issue.message)),
            `expected an issue at ${field} matching ${message}, got ${JSON.stringify(issues)}`,
          );
          assert.match(error.message, /^invalid lifecycle policy: /);
          return true;
        },
      );
    });
  }

  it('accepts ECR documents as they are, description and storageClass standard included', () => {
    const policy = parseLifecyclePolicy({
      rules: [
        { rulePriority: 10, description: 'keep 50 latest tagged', selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 50 }, action: expire },
        { rulePriority: 20, selection: { tagStatus: 'untagged', storageClass: 'standard', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }, action: expire },
        { rulePriority: 30, selection: { tagStatus: 'tagged', tagPatternList: ['*test*1*2*3', 'test*1*2*3*'], countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 }, action: expire },
        { rulePriority: 1000, selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 365 }, action: expire },
      ],
      berth: { keep: [{ tagPatternList: ['protected*'] }, { semver: true, description: 'releases' }, { pulledWithinDays: 7 }] },
    });
    assert.equal(policy.rules.length, 4);
    assert.equal(policy.berth?.keep?.length, 3);
  });

  it('reads JSON text and says when it is not JSON', () => {
    assert.equal(parseLifecyclePolicyText(JSON.stringify(oneRule(countOne))).rules[0]?.rulePriority, 1);
    assert.throws(() => parseLifecyclePolicyText('{"rules": ['), /invalid lifecycle policy: not valid JSON/);
  });
});
