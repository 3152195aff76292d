import type { Action } from '../../auth/decide.js';

/** Who a /v2 request acts as, for handlers: audit names and extra checks (mount `from`, catalog). */
export interface Identity {
  kind: 'anonymous' | 'user' | 'robot';
  /** 'anonymous' for anonymous requests. */
  name: string;
  /** May it do `action` on another repository (a mount's `from`)? */
  may(repository: string, action: Action): Promise<boolean>;
  /** Which repositories the catalog may show it. */
  pullFilter(): Promise<(repository: string) => boolean>;
  /** May a mount without `from` take the blob from any repository? Only without access control. */
  readonly mountAnywhere: boolean;
}

/** The identity of every request when access control is off. */
export const UNCHECKED: Identity = {
  kind: 'anonymous',
  name: 'anonymous',
  may: async () => true,
  pullFilter: async () => () => true,
  mountAnywhere: true,
};
