/**
 * How repository names map to namespaces, both ways: the namespace a name belongs to (access
 * control, quotas, immutable-tag rules, metrics, lifecycle ask this) and the name range a
 * namespace holds (what the store selects for usage and quotas). One class, so the two directions
 * cannot drift apart; a table test checks each is the other's inverse at every depth.
 */
import type { RepositoryScope } from './usage-store.js';

/** auth.namespaces: the settings the mapping is made of. */
export interface NamespaceMapSettings {
  /** How many leading path components name the namespace (1: `team/app` → `team`). */
  depth: number;
  /** The namespace of names without a slash (`alpine` → `library`). */
  rootNamespace: string;
}

/** Repository names ↔ namespaces. */
export class NamespaceMap {
  constructor(readonly settings: NamespaceMapSettings) {}

  /** The namespace a repository belongs to: its first `depth` components, never the whole name. */
  namespaceOf(repository: string): string {
    const parts = repository.split('/');
    if (parts.length === 1) return this.settings.rootNamespace;
    return parts.slice(0, Math.min(this.settings.depth, parts.length - 1)).join('/');
  }

  /**
   * The namespace's repositories as the store selects them: a namespace of `depth` components
   * holds every name under it, a shallower one only the names one component below it, and the
   * root namespace also the names without a '/'.
   */
  scopeOf(namespace: string): RepositoryScope {
    const components = namespace.split('/').length;
    return {
      ...(components <= this.settings.depth ? { prefix: `${namespace}/` } : {}),
      ...(components < this.settings.depth ? { directChildren: true } : {}),
      ...(namespace === this.settings.rootNamespace ? { rootNames: true } : {}),
    };
  }
}
