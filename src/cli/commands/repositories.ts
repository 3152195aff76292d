/** `berth repo list|delete`: the repositories one may see, and deleting one whole. */
import type { Command } from 'commander';
import { segment } from '../api-client.js';
import { printJson, printTable, say } from '../output.js';
import { openSession, withServerOption, type ServerOption } from '../stored-login.js';

type Repository = { name: string; namespace: string };
type RepositoryPage = { repositories: Repository[]; next: string | null };
type Deleted = { repository: string; tags: number; manifests: number; blobs: number };

async function list(options: ServerOption & { namespace?: string; json?: boolean }): Promise<void> {
  const { api } = await openSession(options.server);
  const repositories: Repository[] = [];
  let last: string | null = null;
  // Every page: the list is for a person (or a script with --json), not a paged view.
  do {
    const query = new URLSearchParams({ n: '1000', ...(options.namespace ? { namespace: options.namespace } : {}), ...(last ? { last } : {}) });
    const page: RepositoryPage = await api.get<RepositoryPage>(`/repositories?${query}`);
    repositories.push(...page.repositories);
    last = page.next;
  } while (last !== null);
  if (options.json) return printJson(repositories);
  printTable(repositories, [{ heading: 'REPOSITORY', value: (r) => r.name }, { heading: 'NAMESPACE', value: (r) => r.namespace }], 'no repositories');
}

async function remove(name: string, options: ServerOption): Promise<void> {
  const { api } = await openSession(options.server);
  const deleted = await api.delete<Deleted>(`/repositories/${segment(name)}`);
  say(`deleted repository ${name}: ${deleted.tags} tag(s), ${deleted.manifests} manifest(s), ${deleted.blobs} blob link(s); garbage collection reclaims the bytes`);
}

/** Registers `berth repo list` and `berth repo delete` under `berth repo`. */
export function registerRepositoryCommands(repo: Command): void {
  withServerOption(repo.command('list').description('list the repositories you may pull (admins: all)'))
    .option('--namespace <namespace>', "only this namespace's repositories")
    .option('--json', 'print JSON')
    .action(list);
  withServerOption(repo.command('delete').description('delete a repository: its tags, manifests and blob links (owners of its namespace and admins)'))
    .argument('<repository>', 'the repository, e.g. team/app')
    .action(remove);
}
