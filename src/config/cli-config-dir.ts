import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The folder where the `berth` CLI keeps its stored logins: `$BERTH_CONFIG_DIR`, else
 * `$XDG_CONFIG_HOME/berth` (XDG Base Directory spec), else `~/.config/berth`.
 * Lives in config/ because only config/ reads process.env.
 */
export function cliConfigDir(env: Record<string, string | undefined> = process.env, home: () => string = homedir): string {
  if (env.BERTH_CONFIG_DIR) return env.BERTH_CONFIG_DIR;
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  if (env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/')) return join(env.XDG_CONFIG_HOME, 'berth');
  return join(home(), '.config', 'berth');
}
