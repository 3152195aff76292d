/** `berth user …`: accounts on the server (admin API /api/v1/users). */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ApiClient, segment } from '../api-client.js';
import { itemsOf, type HtpasswdImport, type User } from '../api-types.js';
import { CliError, usageError } from '../cli-error.js';
import { listCell, note, printJson, printTable, say, when, yesNo } from '../output.js';
import { ask, askNewPassword, newPassword, passwordLinesFromStdin, readStdin } from '../password-input.js';
import { openSession, withServerOption, type ServerOption } from '../stored-login.js';
import { registerResetPassword } from './reset-password.js';

type JsonOption = ServerOption & { json?: boolean };

async function list(options: JsonOption): Promise<void> {
  const { api } = await openSession(options.server);
  const users = itemsOf<User>(await api.get('/users'), 'users');
  if (options.json) return printJson(users);
  printTable(
    users,
    [
      { heading: 'NAME', value: (u) => u.name },
      { heading: 'KIND', value: (u) => u.kind ?? 'user' },
      { heading: 'ADMIN', value: (u) => yesNo(u.admin) },
      { heading: 'DISABLED', value: (u) => yesNo(u.disabled) },
      { heading: 'EMAIL', value: (u) => u.email ?? '-' },
      { heading: 'GROUPS', value: (u) => listCell(u.groups) },
      { heading: 'CREATED', value: (u) => when(u.createdAt) },
    ],
    'no users',
  );
}

async function create(name: string, options: ServerOption & { admin?: boolean; email?: string; passwordStdin?: boolean }): Promise<void> {
  const password = await newPassword('Password', options.passwordStdin === true);
  const { api } = await openSession(options.server);
  await api.post('/users', { json: { name, password, ...(options.email ? { email: options.email } : {}), ...(options.admin ? { admin: true } : {}) } });
  say(`created user ${name}${options.admin ? ' (admin)' : ''}`);
}

/**
 * Your own password is changed with the current one, which also authenticates that request (a
 * stored token does not stand in for a password here). An admin sets anyone else's with the
 * stored login. With --password-stdin, stdin holds the new password; for your own account, the
 * current password and the new one on two lines.
 */
async function passwd(name: string | undefined, options: ServerOption & { passwordStdin?: boolean }): Promise<void> {
  const { login, api } = await openSession(options.server);
  const user = name ?? login.username;
  const own = user === login.username;
  let password: string;
  let currentPassword: string | undefined;
  if (options.passwordStdin) {
    const lines = await passwordLinesFromStdin();
    if (own && lines.length !== 2) throw usageError('--password-stdin: for your own account, give the current password and the new one on two lines');
    if (!own && lines.length !== 1) throw usageError('--password-stdin: give the new password on one line');
    [currentPassword, password] = own ? [lines[0], lines[1] as string] : [undefined, lines[0] as string];
  } else {
    if (own) currentPassword = await ask(`Current password of ${user}: `, true);
    password = await askNewPassword(`New password of ${user}`);
  }
  const body = { json: { password, ...(currentPassword !== undefined ? { currentPassword } : {}) } };
  const path = `/users/${segment(user)}/password`;
  if (currentPassword !== undefined) await new ApiClient(login.url, { username: user, secret: currentPassword }, 'the current password is wrong').put(path, body);
  else await api.put(path, body);
  say(`changed the password of ${user}`);
}

async function patch(name: string, changes: { disabled: boolean }, options: ServerOption): Promise<void> {
  const { api } = await openSession(options.server);
  await api.patch(`/users/${segment(name)}`, { json: changes });
  say(`${changes.disabled ? 'disabled' : 'enabled'} user ${name}`);
}

async function remove(name: string, options: ServerOption): Promise<void> {
  const { api } = await openSession(options.server);
  await api.delete(`/users/${segment(name)}`);
  say(`deleted user ${name}`);
}

async function importHtpasswd(file: string, options: JsonOption): Promise<void> {
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const { api } = await openSession(options.server);
  const result = await api.post<HtpasswdImport>('/users/import-htpasswd', { text });
  if (options.json) return printJson(result);
  const imported = result.imported ?? result.created ?? [];
  const skipped = result.skipped ?? [];
  const refused = result.refused ?? [];
  say(`imported ${imported.length} user${imported.length === 1 ? '' : 's'}${imported.length > 0 ? `: ${imported.join(', ')}` : ''}`);
  for (const entry of skipped) say(`skipped ${entry.username ?? entry.name ?? `line ${entry.line}`}: ${entry.reason}`);
  for (const entry of refused) say(`refused line ${entry.line}: ${entry.reason}`);
  if (refused.length > 0) note('Refused lines were not imported; fix them and import the file again (imported users are skipped).');
}

/** Registers `berth user …`. */
export function registerUsers(program: Command): void {
  const user = program.command('user').description('manage user accounts').exitOverride();
  withServerOption(user.command('list').description('list users')).option('--json', 'print JSON').action(list);
  withServerOption(user.command('create').description('create a user (the password is asked for, or read from stdin)'))
    .argument('<name>', 'the user name')
    .option('--admin', 'make the user an administrator')
    .option('--email <address>', 'the e-mail address')
    .option('--password-stdin', 'read the password from stdin (also read from stdin when it is a pipe)')
    .action(create);
  registerResetPassword(user);
  withServerOption(user.command('passwd').description("change a password (yours by default; an admin may change anyone's)"))
    .argument('[name]', 'the user (default: you)')
    .option('--password-stdin', 'read the new password from stdin (for your own account: the current password, then the new one, on two lines)')
    .action(passwd);
  withServerOption(user.command('disable').description('disable a user: logins and tokens stop working'))
    .argument('<name>', 'the user name')
    .action((name: string, options: ServerOption) => patch(name, { disabled: true }, options));
  withServerOption(user.command('enable').description('enable a disabled user'))
    .argument('<name>', 'the user name')
    .action((name: string, options: ServerOption) => patch(name, { disabled: false }, options));
  withServerOption(user.command('delete').description('delete a user, with their tokens and memberships'))
    .argument('<name>', 'the user name')
    .action(remove);
  withServerOption(user.command('import-htpasswd').description('import users from an htpasswd file (bcrypt entries)'))
    .argument('<file>', "the htpasswd file ('-' for stdin)")
    .option('--json', 'print JSON')
    .action(importHtpasswd);
}
