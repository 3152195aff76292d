/**
 * Helpers for the lifecycle suites: a registry with token auth, images pushed a few
 * milliseconds apart (push time orders them), and the shapes of the lifecycle API's answers.
 */
import type { z } from 'zod';
import type { policyViewSchema, previewSchema, runReportSchema } from '../../src/extensions/lifecycle/schemas.js';
import { seedImage } from '../auth/support.js';
import { imageManifest, type Content, type ImageFixture } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';

export type PolicyViewJson = z.infer<typeof policyViewSchema>;
export type PreviewJson = z.infer<typeof previewSchema>;
export type RunReportJson = z.infer<typeof runReportSchema>;

/** An ECR rule expiring what `selection` picks. */
export function rule(rulePriority: number, selection: Record<string, unknown>, description?: string): Record<string, unknown> {
  return { rulePriority, ...(description ? { description } : {}), selection, action: { type: 'expire' } };
}

/** Waits long enough that the next push gets a later push time. */
export async function tick(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 5));
}

/** Pushes a new image (as admin) to `repository` under each tag (the first by tag, the others by digest with ?tag=). */
export async function pushTagged(registry: TestRegistry, repository: string, tags: string[], options: { subject?: Content & { mediaType?: string }; artifactType?: string } = {}): Promise<ImageFixture> {
  const image = imageManifest(options);
  const [first, ...rest] = tags;
  await seedImage(registry, repository, first ?? image.manifest.digest, image);
  for (const tag of rest) await seedImage(registry, repository, tag, image);
  await tick();
  return image;
}

/** The digests of a preview's expired images, sorted. */
export function previewedDigests(preview: PreviewJson): string[] {
  return preview.repositories.flatMap((plan) => plan.expired.map((entry) => `${plan.repository}@${entry.digest}`)).sort();
}
