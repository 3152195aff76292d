import { CopyObjectCommand, UploadPartCopyCommand, type CompletedPart } from '@aws-sdk/client-s3';
import type { ObjectInfo, S3Bucket } from './s3-bucket.js';

/** Part copies a copy runs at once: the store does the work, so a few are plenty. */
const COPIES_IN_FLIGHT = 4;

/** A half-open byte span [start, end). */
export interface Span {
  start: number;
  end: number;
}

/**
 * Splits bytes [0, length) into copy parts of at most maxCopySize each. A remainder shorter than
 * minTail is left out: the caller gets it another way (a part below S3's 5 MiB minimum may only
 * be an upload's last, and a resumed writer appends parts after its copies).
 */
export function copySpans(length: number, maxCopySize: number, minTail: number): Span[] {
  const spans: Span[] = [];
  for (let start = 0; length - start > 0 && length - start >= minTail; ) {
    const end = Math.min(start + maxCopySize, length);
    spans.push({ start, end });
    start = end;
  }
  return spans;
}

/**
 * Copies spans of the source object (pinned to its ETag, so a concurrent rewrite fails the copy
 * instead of mixing versions) into parts firstPart, firstPart+1, … of a multipart upload. The
 * store copies the bytes; nothing passes through this process.
 */
export async function copyParts(
  bucket: S3Bucket,
  target: { key: string; uploadId: string; firstPart: number },
  source: { key: string; etag: string | undefined },
  spans: Span[],
): Promise<CompletedPart[]> {
  const parts: CompletedPart[] = [];
  let next = 0;
  const copyNext = async (): Promise<void> => {
    for (let index = next++; index < spans.length; index = next++) {
      const span = spans[index] as Span;
      const partNumber = target.firstPart + index;
      const copied = await bucket.client.send(
        new UploadPartCopyCommand({
          Bucket: bucket.name,
          Key: target.key,
          UploadId: target.uploadId,
          PartNumber: partNumber,
          CopySource: bucket.copySource(source.key),
          CopySourceIfMatch: source.etag,
          CopySourceRange: `bytes=${span.start}-${span.end - 1}`,
        }),
      );
      const etag = copied.CopyPartResult?.ETag;
      if (etag === undefined) throw new Error(`UploadPartCopy ${partNumber} of ${target.key} answered without an ETag`);
      parts.push({ PartNumber: partNumber, ETag: etag });
    }
  };
  const worker = (): Promise<void> =>
    copyNext().catch((error: unknown) => {
      next = spans.length; // the other workers stop after their current copy
      throw error;
    });
  // Settled before returning, so that an abort after a failure comes after every part landed.
  const results = await Promise.allSettled(Array.from({ length: Math.min(COPIES_IN_FLIGHT, spans.length) }, worker));
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return parts;
}

/**
 * Copies a whole object to targetKey with the driver's write settings: one CopyObject up to
 * maxCopySize (S3 refuses larger ones), else a multipart upload of part copies.
 */
export async function copyObject(
  bucket: S3Bucket,
  source: { key: string; info: ObjectInfo },
  targetKey: string,
  maxCopySize: number,
): Promise<void> {
  const { size, etag } = source.info;
  if (size <= maxCopySize) {
    await bucket.client.send(
      new CopyObjectCommand({
        Bucket: bucket.name,
        Key: targetKey,
        CopySource: bucket.copySource(source.key),
        CopySourceIfMatch: etag,
        ...bucket.writeParams,
      }),
    );
    return;
  }
  const uploadId = await bucket.createUpload(targetKey);
  try {
    const parts = await copyParts(
      bucket,
      { key: targetKey, uploadId, firstPart: 1 },
      { key: source.key, etag },
      copySpans(size, maxCopySize, 1),
    );
    await bucket.completeUpload(targetKey, uploadId, parts);
  } catch (error) {
    // The copy's error is the one to report; an upload left behind is purgeIncompleteWrites' job.
    await bucket.abortUpload(targetKey, uploadId).catch(() => undefined);
    throw error;
  }
}
