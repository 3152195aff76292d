import { Command } from 'commander';
import { ConfigError } from '../config/index.js';
import { registerConfigDocs } from './config-docs.js';
import { registerErrorsDocs } from './errors-docs.js';
import { registerServe } from './serve.js';

const program = new Command();
program.name('berth').description('Berth: an OCI container registry').version('0.1.0');
registerServe(program);
registerConfigDocs(program);
registerErrorsDocs(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`berth: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`berth: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
