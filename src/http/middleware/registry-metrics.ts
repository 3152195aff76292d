/**
 * What the registry holds and does, for /metrics beside the HTTP metrics: storage totals (read
 * from the metadata store on scrape, cached so a scrape stays cheap), GC runs and the bytes they
 * reclaimed, pushes and pulls by namespace (a bounded label set) and failed logins by reason.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { StorageTotals } from '../../operations/records.js';

/** The label of namespaces past the first `namespaceLabels` seen. */
export const OTHER_NAMESPACE = 'other';

/** Why a login failed, as the counter labels it. */
export type LoginFailureReason = 'bad_credentials' | 'throttled';

/** Settings of {@link RegistryMetrics}. */
export interface RegistryMetricsOptions {
  /** Reads the storage totals (UsageStore.totals). */
  totals: () => Promise<StorageTotals>;
  /** The namespace a repository belongs to (AccessControl.namespaceOf). */
  namespaceOf: (repository: string) => string;
  /** At most this many namespace label values; later namespaces count as "other". */
  namespaceLabels: number;
  /** How long a read of the totals is reused. */
  cacheMs: number;
}

/** The registry-level metrics, on the server's metrics registry. */
export class RegistryMetrics {
  private readonly namespaces = new Set<string>();
  private cached: { totals: StorageTotals; until: number } | undefined;
  private loading: Promise<StorageTotals> | undefined;
  private readonly gcRuns: Counter;
  private readonly gcBytes: Counter;
  private readonly actions: Counter<'action' | 'namespace'>;
  private readonly loginFailures: Counter<'reason'>;

  constructor(
    registry: Registry,
    private readonly options: RegistryMetricsOptions,
  ) {
    const registers = [registry];
    const totals = (): Promise<StorageTotals> => this.totals();
    new Gauge({ name: 'berth_storage_bytes', help: 'Bytes of the committed blobs, each counted once (manifests not included).', registers, async collect() { this.set((await totals()).blobBytes); } });
    new Gauge({ name: 'berth_blobs', help: 'Committed blobs.', registers, async collect() { this.set((await totals()).blobs); } });
    new Gauge({ name: 'berth_manifests', help: 'Manifests, counted per repository.', registers, async collect() { this.set((await totals()).manifests); } });
    this.gcRuns = new Counter({ name: 'berth_gc_runs_total', help: 'Garbage collection runs that deleted (dry runs not counted).', registers });
    this.gcBytes = new Counter({ name: 'berth_gc_reclaimed_bytes_total', help: 'Bytes garbage collection reclaimed.', registers });
    this.actions = new Counter({ name: 'berth_registry_actions_total', help: `Manifest pushes and pulls by namespace (past the first ${options.namespaceLabels} namespaces: "${OTHER_NAMESPACE}").`, labelNames: ['action', 'namespace'] as const, registers });
    this.loginFailures = new Counter({ name: 'berth_login_failures_total', help: 'Failed password logins by reason.', labelNames: ['reason'] as const, registers });
  }

  /** A GC run that deleted finished, reclaiming `bytesReclaimed`. */
  gcFinished(report: { dryRun: boolean; bytesReclaimed: number }): void {
    if (report.dryRun) return;
    this.gcRuns.inc();
    this.gcBytes.inc(report.bytesReclaimed);
  }

  /** A manifest push or pull in `repository`. */
  action(action: 'push' | 'pull', repository: string): void {
    this.actions.inc({ action, namespace: this.namespaceLabel(this.options.namespaceOf(repository)) });
  }

  /** A password login failed. */
  loginFailed(reason: LoginFailureReason): void {
    this.loginFailures.inc({ reason });
  }

  private namespaceLabel(namespace: string): string {
    if (this.namespaces.has(namespace)) return namespace;
    if (this.namespaces.size >= this.options.namespaceLabels) return OTHER_NAMESPACE;
    this.namespaces.add(namespace);
    return namespace;
  }

  private async totals(): Promise<StorageTotals> {
    if (this.cached && this.cached.until > Date.now()) return this.cached.totals;
    // Concurrent scrapes share one read.
    this.loading ??= this.options.totals().then(
      (totals) => {
        this.cached = { totals, until: Date.now() + this.options.cacheMs };
        this.loading = undefined;
        return totals;
      },
      (error: unknown) => {
        this.loading = undefined;
        throw error;
      },
    );
    return this.loading;
  }
}
