import { isAtOrUnder } from './layer-paths.js';
import type { ImageInventory, InstalledPackage, LayerInventory, OsRelease, Whiteouts } from './types.js';

/** A catalogued file of the filesystem being assembled: the layer that last wrote it, and its findings. */
interface VisibleFile {
  layer: number;
  packages: InstalledPackage[];
  os: OsRelease | undefined;
}

/** Whether a layer's whiteouts hide a lower layer's file (image-spec layer.md, "Whiteouts"). */
function hides(whiteouts: Whiteouts, path: string): boolean {
  return whiteouts.removed.some((removed) => isAtOrUnder(path, removed)) || whiteouts.opaque.some((dir) => path !== dir && isAtOrUnder(path, dir));
}

function byPath(packages: InstalledPackage[]): Map<string, InstalledPackage[]> {
  const grouped = new Map<string, InstalledPackage[]>();
  for (const found of packages) grouped.set(found.path, [...(grouped.get(found.path) ?? []), found]);
  return grouped;
}

/**
 * Applies layer inventories in manifest order (lowest first) into the image's: a catalogued file
 * in an upper layer replaces the lower copy wholesale (packages are keyed by the file they came
 * from), `.wh.<name>` removes lower files at or under that path, an opaque directory hides every
 * lower file under it, and the OS is the topmost layer's still visible. A layer's whiteouts never
 * touch its own files, so each layer's are applied before its files land.
 */
export function mergeLayers(layers: readonly LayerInventory[]): ImageInventory {
  const visible = new Map<string, VisibleFile>();
  layers.forEach((layer, index) => {
    if (layer.whiteouts.removed.length > 0 || layer.whiteouts.opaque.length > 0) {
      for (const path of [...visible.keys()]) if (hides(layer.whiteouts, path)) visible.delete(path);
    }
    const packages = byPath(layer.packages);
    for (const path of layer.files) {
      // Deleted first so the map's order stays the order files were last written in.
      visible.delete(path);
      visible.set(path, { layer: index, packages: packages.get(path) ?? [], os: layer.os?.path === path ? layer.os : undefined });
    }
  });
  const files = [...visible.values()].sort((a, b) => a.layer - b.layer);
  const top = files.filter((file) => file.os !== undefined).at(-1);
  return {
    ...(top?.os === undefined ? {} : { os: { ...top.os, layer: top.layer } }),
    packages: files.flatMap((file) => file.packages.map((found) => ({ ...found, layer: file.layer }))),
    errors: layers.flatMap((layer, index) => layer.errors.map((error) => ({ ...error, layer: index }))),
  };
}
