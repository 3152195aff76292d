/** The core admin routes' definitions: the shared contract (extensions/admin-route.ts) with the operations. */
import { routesFor } from '../../extensions/admin-route.js';
import type { Operations } from '../../operations/operations.js';

export { API_PREFIX, type AnyApiRoute, type RouteAccess } from '../../extensions/admin-route.js';

/** What a core route's handler gets besides the request: the application layer (operations/). */
export interface CoreRouteServices {
  ops: Operations;
}

/** Checks a core definition's handler against its schemas, then erases the types. */
export const defineRoute = routesFor<CoreRouteServices>();
