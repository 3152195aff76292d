/** Builds the access-control services from the configuration (called by app.ts). */
import { NamespaceMap } from '../metadata/namespace-map.js';
import { localOnly, type CacheInvalidation } from '../cluster/cache-invalidation.js';
import { Exclusive } from '../cluster/exclusive.js';
import type { SharedRedis } from '../cluster/shared-redis.js';
import type { Config } from '../config/index.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { AccessControl } from './access-control.js';
import { AuditLog, type AuditErrorHandler } from './audit-log.js';
import { Authenticator } from './authenticator.js';
import { KeyEncryption, keyEncryptionSecret } from './key-encryption.js';
import { LdapDirectory } from './ldap/ldap-directory.js';
import { PasswordLane } from './password-lane.js';
import { RateLimits } from './rate-limits.js';
import { Revocations } from './revocations.js';
import { TokenIssuer } from './token-issuer.js';

/** The access-control services, before the HTTP layer adds its own settings. */
export interface AuthCore {
  tokens: TokenIssuer;
  authenticator: Authenticator;
  access: AccessControl;
  audit: AuditLog;
  limits: RateLimits;
  revocations: Revocations;
  ldap: LdapDirectory | undefined;
}

/** The LDAP directory the configuration names, if any. */
function ldapOf(config: Config): LdapDirectory | undefined {
  const ldap = config.auth.ldap;
  if (ldap.url === undefined) return undefined;
  return new LdapDirectory({
    url: ldap.url,
    startTls: ldap.startTls,
    ...(ldap.tlsCaFile ? { tlsCaFile: ldap.tlsCaFile } : {}),
    tlsInsecure: ldap.tlsInsecure,
    bindDn: ldap.bindDn,
    bindPassword: ldap.bindPassword,
    userBase: ldap.userBase,
    userFilter: ldap.userFilter,
    usernameAttribute: ldap.usernameAttribute,
    emailAttribute: ldap.emailAttribute,
    ...(ldap.groupBase ? { groupBase: ldap.groupBase } : {}),
    groupFilter: ldap.groupFilter,
    groupNameAttribute: ldap.groupNameAttribute,
    ...(ldap.memberOfAttribute ? { memberOfAttribute: ldap.memberOfAttribute } : {}),
    timeoutMs: ldap.timeoutMs,
  });
}

/** Builds (and initialises: signing keys) the access-control services. */
/** `redis`: shared rate-limit counters and login locks (else per node); `invalidation`: tells other nodes of revocations. */
export async function buildAuth(config: Config, store: MetadataStore, onAuditError: AuditErrorHandler, redis?: SharedRedis, invalidation: CacheInvalidation = localOnly): Promise<AuthCore> {
  const secret = keyEncryptionSecret(config.auth);
  const tokens = new TokenIssuer(store.signingKeys, config.auth.token, new Exclusive(store.leases), secret === undefined ? undefined : new KeyEncryption(secret));
  await tokens.init();
  const ldap = ldapOf(config);
  const limits = config.rateLimits;
  return {
    tokens,
    authenticator: new Authenticator(store, { ...(ldap ? { ldap } : {}), adminGroups: config.auth.adminGroups, lane: new PasswordLane(limits.passwordVerifications) }),
    access: new AccessControl(store, new NamespaceMap({ depth: config.auth.namespaces.depth, rootNamespace: config.auth.namespaces.root }), config.auth.namespaces.personal),
    audit: new AuditLog(store.audit, onAuditError),
    limits: new RateLimits({
      manifestPullsPerPrincipal: { limit: limits.manifestPullsPerPrincipal, windowSeconds: limits.windowSeconds },
      manifestPullsPerIp: { limit: limits.manifestPullsPerIp, windowSeconds: limits.windowSeconds },
      tokenRequestsPerIp: { limit: limits.tokenRequestsPerIp, windowSeconds: limits.windowSeconds },
      failedLogins: { limit: limits.failedLogins, windowSeconds: limits.failedLoginWindowSeconds, blockSeconds: limits.failedLoginBlockSeconds },
      unknownUserLoginsPerIp: { limit: limits.unknownUserLoginsPerIp, windowSeconds: limits.failedLoginWindowSeconds },
    }, redis),
    revocations: new Revocations(store, invalidation),
    ldap,
  };
}
