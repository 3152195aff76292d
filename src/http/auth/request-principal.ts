import type { Action } from '../../auth/decide.js';
import type { Principal } from '../../auth/principal.js';

/**
 * What a /v2 request's handlers know of its principal: its kind and name (audit) and the extra
 * checks they ask (a mount's `from`, the catalog). Not the Principal itself: a request with an
 * access token acts within the token's access list, and reading the subject's current principal
 * on every pull would cost a database read the gate avoids.
 */
export interface RequestPrincipal {
  kind: Principal['kind'];
  /** 'anonymous' for anonymous requests. */
  name: string;
  /** May it do `action` on another repository (a mount's `from`)? */
  may(repository: string, action: Action): Promise<boolean>;
  /** Which repositories the catalog may show it. */
  pullFilter(): Promise<(repository: string) => boolean>;
  /** May a mount without `from` take the blob from any repository? Only without access control. */
  readonly mountAnywhere: boolean;
}

/** The principal of every request when access control is off. */
export const UNCHECKED: RequestPrincipal = {
  kind: 'anonymous',
  name: 'anonymous',
  may: async () => true,
  pullFilter: async () => () => true,
  mountAnywhere: true,
};
