import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runResult, tempFolder, type RunResult } from './run.js';

/** A containerd daemon of the test's own, in a temp folder. */
export interface Containerd {
  /** The gRPC socket, for `ctr --address`. */
  address: string;
  folder: string;
  /** Everything the daemon printed so far. */
  log(): string;
  /** `ctr --address <socket> <args>`, returning its output whatever the exit code. */
  ctr(args: string[], timeout?: number): Promise<RunResult>;
  /** SIGTERM, then SIGKILL after 10 s; removes the folder. */
  stop(): Promise<void>;
}

// Plugins that need the host (CRI and its networking, other snapshotters' kernel features) or
// the network (tracing export). The native snapshotter stays: it needs nothing.
const DISABLED_PLUGINS = [
  'io.containerd.grpc.v1.cri',
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.snapshotter.v1.zfs',
  'io.containerd.tracing.processor.v1.otlp',
  'io.containerd.internal.v1.tracing',
  'io.containerd.internal.v1.opt',
];

/** Starts `containerd` with a config this writes (root, state and sockets in a temp folder); resolves once ctr reaches it. */
export async function startContainerd(): Promise<Containerd> {
  const folder = await tempFolder('containerd');
  const address = join(folder.path, 'containerd.sock');
  const config = [
    'version = 2',
    `root = ${JSON.stringify(join(folder.path, 'root'))}`,
    `state = ${JSON.stringify(join(folder.path, 'state'))}`,
    `disabled_plugins = ${JSON.stringify(DISABLED_PLUGINS)}`,
    '[grpc]',
    `  address = ${JSON.stringify(address)}`,
    '[ttrpc]',
    `  address = ${JSON.stringify(`${address}.ttrpc`)}`,
    '[debug]',
    '  address = ""',
    '[metrics]',
    '  address = ""',
    '',
  ].join('\n');
  const configPath = join(folder.path, 'config.toml');
  await writeFile(configPath, config);

  const child = spawn('containerd', ['--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  let exitedWith: number | string | undefined;
  const exited = new Promise<void>((done) =>
    child.once('exit', (code, signal) => {
      exitedWith = code ?? signal ?? 'unknown';
      done();
    }),
  );
  child.once('error', (error) => (text += `\nspawn error: ${error.message}`));

  const ctr = (args: string[], timeout = 90_000) => runResult('ctr', ['--address', address, ...args], { timeout });
  const stop = async () => {
    if (exitedWith === undefined) {
      child.kill('SIGTERM');
      const killed = await Promise.race([exited.then(() => true), sleep(10_000, false, { ref: false })]);
      if (!killed) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    await rm(folder.path, { recursive: true, force: true, maxRetries: 3 });
  };

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exitedWith !== undefined) {
      await folder.remove();
      throw new Error(`containerd exited with ${exitedWith} before answering:\n${text}`);
    }
    if ((await ctr(['--connect-timeout', '1s', 'version'], 5_000)).code === 0) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`containerd did not answer on ${address} within 20 s:\n${text}`);
    }
    await sleep(100);
  }
  return { address, folder: folder.path, log: () => text, ctr, stop };
}

/** `ctr` against the daemon; throws with its output and the daemon's log tail unless it exits 0. */
export async function ctrOk(daemon: Containerd, args: string[]): Promise<string> {
  const result = await daemon.ctr(args);
  if (result.code !== 0) throw new Error(`ctr ${args.join(' ')} exited with ${result.code}\n${result.stdout}\n${result.stderr}\n--- containerd log (tail)\n${daemon.log().slice(-4000)}`);
  return result.stdout;
}

/** The digest `ctr images ls` shows for a reference (undefined when it lists none). */
export async function imageDigest(daemon: Containerd, reference: string): Promise<string | undefined> {
  const line = (await ctrOk(daemon, ['images', 'ls'])).split('\n').find((l) => l.split(/\s+/)[0] === reference);
  return line?.split(/\s+/)[2];
}
