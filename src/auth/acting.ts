/**
 * Who performs an operation (the admin API's, the CLI's, an extension's), and the audit trail
 * every change leaves: successes and refused attempts alike, under the acting principal's name.
 */
import { ManagementError } from '../errors/management-error.js';
import type { AuditLog } from './audit-log.js';
import type { EventOrigin } from '../events/event.js';
import { principalName, type Principal } from './principal.js';

/** The acting principal and, when known, the client address it acts from. */
export interface ActingPrincipal {
  principal: Principal;
  clientIp?: string;
}

/** Who acts and from where, as the events of the change record it. */
export function actingOrigin(by: ActingPrincipal): EventOrigin {
  return { actor: principalName(by.principal), actorKind: by.principal.kind, ...(by.clientIp === undefined ? {} : { address: by.clientIp }) };
}

/**
 * True for a system admin acting with their full rights. A personal access token never carries
 * administration (as AccessControl drops `manage` for it): a leaked CI token must not be able
 * to create users or mint more tokens.
 */
export function isSystemAdmin(principal: Principal): boolean {
  return principal.kind === 'user' && principal.admin && principal.restrictTo === undefined;
}

/** True when the principal is the user `name` itself (with whatever credential; callers check restrictTo where it matters). */
export function isSelf(principal: Principal, name: string): boolean {
  return principal.kind === 'user' && principal.name === name;
}

/** Records management events in the audit log. */
export class ManagementAudit {
  constructor(private readonly log: AuditLog) {}

  /** A permission change that happened. */
  success(by: ActingPrincipal, action: string, target: string, detail?: Record<string, unknown>): void {
    this.record(by, action, target, 'success', detail);
  }

  /** A permission change refused for lack of rights: recorded, then returned to be thrown. */
  denied(by: ActingPrincipal, action: string, target: string, message: string): ManagementError {
    this.record(by, action, target, 'denied', { reason: message });
    return new ManagementError('denied', message);
  }

  private record(by: ActingPrincipal, action: string, target: string, outcome: 'success' | 'denied', detail: Record<string, unknown> | undefined): void {
    this.log.record({
      actor: principalName(by.principal),
      actorKind: by.principal.kind,
      action,
      target,
      outcome,
      ...(by.clientIp === undefined ? {} : { clientIp: by.clientIp }),
      ...(detail === undefined ? {} : { detail }),
    });
  }
}
