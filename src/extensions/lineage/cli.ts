/**
 * `berth image base|dependents REPO:TAG|REPO@DIGEST`: what an image is built on and what is
 * built on it, per platform, over the admin API (/api/v1/image-base, /api/v1/image-dependents).
 */
import type { Command } from 'commander';
import { usageError } from '../../cli/cli-error.js';
import { listCell, note, printJson, printTable } from '../../cli/output.js';
import { openSession, withServerOption, type ServerOption } from '../../cli/stored-login.js';
import type { BaseAnswer, DependentsAnswer } from './lineage.js';

interface Options extends ServerOption {
  json?: boolean;
}

/** `team/app:v1` → (team/app, v1); `team/app@sha256:…` → (team/app, sha256:…); no tag: latest, as docker has it. */
export function splitImage(text: string): { repository: string; reference: string } {
  const at = text.indexOf('@');
  if (at >= 0) return { repository: text.slice(0, at), reference: text.slice(at + 1) };
  const colon = text.lastIndexOf(':');
  if (colon > text.lastIndexOf('/')) return { repository: text.slice(0, colon), reference: text.slice(colon + 1) };
  if (text === '') throw usageError('name an image: REPOSITORY[:TAG] or REPOSITORY@DIGEST');
  return { repository: text, reference: 'latest' };
}

function short(digest: string): string {
  return digest.replace(/^(\w+:[0-9a-f]{12})[0-9a-f]+$/, '$1');
}

function baseCell(base: BaseAnswer['images'][number]['base']): string {
  if (base === null) return '(none found: built from scratch, or on an image not stored here)';
  if (base.source === 'layers') return `${base.repository}@${short(base.digest)}${base.tags.length > 0 ? ` (${base.tags.join(', ')})` : ''}`;
  const named = base.name ?? (base.repository ? `${base.repository}${base.tag ? `:${base.tag}` : ''}` : '');
  const digest = base.digest ? `@${short(base.digest)}` : '';
  return `${named}${digest}${base.moved ? ' (moved since the build)' : ''}`;
}

async function base(image: string, options: Options): Promise<void> {
  const query = splitImage(image);
  const { api } = await openSession(options.server);
  const answer = await api.get<BaseAnswer>('/image-base', { query });
  if (options.json) return printJson(answer);
  note(`${answer.repository}@${answer.digest}`);
  printTable(
    answer.images,
    [
      { heading: 'PLATFORM', value: (i) => i.platform ?? '' },
      { heading: 'DIGEST', value: (i) => short(i.digest) },
      { heading: 'LAYERS', value: (i) => String(i.layers) },
      { heading: 'FROM', value: (i) => (i.base === null ? '' : i.base.source === 'layers' ? `layers (${i.base.layers} shared)` : 'annotation') },
      { heading: 'BASE', value: (i) => baseCell(i.base) },
    ],
    'no image manifests with layers (an artifact, or an index without platforms)',
  );
}

async function dependents(image: string, options: Options): Promise<void> {
  const query = splitImage(image);
  const { api } = await openSession(options.server);
  const answer = await api.get<DependentsAnswer>('/image-dependents', { query });
  if (options.json) return printJson(answer);
  note(`${answer.repository}@${answer.digest}`);
  printTable(
    answer.dependents,
    [
      { heading: 'REPOSITORY', value: (d) => d.repository },
      { heading: 'IMAGE', value: (d) => short(d.image) },
      { heading: 'TAGS', value: (d) => listCell(d.tags) },
      { heading: 'PLATFORM', value: (d) => d.platform ?? '' },
      { heading: 'FROM', value: (d) => d.source },
    ],
    'nothing stored here is built on it',
  );
}

export function registerLineage(program: Command): void {
  const image = program.command('image').description('image lineage: what an image is built on, and what is built on it').exitOverride();
  withServerOption(image.command('base').description('what the image is built on, per platform (annotations, else inferred from layers)'))
    .argument('<image>', 'REPOSITORY[:TAG] or REPOSITORY@DIGEST')
    .option('--json', 'print JSON')
    .action(base);
  withServerOption(image.command('dependents').description('what is built on the image (repositories you may pull)'))
    .argument('<image>', 'REPOSITORY[:TAG] or REPOSITORY@DIGEST')
    .option('--json', 'print JSON')
    .action(dependents);
}
