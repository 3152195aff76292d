/**
 * Judging BERTH_* environment variable names. A misspelled setting (BERTH_METADTA_URL) silently
 * ignored would start a fresh SQLite registry beside the real one, so every BERTH_* name must be
 * a setting or one the project itself uses for something else (listed here, and in
 * docs/configuration.md).
 */

/** BERTH_* names that are not settings: the CLI's stored-login folder and the tests' services. */
export const NON_SETTING_ENV_NAMES: readonly string[] = ['BERTH_CONFIG_DIR'];

/** Prefixes of BERTH_* names that are not settings: the test suites' service overrides. */
export const NON_SETTING_ENV_PREFIXES: readonly string[] = ['BERTH_TEST_'];

/** Whether `name` is a BERTH_* variable the project uses for something other than a setting. */
export function isNonSettingEnvName(name: string): boolean {
  return NON_SETTING_ENV_NAMES.includes(name) || NON_SETTING_ENV_PREFIXES.some((p) => name.startsWith(p));
}

/** Levenshtein distance: insertions, deletions and substitutions each cost 1. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The candidate nearest to `name` by edit distance (the first of equals, in candidate order). */
export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
