/**
 * Lifecycle policies as an extension (the seam's first user): ECR-style expiry rules per
 * namespace or repository, previewed and applied on demand through its admin routes and CLI
 * commands, and every lifecycle.intervalSeconds on the node's scheduler (one node at a time,
 * under the `lifecycle` lease). Its tables came with the core's migration 0006, released before
 * the seam existed; a released migration is never moved.
 */
import { Exclusive } from '../../cluster/exclusive.js';
import type { ExtensionModule } from '../extension.js';
import { LifecycleAdmin } from './lifecycle-admin.js';
import { LifecyclePlanner } from './planner.js';
import { LIFECYCLE_ROUTES } from './routes.js';
import { LifecycleRunner, lifecycleTask } from './runner.js';
import { lifecycleSettings as settings } from './settings.js';

/** The lifecycle extension. */
export const lifecycleExtension = {
  name: 'lifecycle',
  config: settings,
  routes: LIFECYCLE_ROUTES,
  enabled: (slice) => slice.enabled,
  build(context, slice) {
    const { store, access, audit, services } = context;
    const planner = new LifecyclePlanner({
      store,
      namespaceOf: (repository) => access.namespaceOf(repository),
      immutableRules: (repository: string) => services.immutableTags.forRepository(repository),
    });
    const runner = new LifecycleRunner({ planner, manifests: services.manifests, audit, exclusive: new Exclusive(store.leases), readOnly: services.readOnly });
    const admin = new LifecycleAdmin({ store, access, audit, planner, runner, writes: services.readOnly });
    const tasks = slice.intervalSeconds > 0 ? [lifecycleTask(runner, slice.intervalSeconds * 1000, context.logger)] : [];
    // Waits for a run in flight, scheduled or asked for through the API.
    return { services: admin, tasks, stop: () => runner.stop() };
  },
} satisfies ExtensionModule<typeof settings, LifecycleAdmin>;
