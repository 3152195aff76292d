export { configSchema, flag, nonNegativeInt, withSlices, type Config, type ConfigSchema } from './schema.js';
export { loadConfig, ConfigError, type ConfigSources } from './load-config.js';
export { listSettings, type Setting } from './settings.js';
export { NON_SETTING_ENV_NAMES, NON_SETTING_ENV_PREFIXES } from './env-names.js';
