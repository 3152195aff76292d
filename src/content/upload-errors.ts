/** The refusals of UploadService, each in the spec's words. */
import { RegistryError } from '../errors/index.js';
import type { SessionRefusal, UploadRecord } from '../metadata/metadata-store.js';

/** 416 with Range: the chunk doesn't start where the session stands. */
export function outOfOrder(upload: UploadRecord, reason: string): RegistryError {
  // distribution-spec: out-of-order chunks get 416; Range tells the client where to resume.
  return new RegistryError('CHUNK_OUT_OF_ORDER', {
    detail: { reason, offset: upload.offset },
    headers: { Range: `0-${Math.max(upload.offset - 1, 0)}`, 'Docker-Upload-UUID': upload.id },
  });
}

/**
 * 429 TOOMANYREQUESTS: the condition clears by itself as sessions complete, are cancelled or
 * expire (gc.uploadTtlSeconds), which is what 429 tells a client; DENIED would say it lacks rights.
 */
export function tooManySessions(refusal: SessionRefusal, namespace: string, openedBy: string | undefined): RegistryError {
  const holder = refusal.of === 'namespace' ? `namespace ${namespace}` : (openedBy ?? 'this principal');
  const setting = refusal.of === 'namespace' ? 'uploads.maxSessionsPerNamespace' : 'uploads.maxSessionsPerPrincipal';
  const reason = `${holder} has ${refusal.open} unfinished upload sessions, the most allowed (${setting}); finish or cancel some first`;
  return new RegistryError('TOOMANYREQUESTS', { message: reason, detail: { reason, limit: refusal.limit, open: refusal.open } });
}

export function longerThanBlob(size: number): RegistryError {
  return new RegistryError('SIZE_INVALID', { detail: { reason: `the upload is longer than the blob its digest names (${size} bytes)` } });
}

export function sizeMismatch(expected: number, received: number, direction: 'more' | 'fewer'): RegistryError {
  return new RegistryError('SIZE_INVALID', {
    detail: { reason: `the body has ${direction} bytes than announced`, expected, received: direction === 'more' ? `>${expected}` : received },
  });
}
