/**
 * Management records in the API's JSON shapes (schemas.ts): ISO dates, explicit nulls where the
 * schema says so, and nothing the schema doesn't name (a secret appears only where a create
 * response carries it).
 */
import { isFullAccess } from '../../auth/credentials.js';
import type { z } from 'zod';
import type { AuditEventRecord, CredentialRecord, MemberRecord, NamespaceRecord } from '../../operations/records.js';
import { CREDENTIAL_ACTIONS } from '../../operations/credential-rules.js';
import type { CreatedRobot, RobotView } from '../../operations/robots.js';
import type { CreatedToken } from '../../operations/tokens.js';
import type { MeView, UserView } from '../../operations/users.js';
import type { auditEventSchema, grantSchema, meSchema, memberSchema, namespaceSchema, robotCreatedSchema, robotSchema, tokenCreatedSchema, tokenSchema, userSchema } from './schemas.js';

type Json<T extends z.ZodType> = z.input<T>;

function iso(date: Date | undefined): string | undefined {
  return date?.toISOString();
}

function isCredentialAction(action: string): action is (typeof CREDENTIAL_ACTIONS)[number] {
  return (CREDENTIAL_ACTIONS as readonly string[]).includes(action);
}

function grantJson(grants: readonly { repository: string; actions: readonly string[] }[]): Json<typeof grantSchema>[] {
  return grants.map((grant) => ({ repository: grant.repository, actions: grant.actions.filter(isCredentialAction) }));
}

export function userJson(user: UserView): Json<typeof userSchema> {
  return {
    name: user.name,
    kind: user.kind,
    email: user.email,
    admin: user.admin,
    disabled: user.disabled,
    groups: user.groups,
    externalId: user.externalId,
    passwordChangedAt: user.passwordChangedAt.toISOString(),
    createdAt: user.createdAt.toISOString(),
  };
}

export function meJson(me: MeView): Json<typeof meSchema> {
  const credential = me.credential && {
    id: me.credential.id,
    kind: me.credential.kind,
    name: me.credential.name,
    grants: grantJson(me.credential.grants),
    expiresAt: iso(me.credential.expiresAt),
  };
  if (me.kind === 'robot') return { kind: 'robot', name: me.name, admin: false, groups: [], credential };
  return { kind: 'user', name: me.name, admin: me.admin, groups: me.groups, user: me.account && userJson(me.account), credential };
}

export function tokenJson(token: CredentialRecord): Json<typeof tokenSchema> {
  return {
    id: token.id,
    name: token.name,
    owner: token.owner,
    grants: grantJson(token.grants),
    fullAccess: isFullAccess(token.grants),
    createdBy: token.createdBy,
    createdAt: token.createdAt.toISOString(),
    expiresAt: iso(token.expiresAt),
    revokedAt: iso(token.revokedAt),
    lastUsedAt: iso(token.lastUsedAt),
  };
}

export function createdTokenJson(token: CreatedToken): Json<typeof tokenCreatedSchema> {
  return { ...tokenJson(token), login: token.login, secret: token.secret };
}

export function robotJson(robot: RobotView): Json<typeof robotSchema> {
  return {
    id: robot.id,
    name: robot.name,
    namespace: robot.namespace,
    login: robot.login,
    description: robot.description,
    grants: grantJson(robot.grants),
    createdBy: robot.createdBy,
    createdAt: robot.createdAt.toISOString(),
    expiresAt: iso(robot.expiresAt),
    revokedAt: iso(robot.revokedAt),
    lastUsedAt: iso(robot.lastUsedAt),
  };
}

export function createdRobotJson(robot: CreatedRobot): Json<typeof robotCreatedSchema> {
  return { ...robotJson(robot), secret: robot.secret };
}

export function namespaceJson(namespace: NamespaceRecord): Json<typeof namespaceSchema> {
  return {
    name: namespace.name,
    visibility: namespace.visibility,
    pullCidrs: namespace.pullCidrs ?? null,
    pushCidrs: namespace.pushCidrs ?? null,
    quotaBytes: namespace.quotaBytes ?? null,
    createdAt: namespace.createdAt.toISOString(),
  };
}

export function memberJson(member: MemberRecord): Json<typeof memberSchema> {
  return { kind: member.kind, name: member.name, role: member.role };
}

export function auditEventJson(event: AuditEventRecord): Json<typeof auditEventSchema> {
  return {
    id: event.id,
    at: event.at.toISOString(),
    actor: event.actor,
    actorKind: event.actorKind,
    action: event.action,
    target: event.target,
    outcome: event.outcome,
    clientIp: event.clientIp,
    detail: event.detail,
  };
}
