/** The lineage admin routes: what an image is built on, and what is built on it. */
import { z } from 'zod';
import { routesFor } from '../admin-route.js';
import type { Lineage } from './lineage.js';

const route = routesFor<{ extension: Lineage }>();

const imageQuery = z.object({
  repository: z.string().describe('The repository, e.g. team/app'),
  reference: z.string().describe('A tag or a digest'),
});

const storedImage = z.object({ repository: z.string(), digest: z.string(), tags: z.array(z.string()) });

const baseSchema = z.union([
  z.object({
    source: z.literal('annotation').describe('Named by the image\'s org.opencontainers.image.base.name / .base.digest annotations'),
    name: z.string().optional(),
    digest: z.string().optional(),
    repository: z.string().optional().describe('The name\'s repository path without its registry host'),
    tag: z.string().optional(),
    stored: storedImage.optional().describe('The named image, when this registry holds it'),
    moved: z.boolean().optional().describe('The annotated tag points at another digest now: the base moved since the build'),
  }),
  z.object({
    source: z.literal('layers').describe('Inferred: the stored image whose layer stack is the longest proper prefix of this one\'s'),
    repository: z.string(),
    digest: z.string().describe("The base's manifest (a platform's, when the base is an index)"),
    image: z.string().describe('The image a user knows it by: the digest itself or its index'),
    tags: z.array(z.string()),
    layers: z.number().int(),
  }),
]);

const baseAnswer = z.object({
  repository: z.string(),
  digest: z.string(),
  images: z.array(z.object({ digest: z.string(), platform: z.string().optional(), layers: z.number().int(), base: baseSchema.nullable() })),
});

const dependentsAnswer = z.object({
  repository: z.string(),
  digest: z.string(),
  dependents: z.array(
    z.object({
      repository: z.string(),
      digest: z.string(),
      image: z.string(),
      tags: z.array(z.string()),
      platform: z.string().optional(),
      base: z.string().describe("Which of the base's manifests it is built on"),
      source: z.enum(['annotation', 'layers']),
    }),
  ),
});

export const LINEAGE_ROUTES = [
  route({
    method: 'GET',
    path: '/image-base',
    id: 'getImageBase',
    tag: 'lineage',
    summary: 'What an image is built on, per platform: the base its annotations name, else the stored image whose layers it starts with',
    access: 'repository-pull',
    query: imageQuery,
    status: 200,
    response: baseAnswer,
    errors: [400, 403, 404],
    handle: ({ extension, by, query }) => extension.base(by, query.repository, query.reference),
  }),
  route({
    method: 'GET',
    path: '/image-dependents',
    id: 'getImageDependents',
    tag: 'lineage',
    summary: 'What is built on an image (any of its platforms): images naming it or its tags as their base, and images whose inferred base it is; only repositories the caller may pull',
    access: 'repository-pull',
    query: imageQuery,
    status: 200,
    response: dependentsAnswer,
    errors: [400, 403, 404],
    handle: ({ extension, by, query }) => extension.dependents(by, query.repository, query.reference),
  }),
];
