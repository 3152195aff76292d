/**
 * The MetadataStore suite every backend passes (SQLite and PostgreSQL run the same tests).
 * Each test gets a store of its own from the factory and cleans it up afterwards.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MetadataStore } from '../../src/metadata/metadata-store.js';
import { accountAndNamespaceCases } from './account-and-namespace-cases.js';
import { blobCases } from './blob-cases.js';
import { credentialAndAuditCases } from './credential-and-audit-cases.js';
import { concurrencyCases } from './concurrency-cases.js';
import { eventCases } from './event-cases.js';
import { gcRunAndRetentionCases } from './gc-run-and-retention-cases.js';
import { jobCases } from './job-cases.js';
import { leaseCases } from './lease-cases.js';
import { lifecycleCases } from './lifecycle-cases.js';
import { manifestCases } from './manifest-cases.js';
import { quotaCases } from './quota-cases.js';
import { repositoryCases } from './repository-cases.js';
import { repositoryDeletionCases } from './repository-deletion-cases.js';
import { tagAndReferrerCases } from './tag-and-referrer-cases.js';
import { tagHistoryCases } from './tag-history-cases.js';
import { uploadCases, uploadLimitCases } from './upload-cases.js';

/** Makes an empty, migrated store and a way to dispose of it. */
export type MetadataStoreFactory = () => Promise<{ store: MetadataStore; cleanup: () => Promise<void> }>;

/** Declares one test that runs `body` against a fresh store. */
export type StoreTest = (title: string, body: (store: MetadataStore) => Promise<void>) => void;

/** Runs the shared MetadataStore suite against the stores `factory` makes. */
export function describeMetadataStore(name: string, factory: MetadataStoreFactory): void {
  const test: StoreTest = (title, body) => {
    it(title, async () => {
      const { store, cleanup } = await factory();
      try {
        await body(store);
      } finally {
        await cleanup();
      }
    });
  };

  describe(name, () => {
    describe('store', () => {
      test('answers ping and names its dialect', async (store) => {
        await store.ping();
        assert.ok(['sqlite', 'postgres'].includes(store.dialect));
      });
    });
    describe('repositories', () => repositoryCases(test));
    describe('repository deletion', () => repositoryDeletionCases(test));
    describe('blobs', () => blobCases(test));
    describe('manifests', () => manifestCases(test));
    describe('tags and referrers', () => tagAndReferrerCases(test));
    describe('uploads', () => uploadCases(test));
    describe('upload caps and quotas', () => uploadLimitCases(test));
    describe('concurrency', () => concurrencyCases(test));
    describe('accounts and namespaces', () => accountAndNamespaceCases(test));
    describe('credentials, signing keys and audit', () => credentialAndAuditCases(test));
    describe('lifecycle', () => lifecycleCases(test));
    describe('job queue', () => jobCases(test));
    describe('events outbox', () => eventCases(test));
    describe('tag history and immutable tags', () => tagHistoryCases(test));
    describe('quotas and usage', () => quotaCases(test));
    describe('leases', () => leaseCases(test));
    describe('GC runs, audit retention, signing-key sealing', () => gcRunAndRetentionCases(test));
  });
}
