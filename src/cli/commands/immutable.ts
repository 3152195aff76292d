/** `berth immutable list|add|remove`: immutable-tag rules on namespaces and repositories. */
import type { Command } from 'commander';
import { printJson, printTable, say, when } from '../output.js';
import { openSession, withServerOption, type ServerOption } from '../stored-login.js';

/** A rule, as /api/v1/immutable-tag-rules answers it. */
interface ImmutableRule {
  scopeKind: 'namespace' | 'repository';
  scope: string;
  pattern: string;
  createdBy: string;
  createdAt: string;
}

interface ListOptions extends ServerOption {
  namespace?: string;
  repository?: string;
  json?: boolean;
}

interface RuleOptions extends ServerOption {
  repository?: boolean;
}

/** The rule a command names: a namespace's unless --repository. */
function ruleOf(scope: string, pattern: string, options: RuleOptions): { scopeKind: 'namespace' | 'repository'; scope: string; pattern: string } {
  return { scopeKind: options.repository ? 'repository' : 'namespace', scope, pattern };
}

async function list(options: ListOptions): Promise<void> {
  const { api } = await openSession(options.server);
  const { rules } = await api.get<{ rules: ImmutableRule[] }>('/immutable-tag-rules', { query: { namespace: options.namespace, repository: options.repository } });
  if (options.json) return printJson(rules);
  printTable(
    rules,
    [
      { heading: 'SCOPE', value: (r) => r.scopeKind },
      { heading: 'NAME', value: (r) => r.scope },
      { heading: 'PATTERN', value: (r) => r.pattern },
      { heading: 'CREATED BY', value: (r) => r.createdBy },
      { heading: 'CREATED', value: (r) => when(r.createdAt) },
    ],
    'no immutable-tag rules',
  );
}

async function add(scope: string, pattern: string, options: RuleOptions): Promise<void> {
  const { api } = await openSession(options.server);
  const rule = ruleOf(scope, pattern, options);
  await api.post('/immutable-tag-rules', { json: rule });
  say(`tags matching ${pattern} in ${rule.scopeKind} ${scope} are now immutable`);
}

async function remove(scope: string, pattern: string, options: RuleOptions): Promise<void> {
  const { api } = await openSession(options.server);
  const rule = ruleOf(scope, pattern, options);
  await api.delete('/immutable-tag-rules', { query: rule });
  say(`removed the rule ${pattern} on ${rule.scopeKind} ${scope}`);
}

/** Registers `berth immutable …`. */
export function registerImmutable(program: Command): void {
  const immutable = program.command('immutable').description('immutable-tag rules: matching tags can be pushed once and never moved or deleted').exitOverride();
  withServerOption(immutable.command('list').description('list the rules you may see'))
    .option('--namespace <name>', "only this namespace's rules and its repositories'")
    .option('--repository <name>', 'only the rules that protect this repository')
    .option('--json', 'print JSON')
    .action(list);
  withServerOption(immutable.command('add').description("make a namespace's (or with --repository a repository's) tags matching a pattern immutable"))
    .argument('<scope>', 'the namespace, or the repository with --repository')
    .argument('<pattern>', "'*' for every tag, or a glob such as 'v*' or 'release-*' (quote it in the shell)")
    .option('--repository', 'the scope is a repository, not a namespace')
    .action(add);
  withServerOption(immutable.command('remove').description('remove a rule'))
    .argument('<scope>', 'the namespace, or the repository with --repository')
    .argument('<pattern>', 'the rule\'s pattern, exactly as added')
    .option('--repository', 'the scope is a repository, not a namespace')
    .action(remove);
}
