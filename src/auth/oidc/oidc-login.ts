import * as client from 'openid-client';

/** How Berth reaches one OpenID provider, as the operator configures it. */
export interface OidcSettings {
  /** Issuer identifier; discovery reads `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  /** Confidential client (client_secret_basic); absent means a public client relying on PKCE only. */
  clientSecret?: string;
  scopes: string[];
  /** Claim that becomes the Berth username, e.g. `preferred_username`. */
  usernameClaim: string;
  /** Claim holding the user's groups, e.g. `groups`; a missing claim means no groups. */
  groupsClaim: string;
  /** Allow http:// provider endpoints; only for tests and local development. */
  allowHttp?: boolean;
}

/** Who the provider says signed in. */
export interface OidcIdentity {
  /** The provider's `sub`: stable, unlike the username. */
  subject: string;
  username: string;
  /** Omitted when the provider says it is unverified (`email_verified: false`). */
  email?: string;
  groups: string[];
}

/** What the server keeps between redirect and callback (server-side, keyed by state). */
export interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
  /** Epoch milliseconds; logins older than {@link PENDING_LOGIN_TTL_MS} are refused. */
  createdAt: number;
}

/** A sign-in that failed; the message is safe to show the user (no tokens, no provider internals). */
export class OidcLoginError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OidcLoginError';
  }
}

/** How long a user may spend at the provider between {@link OidcLogin.begin} and {@link OidcLogin.finish}. */
export const PENDING_LOGIN_TTL_MS = 10 * 60 * 1000;

type Claims = Record<string, client.JsonValue | undefined>;

/** The OpenID Connect authorization-code flow with PKCE against one discovered provider. */
export class OidcLogin {
  private constructor(
    private readonly config: client.Configuration,
    private readonly settings: OidcSettings,
  ) {}

  /** Reads the provider's discovery document; throws {@link OidcLoginError} if it cannot. */
  static async discover(settings: OidcSettings): Promise<OidcLogin> {
    const auth = settings.clientSecret === undefined ? client.None() : client.ClientSecretBasic(settings.clientSecret);
    // allowInsecureRequests is marked deprecated only to stand out; it is the documented way to
    // permit http, and it must be passed to discovery() so the discovery request itself may use it.
    const execute = settings.allowHttp === true ? [client.allowInsecureRequests] : [];
    try {
      const config = await client.discovery(new URL(settings.issuer), settings.clientId, undefined, auth, { execute });
      return new OidcLogin(config, settings);
    } catch (cause) {
      throw new OidcLoginError(`OIDC discovery at ${settings.issuer} failed`, { cause });
    }
  }

  /** The provider URL to send the browser to (authorization code + PKCE S256 + state + nonce). */
  async begin(redirectUri: string): Promise<{ url: string; pending: PendingLogin }> {
    const codeVerifier = client.randomPKCECodeVerifier();
    const pending: PendingLogin = {
      state: client.randomState(),
      // The nonce binds the ID token to this login even where the provider ignores PKCE.
      nonce: client.randomNonce(),
      codeVerifier,
      redirectUri,
      createdAt: Date.now(),
    };
    const url = client.buildAuthorizationUrl(this.config, {
      redirect_uri: redirectUri,
      scope: this.settings.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.href, pending };
  }

  /**
   * Exchanges the code from the callback URL, validates state, nonce and the ID token, and reads
   * the claims (ID token first, userinfo for whatever it lacks). Throws {@link OidcLoginError}.
   */
  async finish(callbackUrl: URL, pending: PendingLogin): Promise<OidcIdentity> {
    if (Date.now() - pending.createdAt > PENDING_LOGIN_TTL_MS) {
      throw new OidcLoginError('OIDC sign-in took too long; start again');
    }
    // openid-client checks state too; checking first gives a clear message for a forged callback.
    if (callbackUrl.searchParams.get('state') !== pending.state) {
      throw new OidcLoginError('OIDC callback state does not match this sign-in; start again');
    }
    // The token request must repeat the redirect_uri of the authorization request exactly
    // (RFC 6749 §4.1.3). openid-client derives it from the URL it is given, and the server's view
    // of its own URL can differ behind a proxy (scheme, host), so rebuild it from what begin() sent.
    const response = new URL(pending.redirectUri);
    response.search = callbackUrl.search;

    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(this.config, response, {
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        pkceCodeVerifier: pending.codeVerifier,
      });
    } catch (cause) {
      throw new OidcLoginError(describeFailure(cause), { cause });
    }

    const idClaims = tokens.claims();
    if (idClaims === undefined) throw new OidcLoginError('OIDC provider returned no ID token');
    const { usernameClaim, groupsClaim } = this.settings;
    let claims: Claims = idClaims;
    // Many providers put profile, email and group claims only in userinfo (OIDC Core §5.4: scope
    // claims go to userinfo when an access token is issued); ID token values take precedence.
    if (claims[usernameClaim] === undefined || claims[groupsClaim] === undefined || claims.email === undefined) {
      claims = { ...(await this.userInfo(tokens.access_token, idClaims.sub)), ...claims };
    }

    const username = claims[usernameClaim];
    if (typeof username !== 'string' || username === '') {
      throw new OidcLoginError(`OIDC provider sent no "${usernameClaim}" claim to use as the username`);
    }
    const identity: OidcIdentity = { subject: idClaims.sub, username, groups: readGroups(claims[groupsClaim], groupsClaim) };
    if (typeof claims.email === 'string' && claims.email_verified !== false) identity.email = claims.email;
    return identity;
  }

  private async userInfo(accessToken: string, subject: string): Promise<Claims> {
    if (this.config.serverMetadata().userinfo_endpoint === undefined) return {};
    try {
      // expectedSubject guards against userinfo answering for someone else (OIDC Core §5.3.2).
      return await client.fetchUserInfo(this.config, accessToken, subject);
    } catch (cause) {
      throw new OidcLoginError(describeFailure(cause), { cause });
    }
  }
}

/** Groups must be a list of strings; a single string is accepted because some providers flatten one-element lists. */
function readGroups(value: client.JsonValue | undefined, claim: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((group): group is string => typeof group === 'string')) return value;
  throw new OidcLoginError(`OIDC "${claim}" claim is not a list of group names`);
}

/**
 * A message for the user: OAuth error codes are a short fixed vocabulary (RFC 6749 §5.2) and safe
 * to show once checked to look like one; descriptions come from the provider and stay in `cause`,
 * as does everything about a bad token.
 */
function describeFailure(error: unknown): string {
  if (error instanceof client.AuthorizationResponseError) return `OIDC provider refused the sign-in: ${errorCode(error.error)}`;
  if (error instanceof client.ResponseBodyError) return `OIDC provider refused the code exchange: ${errorCode(error.error)}`;
  // A token endpoint rejecting client authentication answers 401 with the code in WWW-Authenticate.
  if (error instanceof client.WWWAuthenticateChallengeError) {
    return `OIDC provider refused the code exchange: ${errorCode(error.cause[0]?.parameters.error)}`;
  }
  return 'OIDC sign-in response failed validation';
}

function errorCode(value: string | undefined): string {
  return value !== undefined && /^[a-z0-9_.-]{1,64}$/i.test(value) ? value : 'unknown error';
}
