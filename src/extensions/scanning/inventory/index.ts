export { LayerReadError } from './layer-read-error.js';
export { mergeLayers } from './merge-layers.js';
export { readLayer, type InventoryLimits, type ReadLayerOptions } from './read-layer.js';
export type { EntryError, ImageInventory, ImagePackage, InstalledPackage, LayerInventory, OsRelease, PackageKind, Whiteouts } from './types.js';
