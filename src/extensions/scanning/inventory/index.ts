export type { Cataloguer, CatalogueResult, SizeClass } from './cataloguer.js';
export { CATALOGUERS } from './cataloguers.js';
export { LayerReadError } from './layer-read-error.js';
export { mergeLayers } from './merge-layers.js';
export { DEFAULT_LIMITS, readLayer, type InventoryLimits, type ReadLayerOptions } from './read-layer.js';
export type { EntryError, ImageInventory, ImagePackage, InstalledPackage, LayerInventory, OsRelease, PackageKind, Whiteouts } from './types.js';
