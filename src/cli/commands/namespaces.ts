/** `berth namespace …` and `berth repo visibility` (and, from repositories.ts, `repo list|delete`): namespaces, their access rules, repository visibility. */
import { Argument, type Command } from 'commander';
import { segment } from '../api-client.js';
import { formatBytes } from '../../content/quotas.js';
import { itemsOf, type Member, type Namespace, type NamespaceUsage } from '../api-types.js';
import { usageError } from '../cli-error.js';
import { byteSize, cidrList } from '../option-parsers.js';
import { listCell, printFields, printJson, printTable, say, when } from '../output.js';
import { openSession, withServerOption, type ServerOption } from '../stored-login.js';
import { memberColumns } from './members.js';
import { registerRepositoryCommands } from './repositories.js';

type JsonOption = ServerOption & { json?: boolean };

/** A CIDR restriction as shown: absent or null means anyone. */
function cidrs(list: string[] | null | undefined): string {
  return list === null || list === undefined ? 'any' : listCell(list);
}

/** A quota as shown: absent or null means none. */
function quotaCell(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined ? 'none' : formatBytes(bytes);
}

async function list(options: JsonOption): Promise<void> {
  const { api } = await openSession(options.server);
  const namespaces = itemsOf<Namespace>(await api.get('/namespaces'), 'namespaces');
  if (options.json) return printJson(namespaces);
  printTable(
    namespaces,
    [
      { heading: 'NAME', value: (n) => n.name },
      { heading: 'VISIBILITY', value: (n) => n.visibility },
      { heading: 'PULL FROM', value: (n) => cidrs(n.pullCidrs) },
      { heading: 'PUSH FROM', value: (n) => cidrs(n.pushCidrs) },
      { heading: 'CREATED', value: (n) => when(n.createdAt) },
    ],
    'no namespaces',
  );
}

async function create(name: string, options: ServerOption & { public?: boolean }): Promise<void> {
  const { api } = await openSession(options.server);
  const visibility = options.public ? 'public' : 'private';
  await api.post('/namespaces', { json: { name, visibility } });
  say(`created namespace ${name} (${visibility})`);
}

async function show(name: string, options: JsonOption): Promise<void> {
  const { api } = await openSession(options.server);
  const namespace = await api.get<Namespace>(`/namespaces/${segment(name)}`);
  const members = itemsOf<Member>(await api.get(`/namespaces/${segment(name)}/members`), 'members');
  if (options.json) return printJson({ ...namespace, members });
  printFields([
    ['name', namespace.name],
    ['visibility', namespace.visibility],
    ['pull from', cidrs(namespace.pullCidrs)],
    ['push from', cidrs(namespace.pushCidrs)],
    ['quota', quotaCell(namespace.quotaBytes)],
    ['created', when(namespace.createdAt)],
  ]);
  say('');
  printTable(members, memberColumns, 'no members');
}

interface SetOptions extends ServerOption {
  public?: boolean;
  private?: boolean;
  pullCidrs?: string[] | 'none';
  pushCidrs?: string[] | 'none';
  quota?: number | 'none';
}

/** A --pull-cidrs/--push-cidrs value as the API wants it: null lifts the restriction. */
function cidrChange(value: string[] | 'none'): string[] | null {
  return value === 'none' ? null : value;
}

async function set(name: string, options: SetOptions): Promise<void> {
  if (options.public && options.private) throw usageError('--public and --private are mutually exclusive');
  const changes = {
    ...(options.public ? { visibility: 'public' } : options.private ? { visibility: 'private' } : {}),
    ...(options.pullCidrs !== undefined ? { pullCidrs: cidrChange(options.pullCidrs) } : {}),
    ...(options.pushCidrs !== undefined ? { pushCidrs: cidrChange(options.pushCidrs) } : {}),
    ...(options.quota !== undefined ? { quotaBytes: options.quota === 'none' ? null : options.quota } : {}),
  };
  if (Object.keys(changes).length === 0) throw usageError('nothing to change: give --public, --private, --pull-cidrs, --push-cidrs or --quota');
  const { api } = await openSession(options.server);
  await api.patch(`/namespaces/${segment(name)}`, { json: changes });
  say(`updated namespace ${name}`);
}

