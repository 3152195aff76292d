/**
 * The whole configuration: the core's settings (config/) and each extension's slice under its
 * name. Kept apart from the catalog so the CLI reads settings without loading the extensions.
 */
import type { z } from 'zod';
import { listSettings as listSettingsOf, loadConfig as loadConfigWith, withSlices, type ConfigSources, type Setting } from '../config/index.js';
import { ciTokensSettings } from './ci-tokens/settings.js';
import { lifecycleSettings } from './lifecycle/settings.js';
import { lineageSettings } from './lineage/settings.js';
import { webhookSettings } from './webhooks/settings.js';

/** The whole configuration schema. */
export const berthConfigSchema = withSlices({ lifecycle: lifecycleSettings, webhooks: webhookSettings, ciTokens: ciTokensSettings, lineage: lineageSettings });

/** The whole validated configuration. */
export type BerthConfig = z.infer<typeof berthConfigSchema>;

/** Loads the whole configuration (config/load-config.ts with the extensions' slices). */
export function loadConfig(sources: ConfigSources = {}): BerthConfig {
  return loadConfigWith(sources, berthConfigSchema);
}

/** Every setting of the whole configuration, for docs/configuration.md and env-name checks. */
export function listSettings(): Setting[] {
  return listSettingsOf(berthConfigSchema);
}
