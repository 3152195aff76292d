/**
 * Which policy governs which repository, and what it would expire there now. The preview and
 * the scheduled run both go through {@link LifecyclePlanner.plan}, which calls evaluatePolicy():
 * a preview shows exactly what a run at the same moment expires.
 *
 * A repository's own policy overrides its namespace's (the two never combine). Images an
 * immutable-tag rule protects are reported as protected, like keep rules: deleting them would
 * remove a tag that must never move, and the delete would be refused anyway.
 */
import type { PolicyScopeKind } from '../../metadata/lifecycle-store.js';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import { ruleProtecting, type ImmutableTagRule } from '../../metadata/tag-history-store.js';
import { evaluatePolicy, type ExpiredImage, type ProtectedImage } from './evaluate.js';
import { parseLifecyclePolicyText, type LifecyclePolicy } from './policy.js';

/** What the planner reads. */
export interface PlannerDeps {
  store: MetadataStore;
  /** The namespace of a repository (AccessControl.namespaceOf). */
  namespaceOf: (repository: string) => string;
  /** The immutable-tag rules protecting a repository's tags (ImmutableTagRules.forRepository). */
  immutableRules?: (repository: string) => Promise<readonly ImmutableTagRule[]>;
}

/** Where a repository's policy comes from. */
export interface PolicySource {
  scopeKind: PolicyScopeKind;
  scope: string;
}

/** An image a plan expires, with what a report shows of it. */
export interface PlannedExpiry extends ExpiredImage {
  pushedAt: Date;
  lastPulledAt?: Date;
  /** The manifest and the blobs it lists, in bytes (shared blobs counted too: an estimate). */
  size: number;
}

/** An image a rule would expire but a keep rule or an immutable tag protects. */
export interface PlannedProtection extends Omit<ProtectedImage, 'keep'> {
  /** The keep rule's index; absent when an immutable-tag rule protects the image. */
  keep?: number;
}

/** What a policy does to one repository now. */
export interface RepositoryPlan extends PolicySource {
  repository: string;
  /** How many images the repository has (index children and referrers not counted). */
  images: number;
  expired: PlannedExpiry[];
  protected: PlannedProtection[];
}

/** A repository and the policy that governs it. */
export interface GovernedRepository extends PolicySource {
  repository: string;
  policy: LifecyclePolicy;
}

/** A stored policy that no longer parses (skipped, reported). */
export interface PolicyProblem extends PolicySource {
  error: string;
}

/** What a preview shows: every repository the policy would govern, and those it would not. */
export interface LifecyclePreview extends PolicySource {
  evaluatedAt: Date;
  repositories: RepositoryPlan[];
  /** Repositories of the namespace whose own policy overrides the namespace's. */
  overridden: string[];
}

const PAGE = 1000;

/** Resolves policies and plans expiries. */
export class LifecyclePlanner {
  constructor(private readonly deps: PlannerDeps) {}

  /** What `policy` expires in `repository` at `now`. */
  async plan(repository: string, policy: LifecyclePolicy, source: PolicySource, now: Date): Promise<RepositoryPlan> {
    const [images, immutable] = await Promise.all([this.deps.store.lifecycle.images(repository), this.deps.immutableRules?.(repository) ?? Promise.resolve([])]);
    const byDigest = new Map(images.map((image) => [image.digest, image]));
    const decision = evaluatePolicy(policy, images, now);
    const plan: RepositoryPlan = { ...source, repository, images: images.length, expired: [], protected: decision.protected };
    for (const expired of decision.expired) {
      const tag = expired.tags.find((name) => ruleProtecting(name, immutable) !== undefined);
      const rule = tag === undefined ? undefined : ruleProtecting(tag, immutable);
      if (tag !== undefined && rule !== undefined) {
        plan.protected.push({ ...expired, keptBecause: `immutable tag ${tag} (rule ${rule.pattern} on ${rule.scopeKind} ${rule.scope})` });
        continue;
      }
      const image = byDigest.get(expired.digest);
      if (!image) continue;
      plan.expired.push({ ...expired, pushedAt: image.pushedAt, ...(image.lastPulledAt ? { lastPulledAt: image.lastPulledAt } : {}), size: image.size });
    }
    return plan;
  }

  /**
   * Every repository a stored policy governs, with that policy (a repository's own first, else
   * its namespace's). Stored policies that no longer parse are reported to `onProblem` and skipped.
   */
  async governed(onProblem: (problem: PolicyProblem) => void): Promise<GovernedRepository[]> {
    const own = new Map<string, LifecyclePolicy>();
    const byNamespace = new Map<string, LifecyclePolicy>();
    for (const record of await this.deps.store.lifecycle.list()) {
      try {
        const policy = parseLifecyclePolicyText(record.policy);
        (record.scopeKind === 'repository' ? own : byNamespace).set(record.scope, policy);
      } catch (error) {
        onProblem({ scopeKind: record.scopeKind, scope: record.scope, error: (error as Error).message });
      }
    }
    const result: GovernedRepository[] = [];
    const add = (repository: string): void => {
      const policy = own.get(repository);
      if (policy) return void result.push({ repository, scopeKind: 'repository', scope: repository, policy });
      const namespace = this.deps.namespaceOf(repository);
      const inherited = byNamespace.get(namespace);
      if (inherited) result.push({ repository, scopeKind: 'namespace', scope: namespace, policy: inherited });
    };
    // Without namespace policies only the repositories named by a policy need looking at.
    if (byNamespace.size === 0) {
      for (const repository of own.keys()) if (await this.deps.store.repositories.exists(repository)) add(repository);
    } else {
      for await (const repository of this.repositories()) add(repository);
    }
    return result;
  }

  /**
   * What `policy`, saved on the scope, would expire now — without saving it. A namespace policy
   * is planned on each of its repositories that has no policy of its own.
   */
  async preview(source: PolicySource, policy: LifecyclePolicy, now: Date): Promise<LifecyclePreview> {
    const preview: LifecyclePreview = { ...source, evaluatedAt: now, repositories: [], overridden: [] };
    if (source.scopeKind === 'repository') {
      preview.repositories.push(await this.plan(source.scope, policy, source, now));
      return preview;
    }
    const own = new Set((await this.deps.store.lifecycle.list()).filter((record) => record.scopeKind === 'repository').map((record) => record.scope));
    for await (const repository of this.repositories()) {
      if (this.deps.namespaceOf(repository) !== source.scope) continue;
      if (own.has(repository)) preview.overridden.push(repository);
      else preview.repositories.push(await this.plan(repository, policy, source, now));
    }
    return preview;
  }

  /** Every repository name, page by page. */
  private async *repositories(): AsyncGenerator<string> {
    let after: string | undefined;
    for (;;) {
      const page = await this.deps.store.repositories.list({ limit: PAGE, ...(after === undefined ? {} : { after }) });
      yield* page;
      if (page.length < PAGE) return;
      after = page[page.length - 1];
    }
  }
}
