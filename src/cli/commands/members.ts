/** `berth member …`: who may do what in a namespace (users and groups with a role). */
import { Argument, type Command } from 'commander';
import { segment } from '../api-client.js';
import { itemsOf, type Member } from '../api-types.js';
import { parseMember } from '../option-parsers.js';
import { printJson, printTable, say, type Column } from '../output.js';
import { openSession, withServerOption, type ServerOption } from '../stored-login.js';

/** The member table's columns (also under `berth namespace show`). */
export const memberColumns: Column<Member>[] = [
  { heading: 'KIND', value: (m) => m.kind },
  { heading: 'NAME', value: (m) => m.name },
  { heading: 'ROLE', value: (m) => m.role },
];

/** The roles a member may have (auth/roles.ts says what each may do). */
const ROLES = ['owner', 'maintainer', 'developer', 'reader'];

type ParsedMember = ReturnType<typeof parseMember>;

function memberPath(namespace: string, member: ParsedMember): string {
  return `/namespaces/${segment(namespace)}/members/${member.kind}/${segment(member.name)}`;
}

async function list(namespace: string, options: ServerOption & { json?: boolean }): Promise<void> {
  const { api } = await openSession(options.server);
  const members = itemsOf<Member>(await api.get(`/namespaces/${segment(namespace)}/members`), 'members');
  if (options.json) return printJson(members);
  printTable(members, memberColumns, `no members in ${namespace}`);
}

async function add(namespace: string, member: ParsedMember, role: string, options: ServerOption): Promise<void> {
  const { api } = await openSession(options.server);
  await api.put(memberPath(namespace, member), { json: { role } });
  say(`${member.kind} ${member.name} is now ${role} of ${namespace}`);
}

async function remove(namespace: string, member: ParsedMember, options: ServerOption): Promise<void> {
  const { api } = await openSession(options.server);
  await api.delete(memberPath(namespace, member));
  say(`removed ${member.kind} ${member.name} from ${namespace}`);
}

/** Registers `berth member …`. */
export function registerMembers(program: Command): void {
  const member = program.command('member').description('manage namespace members').exitOverride();
  withServerOption(member.command('list').description("list a namespace's members"))
    .argument('<namespace>', 'the namespace')
    .option('--json', 'print JSON')
    .action(list);
  withServerOption(member.command('add').description('add a member, or change its role'))
    .argument('<namespace>', 'the namespace')
    .argument('<member>', 'a user (NAME or user:NAME) or a group (group:NAME)', parseMember)
    .addArgument(new Argument('<role>', 'the role').choices(ROLES))
    .action(add);
  withServerOption(member.command('remove').description('remove a member'))
    .argument('<namespace>', 'the namespace')
    .argument('<member>', 'a user (NAME or user:NAME) or a group (group:NAME)', parseMember)
    .action(remove);
}
