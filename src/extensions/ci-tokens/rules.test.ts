import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManagementError } from '../../errors/management-error.js';
import { checkRule, globMatches, ruleMatches, unionOfGrants, type CiRule, type CiRuleInput } from './rules.js';

const GITHUB = 'https://token.actions.githubusercontent.com';
const LIMITS = { issuers: [{ issuer: GITHUB, audience: 'https://registry.test' }, { issuer: 'https://gitlab.example', audience: 'berth', identityClaims: ['project_path'] }], defaultTtlSeconds: 900, maxTtlSeconds: 3600 };
const VALID: CiRuleInput = { name: 'app', issuer: GITHUB, conditions: { repository: 'org/app' }, grants: [{ repository: 'team/app', actions: ['push', 'pull'] }] };

function rule(conditions: Record<string, string>, overrides: Partial<CiRule> = {}): CiRule {
  return { ...checkRule({ ...VALID, conditions }, LIMITS), createdBy: 'admin', createdAt: new Date(0), ...overrides };
}

function refusal(input: Partial<CiRuleInput>): string {
  try {
    checkRule({ ...VALID, ...input }, LIMITS);
  } catch (error) {
    assert.ok(error instanceof ManagementError && error.kind === 'invalid', String(error));
    return error.message;
  }
  assert.fail('accepted');
}

describe('CI token rules', () => {
  it('globs: "*" is any run of characters, "/" included; everything else is literal', () => {
    const table: [string, string, boolean][] = [
      ['org/app', 'org/app', true],
      ['org/app', 'org/app2', false],
      ['org/*', 'org/app', true],
      ['org/*', 'org/team/app', true],
      ['org/*', 'org2/app', false],
      ['refs/tags/v*', 'refs/tags/v1.2.3', true],
      ['refs/tags/v*', 'refs/heads/v1', false],
      ['a.b', 'axb', false],
      ['org/(app)', 'org/(app)', true],
      ['org/*/deploy', 'org/app/deploy', true],
      ['org/*/deploy', 'org/app/build', false],
    ];
    for (const [pattern, value, expected] of table) assert.equal(globMatches(pattern, value), expected, `${pattern} ~ ${value}`);
  });

  it('matches when every condition holds for this issuer and the rule is enabled, naming the matched claims', () => {
    const r = rule({ repository: 'org/*', ref: 'refs/heads/main' });
    assert.deepEqual(ruleMatches(r, GITHUB, { repository: 'org/app', ref: 'refs/heads/main', sub: 'x' }), { repository: 'org/app', ref: 'refs/heads/main' });
    assert.equal(ruleMatches(r, GITHUB, { repository: 'org/app', ref: 'refs/heads/dev' }), undefined);
    assert.equal(ruleMatches(r, GITHUB, { repository: 'org/app' }), undefined, 'a missing claim never matches');
    assert.equal(ruleMatches(r, 'https://gitlab.example', { repository: 'org/app', ref: 'refs/heads/main' }), undefined, 'another issuer');
    assert.equal(ruleMatches({ ...r, enabled: false }, GITHUB, { repository: 'org/app', ref: 'refs/heads/main' }), undefined, 'disabled');
    assert.equal(ruleMatches(r, GITHUB, { repository: ['org/app'], ref: 'refs/heads/main' }), undefined, 'a list is no value');
    assert.deepEqual(ruleMatches(rule({ repository: 'org/app', repository_id: '42' }), GITHUB, { repository: 'org/app', repository_id: 42 }), { repository: 'org/app', repository_id: '42' });
  });

  it('validates a rule and fills in its defaults', () => {
    const checked = checkRule(VALID, LIMITS);
    assert.deepEqual(checked, { name: 'app', issuer: GITHUB, conditions: { repository: 'org/app' }, grants: [{ repository: 'team/app', actions: ['pull', 'push'] }], ttlSeconds: 900, enabled: true });
  });

  it('refuses rules that trust more than meant, or are malformed, naming the field', () => {
    assert.match(refusal({ conditions: {} }), /^conditions: at least one claim condition/);
    assert.match(refusal({ conditions: { ref: 'refs/heads/main' } }), /^conditions: a rule for https:\/\/token\.actions\.githubusercontent\.com must have a condition on whose job it is/);
    assert.match(refusal({ issuer: 'https://gitlab.example', conditions: { namespace_path: 'group' } }), /one of project_path:/);
    assert.match(refusal({ conditions: { repository: '*' } }), /^conditions\.repository: "\*" begins with "\*"/);
    assert.match(refusal({ conditions: { repository: '*/app' } }), /begins with "\*"/);
    assert.match(refusal({ conditions: { repository: 'org/app', aud: 'x' } }), /^conditions\.aud: aud is checked by the exchange itself/);
    assert.match(refusal({ conditions: { repository: 'org/app', 'bad claim': 'x' } }), /^conditions\.bad claim: a claim name/);
    assert.match(refusal({ issuer: 'https://evil.example' }), /^issuer: "https:\/\/evil\.example" is not a trusted CI issuer \(ciTokens\.issuers: https:\/\/token/);
    assert.match(refusal({ name: 'Bad Name' }), /^name: "Bad Name" is not a valid rule name/);
    assert.match(refusal({ ttlSeconds: 3601 }), /^ttlSeconds: a whole number of seconds from 60 to 3600/);
    assert.match(refusal({ ttlSeconds: 30 }), /^ttlSeconds/);
    assert.match(refusal({ grants: [] }), /^grants: at least one grant/);
    assert.match(refusal({ grants: [{ repository: 'team/app', actions: ['manage'] }] }), /^grants\[0\]\.actions: unknown action\(s\) manage/);
    assert.match(refusal({ grants: [{ repository: 'Team/App', actions: ['push'] }] }), /^grants\[0\]\.repository/);
  });

  it('unites grants: one per pattern with every action any rule gives', () => {
    assert.deepEqual(
      unionOfGrants([
        { repository: 'team/app', actions: ['pull'] },
        { repository: 'cache/*', actions: ['push', 'pull'] },
        { repository: 'team/app', actions: ['push'] },
      ]),
      [
        { repository: 'team/app', actions: ['pull', 'push'] },
        { repository: 'cache/*', actions: ['pull', 'push'] },
      ],
    );
  });
});
