/** The registry's content services as one bundle: what the HTTP layer, the operations and extensions call. */
import type { PullEvents } from '../events/pull-events.js';
import type { BlobService } from './blobs.js';
import type { ImmutableTagRules } from './immutable-tag-rules.js';
import type { ManifestService } from './manifests.js';
import type { QuotaService } from './quotas.js';
import type { ReadOnlyMode } from './read-only-mode.js';
import type { UploadService } from './uploads.js';

/** The content services; app.ts builds them. */
export interface RegistryServices {
  uploads: UploadService;
  blobs: BlobService;
  manifests: ManifestService;
  immutableTags: ImmutableTagRules;
  readOnly: ReadOnlyMode;
  quotas: QuotaService;
  /** Pull events, batched off the request path. */
  pullEvents: PullEvents;
}

