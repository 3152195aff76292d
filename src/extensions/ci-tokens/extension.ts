/**
 * CI-friendly credentials as an extension (issue #12 point 6): a CI job exchanges its OIDC
 * identity token for a short-lived registry credential whose grants the matching rules give.
 * The trusted issuers are configuration (settings.ts), the rules are rows managed by admins
 * (rule-admin.ts), and the credential is a core robot row (exchange.ts says why).
 */
import type { ExtensionModule } from '../extension.js';
import { CiTokenExchange } from './exchange.js';
import { IdentityTokenVerifier } from './identity-token.js';
import { ciTokensMigrations } from './migrations.js';
import { purgeExpired, purgeTask } from './purge.js';
import { CiRuleAdmin } from './rule-admin.js';
import { CiTokenStore, type CiTokensTables } from './rule-store.js';
import { CI_TOKEN_ROUTES } from './routes.js';
import { ciTokensSettings as settings } from './settings.js';

/** What the routes' handlers are given. */
export interface CiTokenServices {
  exchange: CiTokenExchange;
  rules: CiRuleAdmin;
}

const PURGE_INTERVAL_MS = 3600 * 1000;

/** The CI tokens extension. */
export const ciTokensExtension = {
  name: 'ciTokens',
  config: settings,
  migrations: ciTokensMigrations,
  routes: CI_TOKEN_ROUTES,
  enabled: (slice) => slice.enabled,
  build(context, slice) {
    const store = new CiTokenStore(context.store.extensionDatabase<CiTokensTables>().db);
    const credentials = context.store.credentials;
    const verifier = new IdentityTokenVerifier(slice.issuers, slice.clockToleranceSeconds);
    const exchange = new CiTokenExchange({ verifier, store, credentials, audit: context.audit, limits: context.limits, settings: slice });
    const rules = new CiRuleAdmin({ store, credentials, revocations: context.revocations, audit: context.audit, limits: slice });
    const purge = purgeTask(() => purgeExpired(store, credentials, slice.clockToleranceSeconds), PURGE_INTERVAL_MS, context.logger);
    return { services: { exchange, rules }, tasks: [purge] };
  },
} satisfies ExtensionModule<typeof settings, CiTokenServices>;
