import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

// USER_HZ, the unit of /proc/<pid>/stat's times: 100 on every Linux architecture Node runs on.
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; utime and stime are fields 14 and 15, counted
  // from the ")" that ends it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Busy and total CPU time of the whole machine so far (seconds summed over cores), from /proc/stat. */
export async function machineCpu(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0] ?? '';
  // cpu  user nice system idle iowait irq softirq steal …: idle and iowait are the not-busy ones.
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
}

/**
 * Runs `task` and says where the CPU went meanwhile: cores the given processes kept busy, and
 * cores the whole machine kept busy (out of cpus().length), both averaged over the task's time.
 */
export async function cpuDuring<T>(pids: number[], task: () => Promise<T>): Promise<{ result: T; seconds: number; processCores: number; machineCores: number }> {
  const before = await Promise.all(pids.map(cpuSeconds));
  const machineBefore = await machineCpu();
  const started = performance.now();
  const result = await task();
  const seconds = (performance.now() - started) / 1000;
  const after = await Promise.all(pids.map(cpuSeconds));
  const machineAfter = await machineCpu();
  const used = after.reduce((sum, value, i) => sum + value - (before[i] ?? 0), 0);
  return { result, seconds, processCores: used / seconds, machineCores: (machineAfter.busy - machineBefore.busy) / seconds };
}
