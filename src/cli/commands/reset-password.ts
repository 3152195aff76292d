/**
 * `berth user reset-password NAME`: the way back for an admin who lost the password. It works on
 * the metadata store directly (no server, no login): whoever can read the configuration and the
 * database owns the registry anyway. The new password moves the account's password stamp, so
 * tokens issued before it stop working; the reset is audited.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import type { Command } from 'commander';
import { checkPassword } from '../../operations/users.js';
import { hashPassword } from '../../auth/passwords.js';
import { loadConfig } from '../../extensions/settings.js';
import { CliError, usageError } from '../cli-error.js';
import { newPassword } from '../password-input.js';

interface ResetOptions {
  data?: string;
  config?: string;
  passwordStdin?: boolean;
  generate?: boolean;
}

/** The SQLite file a metadata URL names, or undefined for PostgreSQL. */
function sqlitePath(url: string): string | undefined {
  if (/^postgres(ql)?:\/\//i.test(url)) return undefined;
  return url.replace(/^sqlite:/i, '').replace(/^\/\//, '');
}

async function resetPassword(name: string, options: ResetOptions): Promise<void> {
  if (options.generate && options.passwordStdin) throw usageError('give --generate or --password-stdin, not both');
  const config = loadConfig({ ...(options.config ? { file: options.config } : {}), flags: { data: options.data } });
  const { catalogMigrations, metadataUrl } = await import('../../app.js');
  const url = metadataUrl(config);
  const file = sqlitePath(url);
  // Opening a missing SQLite file would create an empty registry and "reset" nobody's password.
  if (file !== undefined && !existsSync(file)) throw new CliError(`no metadata database at ${file}: give the server's --data or --config (or BERTH_METADATA_URL)`);
  const password = options.generate ? randomBytes(18).toString('base64url') : await newPassword(`New password of ${name}`, options.passwordStdin === true);
  try {
    checkPassword(password);
  } catch (error) {
    throw usageError((error as Error).message);
  }
  const { openMetadataStore } = await import('../../metadata/open-metadata-store.js');
  const migrations = catalogMigrations();
  const store = await openMetadataStore(url, migrations ? { migrations } : {});
  try {
    const account = await store.accounts.get(name);
    if (!account) throw new CliError(`no user "${name}" in ${file ?? 'the PostgreSQL database'}`);
    if (account.kind !== 'local') throw new CliError(`"${name}" is a ${account.kind} account: its password is kept by the directory`);
    await store.accounts.update(name, { passwordHash: await hashPassword(password) });
    await store.audit.append([
      { at: new Date(), actor: userInfo().username, actorKind: 'local', action: 'user.password', target: name, outcome: 'success', detail: { by: 'reset-password', host: hostname() } },
    ]);
  } finally {
    await store.close();
  }
  if (options.generate) process.stdout.write(`${password}\n`);
  process.stderr.write(`berth: the password of ${name} was reset (its password stamp moved: logins with the old one stop working)\n`);
}

/** Registers `berth user reset-password` under `berth user`. */
export function registerResetPassword(user: Command): void {
  user
    .command('reset-password')
    .description("set a user's password on the metadata store directly (no server or login needed; run where the server's data or configuration is)")
    .argument('<name>', 'the user name')
    .option('--data <dir>', "the server's data folder (default ./data)")
    .option('--config <file>', "the server's YAML configuration file")
    .option('--password-stdin', 'read the new password from stdin (also when stdin is a pipe)')
    .option('--generate', 'generate a password and print it once on stdout')
    .action(resetPassword);
}
