import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { isNonSettingEnvName, nearestName } from './env-names.js';
import { listSettings } from './settings.js';

/** A bad setting: the message names the key and where it came from. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Where settings come from, lowest precedence first after the defaults. */
export interface ConfigSources {
  /** A YAML file. */
  file?: string;
  /** Environment variables (only BERTH_* are read); defaults to the process environment. */
  env?: Record<string, string | undefined>;
  /** Dotted keys from command-line flags, e.g. { listen: '127.0.0.1:5000' }. */
  flags?: Record<string, string | undefined>;
}

type Tree = Record<string, unknown>;

function setPath(tree: Tree, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    node[part] = typeof next === 'object' && next !== null ? next : {};
    node = node[part] as Tree;
  }
  node[parts[parts.length - 1] as string] = value;
}

function readYaml(file: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read config file ${file}: ${(cause as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (cause) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(cause as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`config file ${file} must hold a YAML mapping`);
  return doc as Tree;
}

/**
 * Builds the configuration from defaults ← YAML file ← BERTH_* env ← flags, and validates it.
 * Throws {@link ConfigError} naming the first bad key (and an unknown BERTH_* variable).
 */
export function loadConfig<C extends Config = Config>(sources: ConfigSources = {}, schema: z.ZodType<C, unknown> = configSchema as unknown as z.ZodType<C, unknown>): C {
  const tree: Tree = sources.file ? readYaml(sources.file) : {};
  const settings = listSettings(schema);
  const origin = new Map<string, string>();
  if (sources.file) for (const s of settings) origin.set(s.key, `config file ${sources.file}`);
  for (const [name, value] of Object.entries(sources.env ?? process.env)) {
    if (!name.startsWith('BERTH_') || value === undefined) continue;
    const setting = settings.find((s) => s.env === name);
    if (!setting) {
      if (isNonSettingEnvName(name)) continue;
      const nearest = nearestName(name, settings.map((s) => s.env));
      throw new ConfigError(`unknown environment variable ${name}: no setting has that name${nearest ? ` (did you mean ${nearest}?)` : ''}; see docs/configuration.md`);
    }
    setPath(tree, setting.key, value);
    origin.set(setting.key, `environment variable ${name}`);
  }
  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined) continue;
    setPath(tree, key, value);
    origin.set(key, `flag --${key}`);
  }
  const result = schema.safeParse(tree);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    const unknown = issue?.code === 'unrecognized_keys' ? ` (unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => [path, k].filter(Boolean).join('.')).join(', ')})` : '';
    // Unknown keys can only come from the file: env and flags are matched against known keys.
    const source = issue?.code === 'unrecognized_keys' && sources.file ? `config file ${sources.file}` : origin.get(path);
    const where = source ? ` from ${source}` : '';
    throw new ConfigError(`invalid setting ${path || '(root)'}${where}: ${issue?.message ?? 'invalid'}${unknown}`);
  }
  return result.data;
}
