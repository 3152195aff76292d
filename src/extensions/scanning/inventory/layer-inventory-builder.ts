import type { CatalogueResult } from './cataloguer.js';
import type { Compression } from './compression.js';
import type { EntryError, InstalledPackage, LayerInventory, OsRelease, Whiteouts } from './types.js';

/** os-release(5): /etc/os-release takes precedence over /usr/lib/os-release. */
const OS_RELEASE_PRECEDENCE = ['etc/os-release', 'usr/lib/os-release'];

/** Collects one layer's findings as its entries pass, and turns them into a LayerInventory. */
export class LayerInventoryBuilder {
  readonly whiteouts: Whiteouts = { removed: [], opaque: [] };
  private readonly packages = new Map<string, InstalledPackage[]>();
  private readonly osByPath = new Map<string, OsRelease>();
  private readonly errors: EntryError[] = [];
  private errorsDropped = 0;

  constructor(
    private readonly compression: Compression,
    private readonly errorLimit: number,
  ) {}

  /**
   * Records a catalogued file and what it yielded. A path met twice in one archive is the later
   * entry's (tar extraction overwrites), so the earlier one's findings go.
   */
  addFile(path: string, result: CatalogueResult): void {
    this.packages.set(path, result.packages ?? []);
    if (result.os !== undefined) this.osByPath.set(path, { ...result.os, path });
    else this.osByPath.delete(path);
  }

  noteError(path: string, message: string): void {
    if (this.errors.length < this.errorLimit) this.errors.push({ path, message });
    else this.errorsDropped++;
  }

  build(): LayerInventory {
    const os = OS_RELEASE_PRECEDENCE.map((path) => this.osByPath.get(path)).find((found) => found !== undefined);
    return {
      compression: this.compression,
      ...(os === undefined ? {} : { os }),
      packages: [...this.packages.values()].flat(),
      files: [...this.packages.keys()],
      whiteouts: this.whiteouts,
      errors: this.errors,
      errorsDropped: this.errorsDropped,
    };
  }
}