async function usage(name: string, options: JsonOption): Promise<void> {
  const { api } = await openSession(options.server);
  const report = await api.get<NamespaceUsage>(`/namespaces/${segment(name)}/usage`);
  if (options.json) return printJson(report);
  const share = report.quotaBytes ? ` (${((100 * report.usedBytes) / report.quotaBytes).toFixed(1)}%)` : '';
  printFields([
    ['namespace', report.namespace],
    ['used', `${formatBytes(report.usedBytes)}${share}`],
    ['quota', quotaCell(report.quotaBytes)],
  ]);
  say('');
  printTable(report.repositories, [{ heading: 'REPOSITORY', value: (r) => r.repository }, { heading: 'SIZE', value: (r) => formatBytes(r.bytes) }], 'no repositories');
}

async function remove(name: string, options: ServerOption & { deleteRepositories?: boolean }): Promise<void> {
  const { api } = await openSession(options.server);
  await api.delete(`/namespaces/${segment(name)}${options.deleteRepositories ? '?deleteRepositories=true' : ''}`);
  say(`deleted namespace ${name}${options.deleteRepositories ? ' and its repositories' : ''}`);
}

const VISIBILITIES = ['public', 'private', 'inherit'];

async function repositoryVisibility(repository: string, visibility: string, options: ServerOption): Promise<void> {
  const { api } = await openSession(options.server);
  // Inheriting is the absence of a visibility of its own: null, as PATCH clears CIDR lists.
  await api.put('/repository-visibility', { json: { repository, visibility: visibility === 'inherit' ? null : visibility } });
  say(visibility === 'inherit' ? `${repository} now inherits its namespace's visibility` : `${repository} is now ${visibility}`);
}

/** Registers `berth namespace …` and `berth repo visibility`. */
export function registerNamespaces(program: Command): void {
  const namespace = program.command('namespace').alias('ns').description('manage namespaces').exitOverride();
  withServerOption(namespace.command('list').description('list namespaces')).option('--json', 'print JSON').action(list);
  withServerOption(namespace.command('create').description('create a namespace (private unless --public)'))
    .argument('<name>', 'the namespace')
    .option('--public', 'anyone may pull from it')
    .action(create);
  withServerOption(namespace.command('show').description('show a namespace and its members'))
    .argument('<name>', 'the namespace')
    .option('--json', 'print JSON')
    .action(show);
  withServerOption(namespace.command('set').description("change a namespace's visibility, network restrictions or storage quota"))
    .argument('<name>', 'the namespace')
    .option('--public', 'anyone may pull from it')
    .option('--private', 'only members may pull from it')
    .option('--pull-cidrs <cidrs>', "pull only from these networks (a,b), or 'none' to lift the restriction", cidrList)
    .option('--push-cidrs <cidrs>', "push only from these networks (a,b), or 'none' to lift the restriction", cidrList)
    .option('--quota <size>', "storage quota in unique blob bytes (10GiB, 500MiB; admins only), or 'none'", byteSize)
    .action(set);
  withServerOption(namespace.command('usage').description("show a namespace's storage usage, in total and per repository"))
    .argument('<name>', 'the namespace')
    .option('--json', 'print JSON')
    .action(usage);
  withServerOption(namespace.command('delete').description('delete a namespace and its memberships (refused while it holds repositories)'))
    .argument('<name>', 'the namespace')
    .option('--delete-repositories', 'delete its repositories too (garbage collection reclaims the bytes)')
    .action(remove);

  const repo = program.command('repo').description('manage repositories').exitOverride();
  withServerOption(repo.command('visibility').description("set a repository's own visibility, or let it inherit its namespace's"))
    .argument('<repository>', 'the repository, e.g. team/app')
    .addArgument(new Argument('<visibility>', 'its own visibility, or inherit the namespace\'s').choices(VISIBILITIES))
    .action(repositoryVisibility);
  registerRepositoryCommands(repo);
}
