/** `berth robot …`: robot accounts for CI and machines, with explicit grants (admin API /api/v1/robots). */
import type { Command } from 'commander';
import { segment } from '../api-client.js';
import { itemsOf, type CreatedCredential, type Credential, type Grant } from '../api-types.js';
import { collectGrant, positiveInteger } from '../option-parsers.js';
import { say } from '../output.js';
import { openSession, withServerOption, type ServerOption } from '../stored-login.js';
import { printCreated, printCredentials } from './credential-output.js';

async function list(options: ServerOption & { json?: boolean }): Promise<void> {
  const { api } = await openSession(options.server);
  const robots = itemsOf<Credential>(await api.get('/robots'), 'robots');
  printCredentials(
    robots,
    [
      { heading: 'LOGIN', value: (r) => r.login ?? `robot$${r.name}` },
      { heading: 'DESCRIPTION', value: (r) => r.description ?? '' },
    ],
    'no robots',
    options.json,
  );
}

interface CreateOptions extends ServerOption {
  grant: Grant[];
  namespace?: string;
  expiresInDays?: number;
  description?: string;
  json?: boolean;
}

async function create(name: string, options: CreateOptions): Promise<void> {
  const { api } = await openSession(options.server);
  const body = {
    name,
    grants: options.grant,
    ...(options.namespace ? { namespace: options.namespace } : {}),
    ...(options.description ? { description: options.description } : {}),
    ...(options.expiresInDays ? { expiresInDays: options.expiresInDays } : {}),
  };
  printCreated('robot', await api.post<CreatedCredential>('/robots', { json: body }), options.json);
}

async function revoke(id: string, options: ServerOption): Promise<void> {
  const { api } = await openSession(options.server);
  await api.delete(`/robots/${segment(id)}`);
  say(`revoked robot ${id}`);
}

/** Registers `berth robot …`. */
export function registerRobots(program: Command): void {
  const robot = program.command('robot').description('manage robot accounts').exitOverride();
  withServerOption(robot.command('list').description('list robots')).option('--json', 'print JSON').action(list);
  withServerOption(robot.command('create').description('create a robot; its secret is printed once'))
    .argument('<name>', 'the robot name (it logs in as robot$NAMESPACE+NAME, a system robot as robot$NAME)')
    .requiredOption('--grant <repository:actions>', "what it may do, e.g. 'team/*:pull,push' (repeatable)", collectGrant)
    .option('--namespace <namespace>', "the namespace it belongs to (default: the grants' one; admins: none, a system robot)")
    .option('--expires-in-days <n>', 'expire after this many days (default: never)', positiveInteger)
    .option('--description <text>', 'what the robot is for')
    .option('--json', 'print JSON (secret included)')
    .action(create);
  withServerOption(robot.command('revoke').description('revoke a robot: its secret stops working'))
    .argument('<id>', 'the robot id (see `berth robot list`)')
    .action(revoke);
}
