import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/index.js';
import { CliError } from './cli-error.js';
import { registerAudit } from './commands/audit.js';
import { registerGc } from './commands/gc.js';
import { registerImmutable } from './commands/immutable.js';
import { registerEvents } from './commands/events.js';
import { registerJobs } from './commands/jobs.js';
import { registerCiTokens } from '../extensions/ci-tokens/cli.js';
import { registerLifecycle } from '../extensions/lifecycle/cli.js';
import { registerLineage } from '../extensions/lineage/cli.js';
import { registerTriggers, registerWebhooks } from '../extensions/webhooks/cli.js';
import { registerLogin } from './commands/login.js';
import { registerMembers } from './commands/members.js';
import { registerNamespaces } from './commands/namespaces.js';
import { registerReadOnly } from './commands/read-only.js';
import { registerRobots } from './commands/robots.js';
import { registerTags } from './commands/tags.js';
import { registerTokens } from './commands/tokens.js';
import { registerUsers } from './commands/users.js';
import { registerConfigDocs } from './config-docs.js';
import { registerErrorsDocs } from './errors-docs.js';
import { registerServe } from './serve.js';

const program = new Command();
program.name('berth').description('Berth: an OCI container registry').version('0.1.0');
registerServe(program);
registerConfigDocs(program);
registerErrorsDocs(program);
registerLogin(program);
registerUsers(program);
registerNamespaces(program);
registerMembers(program);
registerRobots(program);
registerTokens(program);
registerAudit(program);
registerGc(program);
registerJobs(program);
registerEvents(program);
registerWebhooks(program);
registerTriggers(program);
registerLineage(program);
registerTags(program);
registerImmutable(program);
registerReadOnly(program);
registerLifecycle(program);
registerCiTokens(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`berth: ${error.message}\n`);
    process.exit(2);
  }
  if (error instanceof CliError) {
    process.stderr.write(`berth: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  // Thrown by commands with exitOverride(); commander already printed the usage error or the help.
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  process.stderr.write(`berth: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
