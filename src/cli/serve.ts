import type { Command } from 'commander';
import { pino } from 'pino';
import { loadConfig } from '../extensions/settings.js';
import { CliError } from './cli-error.js';

/** Splits HOST:PORT (IPv6 in brackets) for listen(). */
function splitListen(listen: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen);
  return { host: match?.[1] ?? (match?.[2] || '0.0.0.0'), port: Number(match?.[3]) };
}

/** `berth serve`: runs the registry until SIGTERM/SIGINT, then shuts down gracefully. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the registry')
    .option('--listen <host:port>', 'address to listen on (default 0.0.0.0:5000)')
    .option('--data <dir>', 'folder for the embedded database and blob files (default ./data)')
    .option('--metadata-url <url>', 'metadata database: sqlite:<file> or postgres://… (as BERTH_METADATA_URL; default sqlite:<data>/berth.db)')
    .option('--config <file>', 'YAML configuration file')
    .option('--tls-cert <file>', 'PEM certificate: serve HTTPS (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .action(async (options: { listen?: string; data?: string; metadataUrl?: string; config?: string; tlsCert?: string; tlsKey?: string }) => {
      const flags = { listen: options.listen, data: options.data, 'metadata.url': options.metadataUrl, 'tls.cert': options.tlsCert, 'tls.key': options.tlsKey };
      const config = loadConfig({ ...(options.config ? { file: options.config } : {}), flags });
      const logger = pino({ level: config.log.level });
      // Loaded here, not at the top: every other command (login, user, audit …) starts faster
      // without the server, the stores and their libraries.
      const { createBerth } = await import('../app.js');
      const { StorageBindingError } = await import('../content/storage-binding.js');
      const { KeyEncryptionError } = await import('../auth/key-encryption.js');
      const berth = await createBerth(config, logger).catch((error: unknown) => {
        // Refusals that need the operator, not a bug: one line saying what to fix.
        throw error instanceof StorageBindingError || error instanceof KeyEncryptionError ? new CliError(error.message, { cause: error }) : error;
      });
      const { host, port } = splitListen(config.listen);
      // Fastify logs a line per network interface when bound to 0.0.0.0; Berth logs one line.
      const level = logger.level;
      if (logger.isLevelEnabled('info')) logger.level = 'warn';
      let address: string;
      try {
        address = await berth.server.listen({ host, port });
      } catch (error) {
        // A busy port is a user's mistake, not a crash: one line naming the address, no stack.
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
        await berth.close();
        throw new CliError(`cannot listen on ${config.listen}: the address is already in use (EADDRINUSE); stop what listens there or choose another address with --listen or BERTH_LISTEN`);
      } finally {
        logger.level = level;
      }
      if (berth.bootstrap.created && berth.bootstrap.generatedPassword !== undefined) {
        // Printed once, on the terminal rather than in the JSON logs a log shipper would keep.
        process.stderr.write(`\nberth: created the account "admin" with the password:\n\n    ${berth.bootstrap.generatedPassword}\n\nIt is not shown again. Log in with: berth login ${address} -u admin\n\n`);
      }
      const { metadata, storage } = berth.locations;
      logger.info({ address, listen: config.listen, metadata, storage }, `berth listening on ${address} (bound to ${config.listen}), data in ${storage} and ${metadata}`);

      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal, graceSeconds: config.shutdown.graceSeconds }, 'shutting down: finishing running requests');
        // Past the grace period, running requests (uploads) are cut; their sessions stay resumable.
        const timer = setTimeout(() => berth.server.server.closeAllConnections(), config.shutdown.graceSeconds * 1000);
        timer.unref();
        berth.close().then(
          () => {
            logger.info('stopped');
            process.exitCode = 0;
          },
          (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exitCode = 1;
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
}
