// The sign-in service through @azure/msal-node 7.2.1, unmodified, over https (the run's development certificate,
// trusted through NODE_EXTRA_CA_CERTS as an app would): client credentials, username and password, device code (the
// test plays the user on /devicelogin), the authorization code flow with PKCE (the test plays the browser through the
// sign-in and consent pages) and a forced refresh; then the errors Entra answers, as MSAL surfaces them. Every access
// token is used on this service's phones.
//
// MSAL needs only its authority and knownAuthorities (host:port) to skip Entra's instance discovery.
import assert from 'node:assert/strict';
import { thrown } from './support/assertions.ts';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeJwt } from 'jose';
import {
  ConfidentialClientApplication,
  CryptoProvider,
  PublicClientApplication,
  ServerError,
  type AuthenticationResult,
  type Configuration,
  type DeviceCodeRequest,
} from '@azure/msal-node';
import {
  Browser,
  headingOf,
  pageText,
  signInOnDevicePage,
  signInOnPages,
  startSignInService,
  type SignInPages,
  type SignInService,
  seededUser,
  TEST_PASSWORD,
} from './support/signIn.ts';

const CRM = '11111111-1111-4111-8111-111111111111'; // a web app: secret, redirect URIs, consent per user
const KIOSK = '22222222-2222-4222-8222-222222222222'; // a public client an administrator consented to (password grant)
const SHORT = '33333333-3333-4333-8333-333333333333'; // as KIOSK, with refresh tokens of one second
const PASSWORD = TEST_PASSWORD;
const REDIRECT = 'http://localhost:3000/cb';
const OTHER_REDIRECT = 'http://localhost:3000/other'; // registered too, for a code asked with REDIRECT
const SCOPES = ['User.ReadWrite'];
const APP_ONLY = ['https://graph.microsoft.com/.default'];

const user = seededUser;

const seed = {
  tenants: [
    {
      name: 'contoso',
      apps: [
        {
          clientId: CRM,
          displayName: 'Contoso CRM',
          secret: 's3cret',
          redirectUris: [REDIRECT, OTHER_REDIRECT],
          publicClient: true,
          roles: ['User.Read.All'],
          scopes: ['User.ReadWrite'],
        },
        { clientId: KIOSK, displayName: 'Contoso Kiosk', publicClient: true, scopes: ['User.ReadWrite'], adminConsent: true },
        {
          clientId: SHORT,
          displayName: 'Contoso Short',
          publicClient: true,
          scopes: ['User.ReadWrite'],
          adminConsent: true,
          refreshTokenLifetimeSeconds: 1,
        },
      ],
      users: [
        user('target', 'Tara Target', { phones: [{ number: '+1 425 555 0100', type: 'mobile' }, { number: '+1 425 555 0101', type: 'home' }] }),
        user('ropc', 'Rita Password'),
        user('device', 'Dev Ice'),
        user('code', 'Cody Browser'),
        user('pkce', 'Pat Verifier'),
        user('reuse', 'Reese Twice'),
        user('redirect', 'Reda Elsewhere'),
        user('expiry', 'Ezra Expired'),
      ],
    },
  ],
};

/** MSAL's ServerError for an Entra error: its OAuth error code and the AADSTS number in its message. */
function assertServerError(err: any, errorCode: string, aadsts: number) {
  assert.ok(err instanceof ServerError, `expected a ServerError, got ${err?.name}: ${err?.message}`);
  assert.equal(err.name, 'ServerError');
  assert.equal(err.errorCode, errorCode, err.message);
  assert.equal(Number(err.errorNo), aadsts);
  assert.ok(err.errorMessage.includes(`AADSTS${aadsts}:`), err.errorMessage);
}

