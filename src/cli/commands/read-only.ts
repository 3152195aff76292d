/** `berth read-only on|off|status`: maintenance mode, refusing registry writes on every node. */
import type { Command } from 'commander';
import { note, printFields, printJson, say, when } from '../output.js';
import { openSession, withServerOption, type ServerOption } from '../stored-login.js';

/** GET/PUT /api/v1/read-only */
interface ReadOnlyState {
  enabled: boolean;
  reason: string;
  updatedBy?: string;
  updatedAt?: string;
}

async function set(enabled: boolean, options: ServerOption & { reason?: string }): Promise<void> {
  const { api } = await openSession(options.server);
  const state = await api.put<ReadOnlyState>('/read-only', { json: { enabled, ...(options.reason === undefined ? {} : { reason: options.reason }) } });
  say(state.enabled ? `the registry is read-only${state.reason ? ` (${state.reason})` : ''}: pushes and deletes are refused` : 'the registry accepts writes again');
  // Other nodes read the switch from the database at most a second later.
  note('every node follows within a second');
}

async function status(options: ServerOption & { json?: boolean }): Promise<void> {
  const { api } = await openSession(options.server);
  const state = await api.get<ReadOnlyState>('/read-only');
  if (options.json) return printJson(state);
  printFields([
    ['read-only', state.enabled ? 'on' : 'off'],
    ...(state.enabled ? ([['reason', state.reason || '-']] as [string, string][]) : []),
    ['changed by', state.updatedBy ?? '-'],
    ['changed', when(state.updatedAt)],
  ]);
}

/** Registers `berth read-only …`. */
export function registerReadOnly(program: Command): void {
  const readOnly = program.command('read-only').description('maintenance mode: refuse pushes and deletes, keep serving pulls').exitOverride();
  withServerOption(readOnly.command('on').description('refuse registry writes (405) until turned off'))
    .option('--reason <text>', 'why, shown to clients whose writes are refused')
    .action((options: ServerOption & { reason?: string }) => set(true, options));
  withServerOption(readOnly.command('off').description('accept registry writes again')).action((options: ServerOption) => set(false, options));
  withServerOption(readOnly.command('status').description('show whether read-only mode is on'))
    .option('--json', 'print JSON')
    .action(status);
}
