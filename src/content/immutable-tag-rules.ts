import type { NamespaceMap } from '../metadata/namespace-map.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { isTagPattern, type ImmutableTagRule, type ImmutableTagRuleRecord } from '../metadata/tag-history-store.js';
import type { WriteGate } from './read-only-mode.js';

/**
 * How long a node trusts its copy of the rules. A rule added or removed through this node applies
 * at once (the copy is dropped); other nodes follow within this time.
 */
export const IMMUTABLE_RULES_TTL_MS = 1000;

/**
 * The immutable-tag rules and which of them protect a repository: its own rules and its
 * namespace's. The whole table is small, so it is read at once and kept IMMUTABLE_RULES_TTL_MS;
 * a manifest push then costs no extra query. The store enforces the rules it is handed inside the
 * transaction that would move the tag, so the check can't race the tag it checks.
 */
export class ImmutableTagRules {
  private cached: { rules: ImmutableTagRuleRecord[]; until: number } | undefined;
  private loading: Promise<ImmutableTagRuleRecord[]> | undefined;
  /** Bumped on every local change, so a read begun before the change can't be cached after it. */
  private generation = 0;

  private readonly ttlMs: number;

  /**
   * `names` maps a repository to its namespace (the registry's one NamespaceMap);
   * `writes` is the read-only gate adding and removing rules pass (they decide which tags move).
   */
  constructor(
    private readonly store: MetadataStore,
    private readonly names: NamespaceMap,
    private readonly options: { ttlMs?: number; writes?: WriteGate } = {},
  ) {
    this.ttlMs = options.ttlMs ?? IMMUTABLE_RULES_TTL_MS;
  }

  /** The rules that protect the repository's tags (its own first, then its namespace's). */
  async forRepository(repository: string): Promise<ImmutableTagRuleRecord[]> {
    const rules = (await this.all()).filter((rule) => this.appliesTo(rule, repository));
    return [...rules.filter((rule) => rule.scopeKind === 'repository'), ...rules.filter((rule) => rule.scopeKind === 'namespace')];
  }

  /** True when the rule protects the repository's tags (its own rule, or its namespace's). */
  appliesTo(rule: ImmutableTagRule, repository: string): boolean {
    return rule.scopeKind === 'repository' ? rule.scope === repository : rule.scope === this.names.namespaceOf(repository);
  }

  /** The namespace a repository-scoped rule's repository belongs to (for permission checks). */
  namespaceOfScope(rule: ImmutableTagRule): string {
    return rule.scopeKind === 'namespace' ? rule.scope : this.names.namespaceOf(rule.scope);
  }

  /** Every rule, freshly read. */
  async list(): Promise<ImmutableTagRuleRecord[]> {
    this.invalidate();
    return this.all();
  }

  /** Adds a rule (the pattern is checked by the caller with isTagPattern); false when it exists. */
  async add(rule: ImmutableTagRule, createdBy: string): Promise<boolean> {
    if (!isTagPattern(rule.pattern)) throw new Error(`not a tag pattern: ${rule.pattern}`);
    await this.options.writes?.assertWritable();
    const added = await this.store.immutableTags.add(rule, createdBy);
    this.invalidate();
    return added;
  }

  /** Removes a rule; false when there was none. */
  async remove(rule: ImmutableTagRule): Promise<boolean> {
    await this.options.writes?.assertWritable();
    const removed = await this.store.immutableTags.remove(rule);
    this.invalidate();
    return removed;
  }

  private async all(): Promise<ImmutableTagRuleRecord[]> {
    if (this.cached && this.cached.until > Date.now()) return this.cached.rules;
    // One read for every request that finds the copy stale at the same moment.
    if (!this.loading) {
      const generation = this.generation;
      const loading = this.store.immutableTags.list().then((rules) => {
        if (this.generation === generation) this.cached = { rules, until: Date.now() + this.ttlMs };
        return rules;
      });
      const clear = (): void => {
        if (this.loading === loading) this.loading = undefined;
      };
      loading.then(clear, clear);
      this.loading = loading;
    }
    return this.loading;
  }

  private invalidate(): void {
    this.generation++;
    this.cached = undefined;
    this.loading = undefined;
  }
}
