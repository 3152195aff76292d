import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './run.js';

export interface UmociImageOptions {
  architecture: string;
  /** A file umoci inserts at the image root. */
  fileName: string;
  fileText: string;
}

/**
 * Builds a one-file image with umoci into an OCI layout (created when missing), tagged `tag`:
 * umoci new, umoci insert of a file this function writes, umoci config --architecture.
 */
export async function umociImage(layout: string, tag: string, options: UmociImageOptions): Promise<void> {
  const exists = await stat(join(layout, 'index.json')).then(() => true, () => false);
  if (!exists) await run('umoci', ['init', '--layout', layout]);
  const image = `${layout}:${tag}`;
  await run('umoci', ['new', '--image', image]);
  const source = `${layout}.files/${tag}`;
  await mkdir(source, { recursive: true });
  await writeFile(join(source, options.fileName), options.fileText);
  await run('umoci', ['insert', '--image', image, join(source, options.fileName), `/${options.fileName}`]);
  await run('umoci', ['config', '--image', image, '--architecture', options.architecture, '--os', 'linux']);
}
