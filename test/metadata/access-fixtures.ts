/** Builders shared by the access-control store cases. */
import { randomUUID } from 'node:crypto';
import type { CredentialInput } from '../../src/metadata/access-store.js';

/** Waits long enough for Date.now() to move on. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5));
}

/** A CredentialInput with a fresh id and secret hash; `overrides` says what the test cares about. */
export function credential(overrides: Partial<CredentialInput> & Pick<CredentialInput, 'kind' | 'name'>): CredentialInput {
  return {
    id: randomUUID(),
    owner: overrides.kind === 'robot' ? '' : 'alice',
    secretHash: `hash-${randomUUID()}`,
    grants: [{ repository: 'team/*', actions: ['pull'] }],
    createdBy: 'admin',
    ...overrides,
  };
}
