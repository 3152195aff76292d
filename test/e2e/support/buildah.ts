/** buildah in a sandbox of the test's own: vfs storage and a registries.conf trusting the test registry over plain HTTP. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface BuildahSandbox {
  /** CONTAINERS_STORAGE_CONF and CONTAINERS_REGISTRIES_CONF for the sandbox. */
  env: Record<string, string>;
  /** The global flags every buildah command takes. */
  globals: string[];
}

/** Makes root, runroot and files/ under `folder`, and the two config files. */
export async function buildahSandbox(folder: string, registryHost: string): Promise<BuildahSandbox> {
  const path = (name: string) => join(folder, name);
  for (const name of ['root', 'runroot', 'files']) await mkdir(path(name), { recursive: true });
  await writeFile(path('storage.conf'), `[storage]\ndriver = "vfs"\ngraphroot = "${path('root')}"\nrunroot = "${path('runroot')}"\n`);
  await writeFile(path('registries.conf'), `unqualified-search-registries = []\n\n[[registry]]\nlocation = "${registryHost}"\ninsecure = true\n`);
  return {
    env: { CONTAINERS_STORAGE_CONF: path('storage.conf'), CONTAINERS_REGISTRIES_CONF: path('registries.conf') },
    globals: ['--root', path('root'), '--runroot', path('runroot'), '--storage-driver', 'vfs'],
  };
}
