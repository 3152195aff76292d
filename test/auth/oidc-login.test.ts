import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { OidcLogin, OidcLoginError, PENDING_LOGIN_TTL_MS, type OidcSettings } from '../../src/auth/oidc/oidc-login.js';
import { signInAt, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';

// Nothing listens here: signInAt stops at the redirect to it, as the browser would hand it to Berth.
const REDIRECT_URI = 'http://127.0.0.1:9/auth/oidc/callback';

describe('OIDC sign-in against a real OpenID provider', () => {
  let provider: TestOidcProvider;
  let settings: OidcSettings;
  let login: OidcLogin;

  before(async () => {
    provider = await startOidcProvider({ redirectUris: [REDIRECT_URI] });
    settings = {
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      scopes: ['openid', 'profile', 'email', 'groups'],
      usernameClaim: 'preferred_username',
      groupsClaim: 'groups',
      allowHttp: true,
    };
    login = await OidcLogin.discover(settings);
  });
  after(() => provider.stop());

  async function signIn(as: OidcLogin, username: string) {
    const { url, pending } = await as.begin(REDIRECT_URI);
    return { callback: await signInAt(url, username), pending };
  }

  it('signs alice in with her username, email and groups', async () => {
    const { callback, pending } = await signIn(login, 'alice');
    assert.deepEqual(await login.finish(callback, pending), {
      subject: 'u-1001',
      username: 'alice',
      email: 'alice@example.test',
      groups: ['developers', 'admins'],
    });
  });

  it('gives bob his own groups', async () => {
    const { callback, pending } = await signIn(login, 'bob');
    const identity = await login.finish(callback, pending);
    assert.equal(identity.username, 'bob');
    assert.deepEqual(identity.groups, ['readers']);
  });

  it('sends an authorization request with PKCE S256, state and nonce', async () => {
    const { url, pending } = await login.begin(REDIRECT_URI);
    const params = new URL(url).searchParams;
    assert.equal(new URL(url).origin, provider.issuer);
    assert.equal(params.get('response_type'), 'code');
    assert.equal(params.get('client_id'), provider.clientId);
    assert.equal(params.get('redirect_uri'), REDIRECT_URI);
    assert.equal(params.get('scope'), 'openid profile email groups');
    assert.equal(params.get('code_challenge_method'), 'S256');
    assert.equal(params.get('code_challenge'), createHash('sha256').update(pending.codeVerifier).digest('base64url'));
    assert.equal(params.get('state'), pending.state);
    assert.equal(params.get('nonce'), pending.nonce);
    const other = await login.begin(REDIRECT_URI);
    assert.notEqual(other.pending.state, pending.state);
    assert.notEqual(other.pending.codeVerifier, pending.codeVerifier);
  });

  it('refuses a callback whose state was tampered with', async () => {
    const { callback, pending } = await signIn(login, 'alice');
    callback.searchParams.set('state', `${pending.state}x`);
    await assert.rejects(login.finish(callback, pending), (error) => error instanceof OidcLoginError && /state/.test(error.message));
  });

  it('refuses a callback meant for another sign-in', async () => {
    const first = await signIn(login, 'alice');
    const second = await signIn(login, 'bob');
    await assert.rejects(login.finish(first.callback, second.pending), OidcLoginError);
  });

  it('refuses an ID token whose nonce is not the one sent', async () => {
    const { callback, pending } = await signIn(login, 'alice');
    await assert.rejects(login.finish(callback, { ...pending, nonce: 'not-the-nonce' }), OidcLoginError);
  });

  it('refuses a code redeemed with the wrong PKCE verifier', async () => {
    const { callback, pending } = await signIn(login, 'alice');
    await assert.rejects(
      login.finish(callback, { ...pending, codeVerifier: 'x'.repeat(43) }),
      (error) => error instanceof OidcLoginError && /invalid_grant/.test(error.message),
    );
  });

  it('refuses to redeem the same code twice', async () => {
    const { callback, pending } = await signIn(login, 'alice');
    await login.finish(callback, pending);
    await assert.rejects(
      login.finish(callback, pending),
      (error) => error instanceof OidcLoginError && /invalid_grant/.test(error.message),
    );
  });

  it('reports a user who declines consent as access_denied', async () => {
    const { url, pending } = await login.begin(REDIRECT_URI);
    const callback = await signInAt(url, 'alice', { deny: true });
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    await assert.rejects(login.finish(callback, pending), (error) => {
      assert.ok(error instanceof OidcLoginError);
      assert.equal(error.message, 'OIDC provider refused the sign-in: access_denied');
      return true;
    });
  });

  it('refuses a sign-in that was pending too long', async () => {
    const { callback, pending } = await signIn(login, 'alice');
    const stale = { ...pending, createdAt: Date.now() - PENDING_LOGIN_TTL_MS - 1 };
    await assert.rejects(login.finish(callback, stale), OidcLoginError);
  });

  it('refuses a user without the username claim instead of falling back to sub', async () => {
    const { callback, pending } = await signIn(login, 'carol');
    await assert.rejects(
      login.finish(callback, pending),
      (error) => error instanceof OidcLoginError && error.message.includes('"preferred_username"'),
    );
  });

  it('reads the username from the configured claim and treats a missing groups claim as none', async () => {
    const byEmail = await OidcLogin.discover({ ...settings, usernameClaim: 'email' });
    const { callback, pending } = await signIn(byEmail, 'carol');
    assert.deepEqual(await byEmail.finish(callback, pending), {
      subject: 'u-1003',
      username: 'carol@example.test',
      email: 'carol@example.test',
      groups: [],
    });
  });

  it('signs in through a public client with PKCE and no secret', async () => {
    const cli = await OidcLogin.discover({ ...settings, clientId: provider.publicClientId, clientSecret: undefined });
    const { callback, pending } = await signIn(cli, 'alice');
    const identity = await cli.finish(callback, pending);
    assert.deepEqual(identity.groups, ['developers', 'admins']);
  });

  it('refuses a confidential client with the wrong secret', async () => {
    const wrong = await OidcLogin.discover({ ...settings, clientSecret: 'wrong' });
    const { callback, pending } = await signIn(wrong, 'alice');
    await assert.rejects(
      wrong.finish(callback, pending),
      (error) => error instanceof OidcLoginError && /invalid_client/.test(error.message),
    );
  });

  it('refuses http providers unless allowed', async () => {
    await assert.rejects(OidcLogin.discover({ ...settings, allowHttp: false }), OidcLoginError);
  });

  it('fails discovery with an OidcLoginError when nothing answers', async () => {
    await assert.rejects(OidcLogin.discover({ ...settings, issuer: 'http://127.0.0.1:9' }), OidcLoginError);
  });
});
