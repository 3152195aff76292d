import { RegistryError } from '../errors/index.js';
import type { EventOrigin } from '../metadata/event-store.js';
import type { MetadataStore } from '../metadata/metadata-store.js';

/**
 * How long a node trusts its copy of the read-only switch. The node that flips it follows at
 * once; every other node within this time (one indexed row read per second per node at most).
 */
export const READ_ONLY_TTL_MS = 1000;

/** The `registry_settings` key of the switch. */
const SETTING = 'read-only';

/** The read-only switch as stored and shown. */
export interface ReadOnlyState {
  enabled: boolean;
  /** Why (shown to refused clients); empty when none was given. */
  reason: string;
  /** Who flipped it last, and when (absent until it was first set). */
  updatedBy?: string;
  updatedAt?: Date;
}

/**
 * The one write gate: every operation that changes registry content calls assertWritable first
 * (uploads, blob and manifest writes, tag rollback, immutable-tag rules, lifecycle runs, and
 * repository or namespace deletion), whether it comes through /v2, the admin API or the CLI.
 * It throws the RegistryError /v2 answers (405 UNSUPPORTED, Allow: GET, HEAD); the admin API
 * answers it as 409 CONFLICT. ReadOnlyMode is the implementation.
 */
export interface WriteGate {
  assertWritable(): Promise<void>;
}

/**
 * The refusal of a write in read-only mode: on /v2 405 UNSUPPORTED with `Allow: GET, HEAD`, as
 * Distribution's maintenance.readonly answers; its own class so the admin API can tell it apart
 * from other UNSUPPORTED errors (it answers 409 CONFLICT there).
 */
export class ReadOnlyError extends RegistryError {
  constructor(reason: string) {
    const message = `the registry is in read-only mode for maintenance${reason ? `: ${reason}` : ''}`;
    super('READ_ONLY', { message, detail: { reason: message }, headers: { Allow: 'GET, HEAD' } });
  }
}

const OFF: ReadOnlyState = { enabled: false, reason: '' };

/**
 * Read-only (maintenance) mode, switched at run time and shared by every node through the
 * metadata store. While it is on, registry writes are refused with 405 UNSUPPORTED and
 * `Allow: GET, HEAD`, as Distribution's `maintenance.readonly` answers; reads keep working.
 */
export class ReadOnlyMode implements WriteGate {
  private cached: { state: ReadOnlyState; until: number } | undefined;
  private loading: Promise<ReadOnlyState> | undefined;
  private generation = 0;

  constructor(
    private readonly store: MetadataStore,
    private readonly ttlMs = READ_ONLY_TTL_MS,
  ) {}

  /** The switch as this node knows it (at most READ_ONLY_TTL_MS old). */
  async state(): Promise<ReadOnlyState> {
    if (this.cached && this.cached.until > Date.now()) return this.cached.state;
    if (!this.loading) {
      const generation = this.generation;
      const loading = this.read().then((state) => {
        if (this.generation === generation) this.cached = { state, until: Date.now() + this.ttlMs };
        return state;
      });
      const clear = (): void => {
        if (this.loading === loading) this.loading = undefined;
      };
      loading.then(clear, clear);
      this.loading = loading;
    }
    return this.loading;
  }

  /** Turns the switch on or off; `by` names who did it. Applies on this node at once; a readonly.changed event goes with the change. */
  async set(enabled: boolean, reason: string, by: EventOrigin & { actor: string }): Promise<ReadOnlyState> {
    const value = { enabled, reason: enabled ? reason : '' };
    const record = await this.store.settings.set(SETTING, JSON.stringify(value), by.actor, { events: [{ type: 'readonly.changed', data: value }], origin: by });
    const state: ReadOnlyState = { enabled, reason: enabled ? reason : '', updatedBy: record.updatedBy, updatedAt: record.updatedAt };
    this.generation++;
    this.loading = undefined;
    this.cached = { state, until: Date.now() + this.ttlMs };
    return state;
  }

  /** Throws {@link ReadOnlyError} (405 UNSUPPORTED, Allow: GET, HEAD) while read-only mode is on. */
  async assertWritable(): Promise<void> {
    const state = await this.state();
    if (state.enabled) throw new ReadOnlyError(state.reason);
  }

  private async read(): Promise<ReadOnlyState> {
    const record = await this.store.settings.get(SETTING);
    if (!record) return OFF;
    let value: unknown;
    try {
      value = JSON.parse(record.value);
    } catch {
      // A row nobody could have written through set(): treat as off rather than lock every write.
      return OFF;
    }
    const { enabled, reason } = (typeof value === 'object' && value !== null ? value : {}) as { enabled?: unknown; reason?: unknown };
    return { enabled: enabled === true, reason: typeof reason === 'string' ? reason : '', updatedBy: record.updatedBy, updatedAt: record.updatedAt };
  }
}
