/**
 * Replays the classic (Ginkgo) OCI conformance suite — 00_conformance_suite_test.go runs
 * test01Pull, test02Push, test03ContentDiscovery and test04ContentManagement, in that order,
 * against one namespace — as node:test specs. Each suite `g.Specify` becomes one `it`, named
 * `<file> › <Context> › <spec>`, with the suite's environment-dependent branches chosen by
 * `ClassicOptions` (the suite reads them from OCI_* variables in setup.go).
 */
import { describe, it, type TestContext } from 'node:test';
import { ConformanceClient, type BodyMode } from './conformance-client.js';
import { classicData, type ClassicData } from './conformance-classic-data.js';
import { registerPull, registerPush } from './conformance-classic-pull-push.js';
import { registerDiscovery, registerManagement } from './conformance-classic-discovery.js';

export interface ClassicOptions {
  /** OCI_NAMESPACE. */
  namespace: string;
  /** OCI_CROSSMOUNT_NAMESPACE, or the suite's default `conformance-<uuid>`. */
  crossmountNamespace: string;
  /** OCI_DELETE_MANIFEST_BEFORE_BLOBS (the suite's default is true). */
  deleteManifestBeforeBlobs: boolean;
  /** OCI_AUTOMATIC_CROSSMOUNT: undefined when unset (those specs then skip). */
  automaticCrossmount?: boolean;
  /** OCI_TEST_PULL, OCI_TEST_PUSH, OCI_TEST_CONTENT_DISCOVERY, OCI_TEST_CONTENT_MANAGEMENT. */
  workflows: { pull: boolean; push: boolean; discovery: boolean; management: boolean };
  /** OCI_TAG_NAME, OCI_MANIFEST_DIGEST, OCI_BLOB_DIGEST (all three skip the pull setup), OCI_TAG_LIST. */
  env?: { OCI_TAG_NAME?: string; OCI_MANIFEST_DIGEST?: string; OCI_BLOB_DIGEST?: string; OCI_TAG_LIST?: string };
  /**
   * Which 02_push_test.go: 'main' (the newest stored), or 'artifacts' — another stored version
   * that also uploads the empty JSON and reference blobs in Setup, checks Range after the second
   * chunk, and pushes config-typed/artifactType manifests, an index, a nested index and a
   * manifest with a dangling subject.
   */
  pushVariant?: 'main' | 'artifacts';
  /** How request bodies go on the wire. */
  bodyMode?: BodyMode;
  /**
   * Spec titles whose expectation Berth deliberately does not meet in this configuration
   * (reported as todo, still run). Keyed by the `it` title.
   */
  knownMismatches?: Record<string, string>;
}

/** State shared by the specs of one suite run, like the suite's package-level variables. */
export interface ClassicRun {
  options: ClassicOptions;
  data: ClassicData;
  client: ConformanceClient;
  runPullSetup: boolean;
  runContentDiscoverySetup: boolean;
  /** Warn(…) calls the run made: the suite prints them and does not fail. */
  warnings: string[];
  /** Registers one spec. `enabled` is the SkipIfDisabled workflow. */
  spec(file: string, context: string, title: string, workflow: keyof ClassicOptions['workflows'], fn: (t: TestContext) => Promise<void> | void): void;
}

/** RunOnlyIf / RunOnlyIfNot: the spec is skipped (not failed) when the condition is false. */
export class SkipSpec extends Error {}

export function runOnlyIf(condition: boolean): void {
  if (!condition) throw new SkipSpec('you have skipped this test.');
}

/**
 * Declares the four workflows inside the current describe block. `connect` is called before the
 * first spec and returns the registry URL (the registry is started by the caller's `before`).
 */
export function registerClassicSuite(options: ClassicOptions, connect: () => string): ClassicRun {
  const env = options.env ?? {};
  const run: ClassicRun = {
    options,
    data: classicData(env),
    client: undefined as unknown as ConformanceClient,
    runPullSetup: !(env.OCI_TAG_NAME && env.OCI_MANIFEST_DIGEST && env.OCI_BLOB_DIGEST),
    runContentDiscoverySetup: !env.OCI_TAG_LIST,
    warnings: [],
    spec(file, context, title, workflow, fn) {
      const name = `${file} › ${context} › ${title}`;
      const todo = options.knownMismatches?.[name];
      it(name, todo ? { todo } : {}, async (t) => {
        if (run.client === undefined) run.client = new ConformanceClient(connect(), options.bodyMode ?? 'length');
        if (!options.workflows[workflow]) {
          t.skip('you have skipped this test; if this is an error, check your environment variable settings');
          return;
        }
        try {
          await fn(t);
        } catch (error) {
          if (error instanceof SkipSpec) {
            t.skip(error.message);
            return;
          }
          throw error;
        }
      });
    },
  };
  describe('Pull', () => registerPull(run));
  describe('Push', () => registerPush(run));
  describe('Content Discovery', () => registerDiscovery(run));
  describe('Content Management', () => registerManagement(run));
  return run;
}

/** setup.go: Warn — printed in magenta, never a failure. */
export function warn(run: ClassicRun, t: TestContext, message: string): void {
  run.warnings.push(message);
  t.diagnostic(`WARNING: ${message}`);
}
