/**
 * Every extension Berth ships, and the configuration schema their slices complete. Adding an
 * extension is one line here, its slice in settings.ts and its cli.ts in cli/main.ts; nothing
 * else in the core changes.
 */
import { ciTokensExtension } from './ci-tokens/extension.js';
import type { ExtensionModule } from './extension.js';
import { lifecycleExtension } from './lifecycle/extension.js';
import { lineageExtension } from './lineage/extension.js';
import { webhooksExtension } from './webhooks/extension.js';

/** The extensions, in the order they are built. */
export const EXTENSIONS: readonly ExtensionModule[] = [
  lifecycleExtension as unknown as ExtensionModule,
  webhooksExtension as unknown as ExtensionModule,
  ciTokensExtension as unknown as ExtensionModule,
  lineageExtension as unknown as ExtensionModule,
];
