/**
 * Every standing × visibility × network case of the access decision, as one literal table: each
 * cell lists the allowed actions as letters (p pull, u push, d delete, m manage). The table is
 * written out by hand, not computed, so it states the policy independently of decide().
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, type Action, type Standing } from './decide.js';

const LETTERS: Record<string, Action> = { p: 'pull', u: 'push', d: 'delete', m: 'manage' };

const COLUMNS = [
  { visibility: 'private', network: { pull: true, push: true } },
  { visibility: 'private', network: { pull: false, push: true } },
  { visibility: 'private', network: { pull: true, push: false } },
  { visibility: 'private', network: { pull: false, push: false } },
  { visibility: 'public', network: { pull: true, push: true } },
  { visibility: 'public', network: { pull: false, push: true } },
  { visibility: 'public', network: { pull: true, push: false } },
  { visibility: 'public', network: { pull: false, push: false } },
] as const;

// Columns:                 private: open  noPull noPush none | public: open  noPull noPush none
const TABLE: [string, Standing, string[]][] = [
  ['anonymous', { kind: 'anonymous' }, ['', '', '', '', 'p', '', 'p', '']],
  ['system admin', { kind: 'admin' }, ['pudm', 'udm', 'pm', 'm', 'pudm', 'udm', 'pm', 'm']],
  ['owner', { kind: 'user', roles: ['owner'] }, ['pudm', 'udm', 'pm', 'm', 'pudm', 'udm', 'pm', 'm']],
  ['maintainer', { kind: 'user', roles: ['maintainer'] }, ['pud', 'ud', 'p', '', 'pud', 'ud', 'p', '']],
  ['developer', { kind: 'user', roles: ['developer'] }, ['pu', 'u', 'p', '', 'pu', 'u', 'p', '']],
  ['reader', { kind: 'user', roles: ['reader'] }, ['p', '', 'p', '', 'p', '', 'p', '']],
  ['user without a role', { kind: 'user', roles: [] }, ['', '', '', '', 'p', '', 'p', '']],
  ['user as reader and developer (group + direct)', { kind: 'user', roles: ['reader', 'developer'] }, ['pu', 'u', 'p', '', 'pu', 'u', 'p', '']],
  ['robot granted pull', { kind: 'robot', actions: ['pull'] }, ['p', '', 'p', '', 'p', '', 'p', '']],
  ['robot granted push only', { kind: 'robot', actions: ['push'] }, ['u', 'u', '', '', 'pu', 'u', 'p', '']],
  ['robot granted everything, manage included', { kind: 'robot', actions: ['pull', 'push', 'delete', 'manage'] }, ['pud', 'ud', 'p', '', 'pud', 'ud', 'p', '']],
  ['robot granted nothing here', { kind: 'robot', actions: [] }, ['', '', '', '', 'p', '', 'p', '']],
];

function letters(actions: Set<Action>): string {
  return Object.entries(LETTERS)
    .filter(([, action]) => actions.has(action))
    .map(([letter]) => letter)
    .join('');
}

describe('decide: role × action × visibility × network', () => {
  for (const [name, standing, cells] of TABLE) {
    COLUMNS.forEach((column, index) => {
      const expected = cells[index] as string;
      const where = `${column.visibility}, pull network ${column.network.pull ? 'allowed' : 'refused'}, push network ${column.network.push ? 'allowed' : 'refused'}`;
      it(`${name} on a ${where} repository may: ${expected === '' ? 'nothing' : expected.split('').map((l) => LETTERS[l]).join(', ')}`, () => {
        assert.equal(letters(decide({ standing, visibility: column.visibility, network: column.network })), expected);
      });
    });
  }
});
