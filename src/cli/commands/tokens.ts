/** `berth token …`: personal access tokens, yours or (as an admin, with --user) anyone's. */
import type { Command } from 'commander';
import { segment } from '../api-client.js';
import { itemsOf, type CreatedCredential, type Credential, type Grant } from '../api-types.js';
import { collectGrant, positiveInteger } from '../option-parsers.js';
import { note, say } from '../output.js';
import { forgetLogin, openSession, withServerOption, type ServerOption } from '../stored-login.js';
import { printCreated, printCredentials } from './credential-output.js';

type UserOption = ServerOption & { user?: string };

function tokensPath(user: string): string {
  return `/users/${segment(user)}/tokens`;
}

async function list(options: UserOption & { json?: boolean }): Promise<void> {
  const { login, api } = await openSession(options.server);
  const user = options.user ?? login.username;
  const tokens = itemsOf<Credential>(await api.get(tokensPath(user)), 'tokens');
  const mine = (t: Credential): boolean => user === login.username && t.id === login.tokenId;
  printCredentials(tokens, [{ heading: 'NAME', value: (t) => (mine(t) ? `${t.name} (this login)` : t.name) }], `no tokens for ${user}`, options.json);
}

interface CreateOptions extends UserOption {
  grant?: Grant[];
  expiresInDays?: number;
  json?: boolean;
}

async function create(name: string, options: CreateOptions): Promise<void> {
  const { login, api } = await openSession(options.server);
  const user = options.user ?? login.username;
  const body = { name, ...(options.grant ? { grants: options.grant } : {}), ...(options.expiresInDays ? { expiresInDays: options.expiresInDays } : {}) };
  printCreated('token', await api.post<CreatedCredential>(tokensPath(user), { json: body }), options.json);
  if (!options.grant) note(`Without --grant the token may pull, push and delete wherever ${user} may.`);
}

async function revoke(id: string, options: UserOption): Promise<void> {
  const { login, api } = await openSession(options.server);
  const user = options.user ?? login.username;
  await api.delete(`${tokensPath(user)}/${segment(id)}`);
  say(`revoked token ${id}`);
  if (user === login.username && id === login.tokenId) {
    await forgetLogin(login.url);
    note(`That was this login's own token: logged out of ${login.url}.`);
  }
}

/** Registers `berth token …`. */
export function registerTokens(program: Command): void {
  const token = program.command('token').description('manage personal access tokens').exitOverride();
  const userOption = (command: Command): Command => withServerOption(command).option('--user <name>', "another user's tokens (admins only)");
  userOption(token.command('list').description('list your tokens')).option('--json', 'print JSON').action(list);
  userOption(token.command('create').description('create a token; its secret is printed once'))
    .argument('<name>', 'a name saying what the token is for')
    .option('--grant <repository:actions>', "limit it, e.g. 'team/app:pull' (repeatable; default: all you may do)", collectGrant)
    .option('--expires-in-days <n>', 'expire after this many days (default: never)', positiveInteger)
    .option('--json', 'print JSON (secret included)')
    .action(create);
  userOption(token.command('revoke').description('revoke a token: it stops working'))
    .argument('<id>', 'the token id (see `berth token list`)')
    .action(revoke);
}