describe('@azure/msal-node against the sign-in service', () => {
  let svc: SignInService;
  let host: string;
  let tenantId: string;
  const ids = new Map<string, string>(); // userPrincipalName -> object id

  before(async () => {
    svc = await startSignInService(seed);
    host = svc.authorityHost;
    tenantId = svc.seeded.tenants[0].id;
    for (const u of svc.seeded.tenants[0].users) ids.set(u.userPrincipalName, u.id);
  });
  after(() => svc?.stop());

  /** An app's MSAL configuration: the authority at this service, known so that MSAL skips instance discovery. */
  const config = (clientId: string, clientSecret?: string): Configuration => ({
    auth: { clientId, clientSecret, authority: `${host}/contoso.onmicrosoft.com`, knownAuthorities: [new URL(host).host] },
  });

  /** Creates a phone with `token` on POST /beta/me/profile/phones, then lists them: the token works on this service. */
  async function createAndList(token: string, number: string): Promise<string[]> {
    const created = await svc.service.request('POST', '/beta/me/profile/phones', { token, body: { number, type: 'mobile' } });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.number, number);
    const listed = await svc.service.request('GET', '/beta/me/profile/phones', { token });
    assert.equal(listed.status, 200, listed.text);
    return listed.json.value.map((p: { number: string }) => p.number);
  }

  /** The id token's claims and the account MSAL built from them, for the user `upn` named `name`. */
  function assertSignedIn(result: AuthenticationResult, upn: string, name: string, clientId: string) {
    const claims = result.idTokenClaims as Record<string, unknown>;
    assert.equal(claims.oid, ids.get(upn));
    assert.equal(claims.tid, tenantId);
    assert.equal(claims.preferred_username, upn);
    assert.equal(claims.name, name);
    assert.equal(claims.aud, clientId);
    assert.equal(claims.iss, `${host}/${tenantId}/v2.0`);
    assert.equal(result.account?.username, upn);
    assert.equal(result.account?.homeAccountId, `${ids.get(upn)}.${tenantId}`);
    assert.equal(result.account?.tenantId, tenantId);
    assert.equal(result.tokenType, 'Bearer');
    assert.ok(result.scopes.includes('User.ReadWrite'), `scopes: ${result.scopes.join(' ')}`);
    const access = decodeJwt(result.accessToken);
    assert.equal(access.oid, ids.get(upn));
    assert.equal(access.scp, 'User.ReadWrite');
  }

  /** A raw refresh token request, as MSAL sends it, with a refresh token taken from its cache. */
  async function redeemRefreshToken(clientId: string, refreshToken: string, secret?: string) {
    const res = await fetch(`${host}/contoso.onmicrosoft.com/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: clientId,
        refresh_token: refreshToken,
        scope: 'User.ReadWrite openid profile offline_access',
        ...(secret ? { client_secret: secret } : {}),
      }),
    });
    return { status: res.status, json: (await res.json()) as any };
  }

  /** The refresh tokens in an app's MSAL cache (the cache's own serialization). */
  const cachedRefreshTokens = (app: PublicClientApplication | ConfidentialClientApplication): string[] =>
    Object.values(JSON.parse(app.getTokenCache().serialize()).RefreshToken as Record<string, { secret: string }>).map((t) => t.secret);

  /**
   * The authorization code flow up to the code: MSAL's authorize URL, then the browser through the sign-in (and
   * consent) pages to the redirect to the app, which it stops at.
   */
  async function authorize(app: PublicClientApplication | ConfidentialClientApplication, login: string, redirectUri = REDIRECT) {
    const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
    const state = `state-${login}`;
    const nonce = `nonce-${login}`;
    const url = await app.getAuthCodeUrl({ scopes: SCOPES, redirectUri, codeChallenge: challenge, codeChallengeMethod: 'S256', state, nonce });
    const browser = new Browser();
    const pages = await signInOnPages(browser, await browser.get(url), login, PASSWORD);
    assert.equal(pages.end.status, 302, `${pages.end.status} ${headingOf(pages.end)}`);
    assert.ok(pages.end.location?.startsWith(`${redirectUri}?`), pages.end.location);
    const back = new URL(pages.end.location!).searchParams;
    const code = back.get('code')!;
    return { url, pages, verifier, state, nonce, code, payload: { code, state: back.get('state')!, client_info: back.get('client_info')! } };
  }

  test('ConfidentialClientApplication.acquireTokenByClientCredential: an app-only token with the app\'s roles lists a user\'s phones', async () => {
    const cca = new ConfidentialClientApplication(config(CRM, 's3cret'));
    const result = await cca.acquireTokenByClientCredential({ scopes: APP_ONLY });
    assert.ok(result, 'a token');
    assert.equal(result.tokenType, 'Bearer');
    assert.equal(result.account, null);
    const claims = decodeJwt(result.accessToken);
    assert.deepEqual(claims.roles, ['User.Read.All']);
    assert.equal(claims.scp, undefined);
    assert.equal(claims.tid, tenantId);
    assert.equal(claims.appid ?? claims.azp, CRM);

    const listed = await svc.service.request('GET', '/beta/users/target@contoso.com/profile/phones', { token: result.accessToken });
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(listed.json.value.map((p: { number: string }) => p.number).sort(), ['+1 425 555 0100', '+1 425 555 0101']);
    // As on Graph, an application may not write a user's profile.
    const body = { number: '+1 425 555 0199' };
    const write = await svc.service.request('POST', '/beta/users/target@contoso.com/profile/phones', { token: result.accessToken, body });
    assert.equal(write.status, 403, write.text);

    // The next call is answered from MSAL's cache: the same token.
    const again = await cca.acquireTokenByClientCredential({ scopes: APP_ONLY });
    assert.equal(again?.accessToken, result.accessToken);
    assert.equal(again?.fromCache, true);
  });

  test('PublicClientApplication.acquireTokenByUsernamePassword: id token claims, and the token creates and lists phones', async () => {
    const pca = new PublicClientApplication(config(KIOSK));
    const result = await pca.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'ropc@contoso.com', password: PASSWORD });
    assert.ok(result, 'a token');
    assertSignedIn(result, 'ropc@contoso.com', 'Rita Password', KIOSK);
    assert.equal(cachedRefreshTokens(pca).length, 1, 'a refresh token cached');
    assert.deepEqual(await createAndList(result.accessToken, '+1 206 555 0001'), ['+1 206 555 0001']);
  });

  test('acquireTokenByDeviceCode: the user enters the code on /devicelogin, signs in and consents; the token creates and lists phones', async () => {
    const pca = new PublicClientApplication(config(CRM));
    let user: Promise<SignInPages> | undefined;
    let shown: { verificationUri: string; message: string; userCode: string } | undefined;
    const request: DeviceCodeRequest = {
      scopes: SCOPES,
      deviceCodeCallback: (info) => {
        shown = info;
        user = signInOnDevicePage(info.verificationUri, info.userCode, 'device@contoso.com', PASSWORD);
        // Should the user fail, MSAL stops polling (else it would poll until the code expires); awaited below.
        user.catch(() => (request.cancel = true));
      },
    };
    const result = await pca.acquireTokenByDeviceCode(request);
    const pages = await user!;
    assert.equal(shown?.verificationUri, `${host}/devicelogin`);
    assert.ok(shown.message.includes(shown.userCode), shown.message);
    assert.match(pageText(pages.signIn), /to continue to Contoso CRM/);
    assert.ok(pages.consent, 'the consent page was shown (first sign-in of this user to the app)');
    assert.match(pageText(pages.consent), /User\.ReadWrite/);
    assert.equal(pages.end.status, 200);
    assert.equal(headingOf(pages.end), 'You’re signed in');

    assert.ok(result, 'a token');
    assertSignedIn(result, 'device@contoso.com', 'Dev Ice', CRM);
    assert.deepEqual(await createAndList(result.accessToken, '+1 206 555 0002'), ['+1 206 555 0002']);
  });

  test('getAuthCodeUrl + acquireTokenByCode with PKCE through the sign-in and consent pages, then acquireTokenSilent forceRefresh', async () => {
    const cca = new ConfidentialClientApplication(config(CRM, 's3cret'));
    const flow = await authorize(cca, 'code@contoso.com');
    const asked = new URL(flow.url).searchParams;
    assert.equal(asked.get('code_challenge_method'), 'S256');
    assert.equal(asked.get('response_type'), 'code');
    assert.match(pageText(flow.pages.signIn), /to continue to Contoso CRM/);
    assert.ok(flow.pages.consent, 'the consent page was shown');
    assert.equal(flow.payload.state, flow.state);
    assert.ok(flow.payload.client_info, 'client_info came back (MSAL asks client_info=1)');

    // MSAL 7 checks the id token's nonce against the request's (a confidential client ignores one in the payload).
    const result = await cca.acquireTokenByCode(
      { code: flow.code, scopes: SCOPES, redirectUri: REDIRECT, codeVerifier: flow.verifier, state: flow.state, nonce: flow.nonce },
      flow.payload,
    );
    assertSignedIn(result, 'code@contoso.com', 'Cody Browser', CRM);
    assert.equal((result.idTokenClaims as { nonce?: string }).nonce, flow.nonce);
    assert.deepEqual(await createAndList(result.accessToken, '+1 206 555 0003'), ['+1 206 555 0003']);

    const [oldRefreshToken] = cachedRefreshTokens(cca);
    assert.ok(oldRefreshToken, 'a refresh token cached');
    const silent = await cca.acquireTokenSilent({ account: result.account!, scopes: SCOPES, forceRefresh: true });
    assert.equal(silent.fromCache, false);
    assert.notEqual(silent.accessToken, result.accessToken);
    assertSignedIn(silent, 'code@contoso.com', 'Cody Browser', CRM);
    assert.deepEqual((await createAndList(silent.accessToken, '+1 206 555 0004')).sort(), ['+1 206 555 0003', '+1 206 555 0004']);
    // Rotation: the cache holds the new refresh token; the old one is spent.
    const [newRefreshToken] = cachedRefreshTokens(cca);
    assert.ok(newRefreshToken && newRefreshToken !== oldRefreshToken, 'the cache holds a new refresh token');
    const spent = await redeemRefreshToken(CRM, oldRefreshToken, 's3cret');
    assert.equal(spent.status, 400);
    assert.equal(spent.json.error, 'invalid_grant');
    assert.deepEqual(spent.json.error_codes, [9002313]);
  });

  describe('errors, as MSAL surfaces them', () => {
    test('wrong client secret: invalid_client, AADSTS7000215', async () => {
      const cca = new ConfidentialClientApplication(config(CRM, 'not-the-secret'));
      const err = await thrown(() => cca.acquireTokenByClientCredential({ scopes: APP_ONLY }));
      assertServerError(err, 'invalid_client', 7000215);
    });

    test('wrong password: invalid_grant, AADSTS50126', async () => {
      const pca = new PublicClientApplication(config(KIOSK));
      const err = await thrown(() => pca.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'ropc@contoso.com', password: 'wrong' }));
      assertServerError(err, 'invalid_grant', 50126);
    });

    test('unknown client: unauthorized_client, AADSTS700016', async () => {
      const cca = new ConfidentialClientApplication(config('99999999-9999-4999-8999-999999999999', 's3cret'));
      const err = await thrown(() => cca.acquireTokenByClientCredential({ scopes: APP_ONLY }));
      assertServerError(err, 'unauthorized_client', 700016);
    });

    test('a redirect URI the app did not register: the authorize URL answers an error page (400), not a redirect', async () => {
      const cca = new ConfidentialClientApplication(config(CRM, 's3cret'));
      const url = await cca.getAuthCodeUrl({ scopes: SCOPES, redirectUri: 'https://app.example.com/cb', state: 's' });
      const page = await new Browser().get(url);
      assert.equal(page.status, 400);
      assert.equal(page.location, undefined);
      assert.equal(page.headers.get('location'), null);
      assert.equal(headingOf(page), 'Sorry, but we’re having trouble signing you in.');
      assert.match(page.body, /AADSTS50011:/);
      assert.equal(page.forms.length, 0);
    });

    test('acquireTokenByCode with a redirect URI other than the code\'s: invalid_grant, AADSTS70000', async () => {
      const cca = new ConfidentialClientApplication(config(CRM, 's3cret'));
      const flow = await authorize(cca, 'redirect@contoso.com');
      const request = { code: flow.code, scopes: SCOPES, redirectUri: OTHER_REDIRECT, codeVerifier: flow.verifier, nonce: flow.nonce };
      const err = await thrown(() => cca.acquireTokenByCode(request));
      assertServerError(err, 'invalid_grant', 70000);
    });

    test('a PKCE verifier that does not match the challenge: invalid_grant, AADSTS501481', async () => {
      const pca = new PublicClientApplication(config(CRM));
      const flow = await authorize(pca, 'pkce@contoso.com');
      const other = await new CryptoProvider().generatePkceCodes();
      const request = { code: flow.code, scopes: SCOPES, redirectUri: REDIRECT, codeVerifier: other.verifier, nonce: flow.nonce };
      const err = await thrown(() => pca.acquireTokenByCode(request));
      assertServerError(err, 'invalid_grant', 501481);
    });

    test('a code redeemed twice: invalid_grant, AADSTS54005', async () => {
      const pca = new PublicClientApplication(config(CRM));
      const flow = await authorize(pca, 'reuse@contoso.com');
      const request = { code: flow.code, scopes: SCOPES, redirectUri: REDIRECT, codeVerifier: flow.verifier, nonce: flow.nonce };
      const first = await pca.acquireTokenByCode(request);
      assertSignedIn(first, 'reuse@contoso.com', 'Reese Twice', CRM);
      assertServerError(await thrown(() => pca.acquireTokenByCode(request)), 'invalid_grant', 54005);
    });

    test('an expired refresh token: acquireTokenSilent forceRefresh fails with invalid_grant, AADSTS700082', async () => {
      const pca = new PublicClientApplication(config(SHORT));
      const result = await pca.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'expiry@contoso.com', password: PASSWORD });
      assert.ok(result?.account, 'signed in');
      await sleep(1200); // the app's refresh tokens last one second
      const err = await thrown(() => pca.acquireTokenSilent({ account: result.account!, scopes: SCOPES, forceRefresh: true }));
      assertServerError(err, 'invalid_grant', 700082);
    });

    test('a scope the app does not list: invalid_scope, AADSTS650057 (password grant, and the authorize URL\'s redirect)', async () => {
      const pca = new PublicClientApplication(config(KIOSK));
      const asked = { scopes: ['User.Read.All'], username: 'ropc@contoso.com', password: PASSWORD };
      const err = await thrown(() => pca.acquireTokenByUsernamePassword(asked));
      assertServerError(err, 'invalid_scope', 650057);

      const cca = new ConfidentialClientApplication(config(CRM, 's3cret'));
      const url = await cca.getAuthCodeUrl({ scopes: ['User.Read.All'], redirectUri: REDIRECT, state: 'scope-state' });
      const page = await new Browser().get(url);
      assert.equal(page.status, 302);
      const back = new URL(page.location!);
      assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
      assert.equal(back.searchParams.get('error'), 'invalid_scope');
      assert.match(back.searchParams.get('error_description')!, /^AADSTS650057:/);
      assert.equal(back.searchParams.get('state'), 'scope-state');
      assert.equal(back.searchParams.get('code'), null);
    });
  });
});

describe('@azure/msal-node: refresh tokens revoked by POST /_emulator/reset', () => {
  const resetSeed = { tenants: [{ name: 'contoso', apps: [seed.tenants[0]!.apps[1]], users: [user('revoked', 'Rory Revoked')] }] };
  let svc: SignInService;
  before(async () => {
    svc = await startSignInService(resetSeed);
  });
  after(() => svc?.stop());

  test('after reset and the same seed again, acquireTokenSilent forceRefresh fails with invalid_grant (AADSTS9002313)', async () => {
    const host = svc.authorityHost;
    const auth = { clientId: KIOSK, authority: `${host}/contoso.onmicrosoft.com`, knownAuthorities: [new URL(host).host] };
    const pca = new PublicClientApplication({ auth });
    const result = await pca.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'revoked@contoso.com', password: PASSWORD });
    assert.ok(result?.account, 'signed in');
    // The refresh token works before the reset.
    const refreshed = await pca.acquireTokenSilent({ account: result.account, scopes: SCOPES, forceRefresh: true });
    assert.equal(refreshed.fromCache, false);

    const reset = await svc.service.request('POST', '/_emulator/reset');
    assert.equal(reset.status, 200, reset.text);
    const reseeded = await svc.service.request('POST', '/_emulator/seed', { body: resetSeed });
    assert.equal(reseeded.status, 200, reseeded.text);

    const err = await thrown(() => pca.acquireTokenSilent({ account: result.account!, scopes: SCOPES, forceRefresh: true }));
    assertServerError(err, 'invalid_grant', 9002313);
    // The user signs in again as before: the seed is back.
    const again = await pca.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'revoked@contoso.com', password: PASSWORD });
    assert.equal(again?.account?.username, 'revoked@contoso.com');
  });
});
