/**
 * A CI system's OIDC issuer on loopback, as GitHub Actions and GitLab serve theirs: a discovery
 * document at /.well-known/openid-configuration naming a JWKS, and RS256-signed identity tokens
 * (jose, a throw-away key made at start) with whatever claims a test wants. Requests are counted
 * per path, so a test can tell what the registry fetched.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type JWK } from 'jose';

/** How to sign one token: claims to add or override, and what to get wrong on purpose. */
export interface TokenOptions {
  claims?: Record<string, unknown>;
  audience?: string;
  /** Seconds from now (negative: already expired). Default 300. */
  expiresIn?: number;
  /** Seconds from now the token becomes valid (nbf). */
  notBefore?: number;
  /** Signed with a key the issuer's JWKS does not hold (same kid). */
  foreignKey?: boolean;
  /** Leave the jti out. */
  noJti?: boolean;
  jti?: string;
}

/** A running test issuer. */
export interface TestCiIssuer {
  issuer: string;
  /** Its JWKS URL (what discovery names). */
  jwksUrl: string;
  /** The audience tokens get unless told otherwise. */
  audience: string;
  /** A signed identity token. */
  token(options?: TokenOptions): Promise<string>;
  /** An HS256 token "signed" with this text as the key (what an attacker could do with a public key's bytes). */
  hmacToken(secret: string, claims?: Record<string, unknown>): Promise<string>;
  /** An unsecured token (alg none). */
  unsignedToken(claims?: Record<string, unknown>): string;
  /** Requests per path. */
  hits: Map<string, number>;
  stop(): Promise<void>;
}

/** GitHub Actions' claims for a push to main of org/app (https://docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect). */
export function githubClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const repository = (overrides.repository as string | undefined) ?? 'org/app';
  const ref = (overrides.ref as string | undefined) ?? 'refs/heads/main';
  return {
    sub: `repo:${repository}:ref:${ref}`,
    repository,
    repository_owner: repository.split('/')[0],
    repository_id: '1296269',
    ref,
    ref_type: 'branch',
    workflow: 'release',
    event_name: 'push',
    job_workflow_ref: `${repository}/.github/workflows/release.yml@${ref}`,
    runner_environment: 'github-hosted',
    ...overrides,
  };
}

/** Starts an issuer on http://127.0.0.1:<free port>. */
export async function startCiIssuer(options: { audience?: string } = {}): Promise<TestCiIssuer> {
  const hits = new Map<string, number>();
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const foreign = await generateKeyPair('RS256');
  const kid = randomUUID();
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  let issuer = '';
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const json = (body: unknown): void => void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (path === '/.well-known/openid-configuration') return json({ issuer, jwks_uri: `${issuer}/.well-known/jwks`, id_token_signing_alg_values_supported: ['RS256'] });
    if (path === '/.well-known/jwks') return json({ keys: [jwk] });
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const audience = options.audience ?? 'https://registry.test';

  return {
    issuer,
    jwksUrl: `${issuer}/.well-known/jwks`,
    audience,
    hits,
    async token(tokenOptions: TokenOptions = {}) {
      const now = Math.floor(Date.now() / 1000);
      const claims = tokenOptions.claims ?? githubClaims();
      let jwt = new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(tokenOptions.audience ?? audience)
        .setIssuedAt(now)
        .setExpirationTime(now + (tokenOptions.expiresIn ?? 300));
      if (typeof claims.sub === 'string') jwt = jwt.setSubject(claims.sub);
      if (tokenOptions.notBefore !== undefined) jwt = jwt.setNotBefore(now + tokenOptions.notBefore);
      if (!tokenOptions.noJti) jwt = jwt.setJti(tokenOptions.jti ?? randomUUID());
      return jwt.sign(tokenOptions.foreignKey ? foreign.privateKey : privateKey);
    },
    async hmacToken(secret, claims = githubClaims()) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'HS256', kid })
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(new TextEncoder().encode(secret));
    },
    unsignedToken(claims = githubClaims()) {
      const now = Math.floor(Date.now() / 1000);
      return new UnsecuredJWT({ ...claims }).setIssuer(issuer).setAudience(audience).setIssuedAt(now).setExpirationTime(now + 300).encode();
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
