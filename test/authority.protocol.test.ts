// The sign-in service as Entra's protocol describes it, over HTTP without a library: discovery and keys for every
// tenant segment, the token endpoint's answers and errors (Entra's shape and status), the authorize flow through the
// pages (consent once, sessions, response modes, prompt), single-page apps' CORS rules, logout, and reset.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { Browser, pkcePair, formPostFields, startSignInService, type Page, type SignInService } from './support/signIn.ts';
import { startTestService } from './support/service.ts';

const CRM = '11111111-1111-4111-8111-111111111111';
const SPA = '22222222-2222-4222-8222-222222222222';
const DAEMON = '33333333-3333-4333-8333-333333333333';
const LISTED = '44444444-4444-4444-8444-444444444444';
const ADMIN_SCOPES = '55555555-5555-4555-8555-555555555555';
const KIOSK = '66666666-6666-4666-8666-666666666666';
const CB = 'http://localhost:3000/cb';
const SPA_URI = 'http://localhost:5173/';
const PASSWORD = 'Pa55w.rd!';

const seed = {
  tenants: [
    {
      name: 'contoso',
      apps: [
        { clientId: CRM, displayName: 'Contoso CRM', secret: 'crm-secret', redirectUris: [CB] },
        { clientId: SPA, displayName: 'Contoso SPA', spaRedirectUris: [SPA_URI] },
        { clientId: DAEMON, displayName: 'Contoso Daemon', secret: 'daemon-secret', roles: ['User.Read.All'] },
        { clientId: LISTED, displayName: 'Listed', publicClient: true, scopes: ['User.Read'], adminConsent: true, redirectUris: ['http://127.0.0.1/'] },
        { clientId: ADMIN_SCOPES, displayName: 'Directory Reader', publicClient: true, scopes: ['User.Read.All'], redirectUris: [CB] },
        { clientId: KIOSK, displayName: 'Kiosk', publicClient: true },
      ],
      users: [
        { userPrincipalName: 'adele@contoso.com', displayName: 'Adele Vance', password: PASSWORD },
        { userPrincipalName: 'megan@contoso.com', displayName: 'Megan Bowen', password: PASSWORD, admin: true },
        { userPrincipalName: 'nopass@contoso.com' },
      ],
    },
    { name: 'fabrikam', users: [{ userPrincipalName: 'alex@fabrikam.com', password: PASSWORD }] },
  ],
};

let s: SignInService;
let tenantId: string;
before(async () => {
  s = await startSignInService(seed);
  tenantId = s.seeded.tenants[0].id;
});
after(() => s?.stop());

/** A JSON answer, as any: the tests read what they check. */
const jsonOf = (res: Response): Promise<any> => res.json();

const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(s.authorityHost + path, { method: 'POST', body: new URLSearchParams(form), headers });
const token = (form: Record<string, string>, headers: Record<string, string> = {}, tenant = 'contoso.onmicrosoft.com') =>
  post(`/${tenant}/oauth2/v2.0/token`, form, headers);

/** Asserts Entra's error shape: error, "AADSTSnnn: ..." with trace and correlation ids, error_codes, timestamp. */
async function assertEntraError(res: Response, status: number, error: string, code: number) {
  const text = await res.text();
  assert.equal(res.status, status, text);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const body = JSON.parse(text);
  assert.equal(body.error, error, text);
  assert.deepEqual(body.error_codes, [code]);
  assert.match(body.error_description, new RegExp(`^AADSTS${code}: .+ Trace ID: \\S+ Correlation ID: \\S+ Timestamp: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`));
  assert.match(body.timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  assert.equal(typeof body.trace_id, 'string');
  assert.equal(typeof body.correlation_id, 'string');
  return body;
}

/** Signs `login` in through the pages from an authorize URL; accepts consent when asked. Returns the last page. */
async function signIn(browser: Browser, authorizeUrl: string, login = 'adele@contoso.com', password = PASSWORD): Promise<Page> {
  let page = await browser.get(authorizeUrl);
  if (page.forms[0]?.inputs.some((i) => i.name === 'passwd')) page = await browser.submit(page.forms[0]!, { login, passwd: password });
  if (page.forms[0]?.inputs.some((i) => i.name === 'decision')) page = await browser.submit(page.forms[0]!, {}, { button: 'Accept' });
  return page;
}

const authorizeUrl = (params: Record<string, string>, tenant = 'contoso.onmicrosoft.com') =>
  `${s.authorityHost}/${tenant}/oauth2/v2.0/authorize?${new URLSearchParams({ response_type: 'code', scope: 'openid profile offline_access User.Read', ...params })}`;

describe('discovery and keys', () => {
  test('every tenant segment Entra accepts has a v2.0 document whose endpoints and issuer name the host reached', async () => {
    for (const [segment, issuerTenant] of [
      [tenantId, tenantId],
      ['contoso.onmicrosoft.com', tenantId],
      ['common', '{tenantid}'],
      ['organizations', '{tenantid}'],
      ['consumers', '9188040d-6c67-4c5b-b112-36a304b66dad'],
    ] as const) {
      const res = await fetch(`${s.authorityHost}/${segment}/v2.0/.well-known/openid-configuration`);
      assert.equal(res.status, 200, segment);
      const doc = await jsonOf(res);
      assert.equal(doc.issuer, `${s.authorityHost}/${issuerTenant}/v2.0`);
      for (const [key, path] of [
        ['token_endpoint', 'oauth2/v2.0/token'],
        ['authorization_endpoint', 'oauth2/v2.0/authorize'],
        ['device_authorization_endpoint', 'oauth2/v2.0/devicecode'],
        ['end_session_endpoint', 'oauth2/v2.0/logout'],
        ['jwks_uri', 'discovery/v2.0/keys'],
      ]) {
        assert.equal(doc[key], `${s.authorityHost}/${segment}/${path}`, `${segment} ${key}`);
      }
      assert.deepEqual(doc.response_modes_supported, ['query', 'fragment', 'form_post']);
    }
  });

  test('the v1 document names the access tokens\' issuer; an unknown tenant is Entra\'s 400', async () => {
    const v1 = await jsonOf(await fetch(`${s.authorityHost}/${tenantId}/.well-known/openid-configuration`));
    assert.equal(v1.issuer, `https://sts.windows.net/${tenantId}/`);
    await assertEntraError(await fetch(`${s.authorityHost}/nowhere.onmicrosoft.com/v2.0/.well-known/openid-configuration`), 400, 'invalid_tenant', 90002);
  });

  test('the published keys verify the access and id tokens issued', async () => {
    const jwks = await jsonOf(await fetch(`${s.authorityHost}/common/discovery/v2.0/keys`));
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0].kty, 'RSA');
    assert.equal(jwks.keys[0].d, undefined, 'no private part');
    const res = await token({ grant_type: 'password', client_id: LISTED, username: 'adele@contoso.com', password: PASSWORD, scope: 'User.Read openid profile' });
    assert.equal(res.status, 200);
    const answer = await jsonOf(res);
    const keys = createLocalJWKSet(jwks);
    const access = await jwtVerify(answer.access_token, keys, { audience: 'https://graph.microsoft.com', issuer: `https://sts.windows.net/${tenantId}/` });
    assert.equal(access.payload.scp, 'User.Read');
    assert.equal(access.payload.appid, LISTED);
    const id = await jwtVerify(answer.id_token, keys, { audience: LISTED, issuer: `${s.authorityHost}/${tenantId}/v2.0` });
    assert.equal(id.payload.preferred_username, 'adele@contoso.com');
    assert.equal(id.payload.name, 'Adele Vance');
    assert.equal(id.payload.tid, tenantId);
    assert.equal(id.payload.oid, s.seeded.tenants[0].users[0].id);
  });

  test('in entra identity mode none of the sign-in paths exist', async () => {
    const entra = await startTestService(['--identity', 'entra', '--entra-tenants', tenantId]);
    try {
      for (const path of ['/common/v2.0/.well-known/openid-configuration', '/common/discovery/v2.0/keys', '/devicelogin']) {
        assert.equal((await entra.request('GET', path)).status, 404, path);
      }
      assert.equal((await entra.request('POST', '/common/oauth2/v2.0/token', { rawBody: 'grant_type=client_credentials', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status, 404);
    } finally {
      await entra.stop();
    }
  });
});

describe('the token endpoint', () => {
  test('client credentials: an app-only token with the app\'s roles, in Entra\'s answer shape, that lists anyone\'s phones', async () => {
    const res = await token({ grant_type: 'client_credentials', client_id: DAEMON, client_secret: 'daemon-secret', scope: 'https://graph.microsoft.com/.default' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store, no-cache');
    const answer = await jsonOf(res);
    assert.deepEqual(Object.keys(answer), ['token_type', 'expires_in', 'ext_expires_in', 'access_token']);
    assert.equal(answer.token_type, 'Bearer');
    assert.equal(answer.expires_in, 3600);
    const claims = decodeJwt(answer.access_token);
    assert.deepEqual(claims.roles, ['User.Read.All']);
    assert.equal(claims.idtyp, 'app');
    assert.equal(claims.app_displayname, 'Contoso Daemon');
    const list = await s.service.request('GET', '/beta/users/adele@contoso.com/profile/phones', { token: answer.access_token });
    assert.equal(list.status, 200, list.text);
  });

  test('client_secret_basic works as client_secret_post does', async () => {
    const basic = Buffer.from(`${DAEMON}:${encodeURIComponent('daemon-secret')}`).toString('base64');
    const res = await token({ grant_type: 'client_credentials', scope: '00000003-0000-0000-c000-000000000000/.default' }, { authorization: `Basic ${basic}` });
    assert.equal(res.status, 200);
  });

  test('errors of the client credentials grant', async () => {
    await assertEntraError(await token({ grant_type: 'client_credentials', client_id: DAEMON, client_secret: 'wrong', scope: 'https://graph.microsoft.com/.default' }), 401, 'invalid_client', 7000215);
    await assertEntraError(await token({ grant_type: 'client_credentials', client_id: DAEMON, scope: 'https://graph.microsoft.com/.default' }), 401, 'invalid_client', 7000218);
    await assertEntraError(await token({ grant_type: 'client_credentials', client_id: DAEMON, client_secret: 'daemon-secret', scope: 'User.Read' }), 400, 'invalid_scope', 1002012);
    await assertEntraError(await token({ grant_type: 'client_credentials', client_id: DAEMON, client_secret: 'daemon-secret', scope: 'api://other/.default' }), 400, 'invalid_resource', 500011);
    const unknown = await assertEntraError(
      await token({ grant_type: 'client_credentials', client_id: '99999999-9999-4999-8999-999999999999', client_secret: 'x', scope: 'https://graph.microsoft.com/.default' }),
      400,
      'unauthorized_client',
      700016,
    );
    assert.match(unknown.error_description, /99999999-9999-4999-8999-999999999999/);
    // The app lives in contoso: fabrikam does not know it.
    await assertEntraError(
      await token({ grant_type: 'client_credentials', client_id: DAEMON, client_secret: 'daemon-secret', scope: 'https://graph.microsoft.com/.default' }, {}, 'fabrikam.onmicrosoft.com'),
      400,
      'unauthorized_client',
      700016,
    );
    await assertEntraError(await token({ grant_type: 'client_credentials', client_id: DAEMON }, {}, 'nowhere.onmicrosoft.com'), 400, 'invalid_request', 90002);
  });

  test('the request itself: missing grant_type, unknown grant, not a form, the client\'s correlation id echoed', async () => {
    await assertEntraError(await token({ client_id: DAEMON }), 400, 'invalid_request', 900144);
    await assertEntraError(await token({ grant_type: 'magic', client_id: DAEMON }), 400, 'unsupported_grant_type', 70003);
    const json = await fetch(`${s.authorityHost}/common/oauth2/v2.0/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":"password"}' });
    await assertEntraError(json, 400, 'invalid_request', 900144);
    const xml = await fetch(`${s.authorityHost}/common/oauth2/v2.0/token`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<x/>' });
    await assertEntraError(xml, 415, 'invalid_request', 90013);
    const correlated = await assertEntraError(await token({ client_id: DAEMON }, { 'client-request-id': '0d9a3c8e-1b2c-4d5e-8f90-123456789abc' }), 400, 'invalid_request', 900144);
    assert.equal(correlated.correlation_id, '0d9a3c8e-1b2c-4d5e-8f90-123456789abc');
  });

  test('password grant: errors for a wrong password, an unknown user, no password, no consent, a public-client flow not allowed', async () => {
    const form = { grant_type: 'password', client_id: LISTED, scope: 'User.Read openid' };
    await assertEntraError(await token({ ...form, username: 'adele@contoso.com', password: 'nope' }), 400, 'invalid_grant', 50126);
    await assertEntraError(await token({ ...form, username: 'nobody@contoso.com', password: PASSWORD }), 400, 'invalid_grant', 50034);
    await assertEntraError(await token({ ...form, username: 'nopass@contoso.com', password: 'anything' }), 400, 'invalid_grant', 50126);
    // Another tenant's user is not found through this tenant.
    await assertEntraError(await token({ ...form, username: 'alex@fabrikam.com', password: PASSWORD }), 400, 'invalid_grant', 50034);
    // A scope the app does not list.
    await assertEntraError(await token({ ...form, scope: 'User.ReadWrite', username: 'adele@contoso.com', password: PASSWORD }), 400, 'invalid_scope', 650057);
    // CRM has no admin consent and Megan never consented: the password grant cannot ask.
    const consent = await assertEntraError(
      await token({ grant_type: 'password', client_id: CRM, client_secret: 'crm-secret', scope: 'User.Read', username: 'megan@contoso.com', password: PASSWORD }),
      400,
      'invalid_grant',
      65001,
    );
    assert.equal(consent.suberror, 'consent_required');
    // A confidential app without "allow public client flows", asked without its secret.
    await assertEntraError(await token({ grant_type: 'password', client_id: CRM, scope: 'User.Read', username: 'adele@contoso.com', password: PASSWORD }), 401, 'invalid_client', 7000218);
  });

  test('scopes as Entra reads them: Graph\'s URI, its app id or a bare name; .default; other resources refused', async () => {
    const form = { grant_type: 'password', client_id: LISTED, username: 'adele@contoso.com', password: PASSWORD };
    for (const scope of ['https://graph.microsoft.com/User.Read', '00000003-0000-0000-c000-000000000000/user.read', 'User.Read', '.default', 'https://graph.microsoft.com/.default']) {
      const res = await token({ ...form, scope });
      assert.equal(res.status, 200, scope);
      assert.equal(decodeJwt((await jsonOf(res)).access_token).scp, 'User.Read', scope);
    }
    await assertEntraError(await token({ ...form, scope: 'https://graph.microsoft.com/.default User.Read' }), 400, 'invalid_scope', 70011);
    await assertEntraError(await token({ ...form, scope: 'https://outlook.office.com/Mail.Read' }), 400, 'invalid_resource', 500011);
  });

  test('the answer for a user: scope, refresh token, id token, client_info as MSAL reads them', async () => {
    const res = await token({ grant_type: 'password', client_id: LISTED, username: 'adele@contoso.com', password: PASSWORD, scope: 'User.Read openid profile offline_access', client_info: '1' });
    const answer = await jsonOf(res);
    assert.deepEqual(Object.keys(answer), ['token_type', 'scope', 'expires_in', 'ext_expires_in', 'access_token', 'refresh_token', 'id_token', 'client_info']);
    assert.equal(answer.scope, 'User.Read openid profile offline_access');
    assert.deepEqual(JSON.parse(Buffer.from(answer.client_info, 'base64url').toString()), { uid: s.seeded.tenants[0].users[0].id, utid: tenantId });
    const access = decodeJwt(answer.access_token);
    assert.equal(access.upn, 'adele@contoso.com');
    assert.equal(access.name, 'Adele Vance');
    assert.notEqual(answer.refresh_token.split('.').length, 3, 'opaque, not a JWT');
  });

  test('refresh tokens rotate: the one used is spent, its successor works', async () => {
    const first = await jsonOf(await token({ grant_type: 'password', client_id: LISTED, username: 'adele@contoso.com', password: PASSWORD, scope: 'User.Read offline_access' }));
    const second = await token({ grant_type: 'refresh_token', client_id: LISTED, refresh_token: first.refresh_token, scope: 'User.Read offline_access' });
    assert.equal(second.status, 200);
    const next = await jsonOf(second);
    assert.notEqual(next.refresh_token, first.refresh_token);
    assert.notEqual(next.access_token, first.access_token);
    await assertEntraError(await token({ grant_type: 'refresh_token', client_id: LISTED, refresh_token: first.refresh_token }), 400, 'invalid_grant', 9002313);
    // Another client cannot use it.
    await assertEntraError(await token({ grant_type: 'refresh_token', client_id: CRM, client_secret: 'crm-secret', refresh_token: next.refresh_token }), 400, 'invalid_grant', 70000);
    const third = await token({ grant_type: 'refresh_token', client_id: LISTED, refresh_token: next.refresh_token });
    assert.equal(third.status, 200);
  });
});

describe('the authorization code flow through the pages', () => {
  test('sign-in page, consent the first time, code to the redirect URI; the code redeemed with PKCE', async () => {
    const browser = new Browser();
    const pkce = pkcePair();
    const url = authorizeUrl({ client_id: CRM, redirect_uri: CB, state: 's1', nonce: 'n1', code_challenge: pkce.challenge, code_challenge_method: 'S256' });
    let page = await browser.get(url);
    assert.equal(page.status, 200);
    assert.match(page.html!, /Contoso CRM/);
    const form = page.forms[0]!;
    assert.equal(form.inputs.find((i) => i.name === 'login')?.label, 'User name');
    assert.equal(form.inputs.find((i) => i.name === 'passwd')?.label, 'Password');
    // A wrong password: the page again, saying so.
    page = await browser.submit(form, { login: 'adele@contoso.com', passwd: 'wrong' });
    assert.equal(page.status, 200);
    assert.match(page.html!, /role="alert"[^>]*>[^<]*incorrect/);
    page = await browser.submit(page.forms[0]!, { login: 'adele@contoso.com', passwd: PASSWORD });
    assert.match(page.html!, /Permissions requested/);
    assert.match(page.html!, /adele@contoso\.com/);
    page = await browser.submit(page.forms[0]!, {}, { button: 'Accept' });
    assert.equal(page.status, 302);
    const back = new URL(page.location!);
    assert.equal(`${back.origin}${back.pathname}`, CB);
    assert.equal(back.searchParams.get('state'), 's1');
    const code = back.searchParams.get('code')!;
    const wrongVerifier = await token({ grant_type: 'authorization_code', client_id: CRM, client_secret: 'crm-secret', code, redirect_uri: CB, code_verifier: pkcePair().verifier });
    await assertEntraError(wrongVerifier, 400, 'invalid_grant', 501481);
    const noSecret = await token({ grant_type: 'authorization_code', client_id: CRM, code, redirect_uri: CB, code_verifier: pkce.verifier });
    await assertEntraError(noSecret, 401, 'invalid_client', 7000218);
    const otherRedirect = await token({ grant_type: 'authorization_code', client_id: CRM, client_secret: 'crm-secret', code, redirect_uri: 'http://localhost:3000/other', code_verifier: pkce.verifier });
    const mismatch = await assertEntraError(otherRedirect, 400, 'invalid_grant', 70000);
    assert.match(mismatch.error_description, /'redirect_uri' is not valid/);
    const ok = await token({ grant_type: 'authorization_code', client_id: CRM, client_secret: 'crm-secret', code, redirect_uri: CB, code_verifier: pkce.verifier });
    assert.equal(ok.status, 200);
    const answer = await jsonOf(ok);
    assert.equal(decodeJwt(answer.id_token).nonce, 'n1');
    await assertEntraError(
      await token({ grant_type: 'authorization_code', client_id: CRM, client_secret: 'crm-secret', code, redirect_uri: CB, code_verifier: pkce.verifier }),
      400,
      'invalid_grant',
      54005,
    );
    await assertEntraError(await token({ grant_type: 'authorization_code', client_id: CRM, client_secret: 'crm-secret', code: 'made-up', redirect_uri: CB }), 400, 'invalid_grant', 70000);

    // Consent is remembered per user and app, and the session signs the user in again without a password.
    page = await browser.get(authorizeUrl({ client_id: CRM, redirect_uri: CB, state: 's2' }));
    assert.equal(page.status, 302, page.html);
    assert.equal(new URL(page.location!).searchParams.get('state'), 's2');
    // prompt=login asks for the password even so; prompt=consent asks consent again.
    page = await browser.get(authorizeUrl({ client_id: CRM, redirect_uri: CB, prompt: 'login' }));
    assert.ok(page.forms[0]?.inputs.some((i) => i.name === 'passwd'));
    page = await browser.get(authorizeUrl({ client_id: CRM, redirect_uri: CB, prompt: 'consent' }));
    assert.match(page.html!, /Permissions requested/);
  });

  test('Cancel on the consent page sends access_denied back to the app', async () => {
    const browser = new Browser();
    let page = await browser.get(authorizeUrl({ client_id: CRM, redirect_uri: CB, state: 'c' }));
    page = await browser.submit(page.forms[0]!, { login: 'megan@contoso.com', passwd: PASSWORD });
    page = await browser.submit(page.forms[0]!, {}, { button: 'Cancel' });
    assert.equal(page.status, 302);
    const back = new URL(page.location!);
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('error_subcode'), 'cancel');
    assert.match(back.searchParams.get('error_description')!, /^AADSTS65004:/);
    assert.equal(back.searchParams.get('state'), 'c');
  });

  test('requests whose redirect URI is not the app\'s are answered on a page, never redirected', async () => {
    const browser = new Browser();
    for (const [params, code] of [
      [{ client_id: CRM, redirect_uri: 'https://evil.example/cb' }, 50011],
      [{ client_id: '99999999-9999-4999-8999-999999999999', redirect_uri: CB }, 700016],
      [{ client_id: CRM }, 900144],
    ] as const) {
      const page = await browser.get(authorizeUrl(params));
      assert.equal(page.status, 400);
      assert.equal(page.location, undefined);
      assert.match(page.html!, new RegExp(`AADSTS${code}:`));
    }
    const page = await browser.get(authorizeUrl({ client_id: CRM, redirect_uri: CB }, 'nowhere.onmicrosoft.com'));
    assert.equal(page.status, 400);
    assert.match(page.html!, /AADSTS90002:/);
  });

  test('errors after the redirect URI is known go back to it: bad response_type, bad scope', async () => {
    const browser = new Browser();
    let page = await browser.get(authorizeUrl({ client_id: CRM, redirect_uri: CB, response_type: 'token', state: 'x' }));
    assert.equal(new URL(page.location!).searchParams.get('error'), 'unsupported_response_type');
    page = await browser.get(authorizeUrl({ client_id: LISTED, redirect_uri: 'http://127.0.0.1/', scope: 'User.ReadWrite' }));
    assert.equal(new URL(page.location!).searchParams.get('error'), 'invalid_scope');
  });

  test('a loopback redirect URI matches on any port (native apps)', async () => {
    const page = await new Browser().get(authorizeUrl({ client_id: LISTED, redirect_uri: 'http://127.0.0.1:49152/' }));
    assert.equal(page.status, 200);
    assert.ok(page.forms[0]?.inputs.some((i) => i.name === 'passwd'));
  });

  test('response_mode fragment and form_post', async () => {
    const browser = new Browser();
    let page = await signIn(browser, authorizeUrl({ client_id: CRM, redirect_uri: CB, response_mode: 'fragment', state: 'f' }));
    const fragment = new URLSearchParams(new URL(page.location!).hash.slice(1));
    assert.ok(fragment.get('code'));
    assert.equal(fragment.get('state'), 'f');
    page = await browser.get(authorizeUrl({ client_id: CRM, redirect_uri: CB, response_mode: 'form_post', state: 'p' }));
    assert.equal(page.status, 200);
    const posted = formPostFields(page.html!, page.url);
    assert.equal(posted.action, CB);
    assert.equal(posted.fields.state, 'p');
    assert.ok(posted.fields.code);
    assert.match(page.headers.get('content-security-policy')!, /form-action 'self' http:\/\/localhost:3000/);
  });

  test('prompt=none: login_required without a session, interaction_required without consent', async () => {
    let page = await new Browser().get(authorizeUrl({ client_id: CRM, redirect_uri: CB, prompt: 'none', state: 'n' }));
    assert.equal(new URL(page.location!).searchParams.get('error'), 'login_required');
    const browser = new Browser();
    await signIn(browser, authorizeUrl({ client_id: LISTED, redirect_uri: 'http://127.0.0.1/' }), 'adele@contoso.com');
    page = await browser.get(authorizeUrl({ client_id: CRM, redirect_uri: CB, prompt: 'none', scope: 'User.Read User.ReadBasic.All' }));
    const back = new URL(page.location!);
    assert.equal(back.searchParams.get('error'), 'interaction_required');
  });

  test('permissions only an administrator may consent to: a user is told so, an administrator consents', async () => {
    let page = await signIn(new Browser(), authorizeUrl({ client_id: ADMIN_SCOPES, redirect_uri: CB, scope: 'User.Read.All' }));
    assert.equal(page.status, 403);
    assert.match(page.html!, /Need admin approval/);
    page = await signIn(new Browser(), authorizeUrl({ client_id: ADMIN_SCOPES, redirect_uri: CB, scope: 'User.Read.All' }), 'megan@contoso.com');
    assert.equal(page.status, 302);
    assert.ok(new URL(page.location!).searchParams.get('code'));
  });

  test('logout ends the session and goes back only to a registered redirect URI', async () => {
    const browser = new Browser();
    await signIn(browser, authorizeUrl({ client_id: CRM, redirect_uri: CB }));
    assert.equal((await browser.get(authorizeUrl({ client_id: CRM, redirect_uri: CB }))).status, 302, 'signed in');
    let page = await browser.get(`${s.authorityHost}/contoso.onmicrosoft.com/oauth2/v2.0/logout?post_logout_redirect_uri=${encodeURIComponent(CB)}&state=bye`);
    assert.equal(page.status, 302);
    assert.equal(page.location, `${CB}?state=bye`);
    page = await browser.get(authorizeUrl({ client_id: CRM, redirect_uri: CB }));
    assert.equal(page.status, 200, 'asked to sign in again');
    page = await browser.get(`${s.authorityHost}/common/oauth2/v2.0/logout?post_logout_redirect_uri=${encodeURIComponent('https://evil.example/')}`);
    assert.equal(page.status, 200);
    assert.match(page.html!, /signed out/);
  });
});

describe('single-page apps', () => {
  test('a code for an spa redirect URI needs PKCE and is redeemed cross-origin only, with CORS', async () => {
    const browser = new Browser();
    let page = await browser.get(authorizeUrl({ client_id: SPA, redirect_uri: SPA_URI }));
    assert.equal(new URL(page.location!).searchParams.get('error'), 'invalid_request', 'PKCE is required');
    const pkce = pkcePair();
    page = await signIn(browser, authorizeUrl({ client_id: SPA, redirect_uri: SPA_URI, code_challenge: pkce.challenge, code_challenge_method: 'S256' }));
    const code = new URL(page.location!).searchParams.get('code')!;
    const form = { grant_type: 'authorization_code', client_id: SPA, code, redirect_uri: SPA_URI, code_verifier: pkce.verifier };
    await assertEntraError(await token(form), 400, 'invalid_request', 9002327);
    const res = await token(form, { origin: 'http://localhost:5173' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const answer = await jsonOf(res);
    // Its refresh token, too, is redeemed from the page's origin.
    await assertEntraError(await token({ grant_type: 'refresh_token', client_id: SPA, refresh_token: answer.refresh_token }), 400, 'invalid_request', 9002327);
    const refreshed = await token({ grant_type: 'refresh_token', client_id: SPA, refresh_token: answer.refresh_token }, { origin: 'http://localhost:5173' });
    assert.equal(refreshed.status, 200);
    // The preflight a browser sends before a request with other headers.
    const preflight = await fetch(`${s.authorityHost}/common/oauth2/v2.0/token`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,client-request-id' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  });

  test('a web app\'s code is not redeemed cross-origin', async () => {
    const page = await signIn(new Browser(), authorizeUrl({ client_id: CRM, redirect_uri: CB }));
    const code = new URL(page.location!).searchParams.get('code')!;
    const res = await token({ grant_type: 'authorization_code', client_id: CRM, client_secret: 'crm-secret', code, redirect_uri: CB }, { origin: 'http://localhost:3000' });
    await assertEntraError(res, 400, 'invalid_request', 9002326);
  });
});

describe('device code', () => {
  test('the device code answer, the pending poll, the page, then tokens', async () => {
    const res = await post('/organizations/oauth2/v2.0/devicecode', { client_id: LISTED, scope: 'User.Read openid offline_access' });
    assert.equal(res.status, 200);
    const device = await jsonOf(res);
    assert.match(device.user_code, /^[A-Z2-9]{9}$/);
    assert.equal(device.verification_uri, `${s.authorityHost}/devicelogin`);
    assert.equal(device.interval, 5);
    assert.equal(device.expires_in, 900);
    assert.match(device.message, new RegExp(device.user_code));
    const poll = { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: LISTED, device_code: device.device_code };
    await assertEntraError(await post('/organizations/oauth2/v2.0/token', poll), 400, 'authorization_pending', 70016);
    const browser = new Browser();
    let page = await browser.get(device.verification_uri);
    assert.equal(page.forms[0]!.inputs.find((i) => i.name === 'otc')?.label, 'Code');
    page = await browser.submit(page.forms[0]!, { otc: 'WRONGCODE' });
    assert.match(page.html!, /didn’t work/);
    page = await browser.submit(page.forms[0]!, { otc: device.user_code.toLowerCase() });
    page = await browser.submit(page.forms[0]!, { login: 'adele@contoso.com', passwd: PASSWORD });
    assert.match(page.html!, /signed in/);
    const done = await post('/organizations/oauth2/v2.0/token', poll);
    assert.equal(done.status, 200);
    assert.equal(decodeJwt((await jsonOf(done)).access_token).upn, 'adele@contoso.com');
    // Used once.
    await assertEntraError(await post('/organizations/oauth2/v2.0/token', poll), 400, 'invalid_grant', 70000);
  });

  test('declined on the consent page: authorization_declined', async () => {
    const device = await jsonOf(await post('/contoso.onmicrosoft.com/oauth2/v2.0/devicecode', { client_id: KIOSK, scope: 'User.Read' }));
    const browser = new Browser();
    let page = await browser.get(device.verification_uri);
    page = await browser.submit(page.forms[0]!, { otc: device.user_code });
    page = await browser.submit(page.forms[0]!, { login: 'adele@contoso.com', passwd: PASSWORD });
    assert.match(page.html!, /Permissions requested/);
    page = await browser.submit(page.forms[0]!, {}, { button: 'Cancel' });
    assert.match(page.html!, /declined/);
    const poll = { grant_type: 'device_code', client_id: KIOSK, device_code: device.device_code };
    await assertEntraError(await post('/contoso.onmicrosoft.com/oauth2/v2.0/token', poll), 400, 'authorization_declined', 70019);
  });

  test('a confidential app without public client flows gets no device code', async () => {
    await assertEntraError(await post('/contoso.onmicrosoft.com/oauth2/v2.0/devicecode', { client_id: CRM, scope: 'User.Read' }), 401, 'invalid_client', 7000218);
  });
});

describe('seed and reset', () => {
  test('the seed answers each tenant\'s id, domain and apps; a bad app is refused with its place', async () => {
    assert.equal(s.seeded.tenants[0].domain, 'contoso.onmicrosoft.com');
    assert.deepEqual(s.seeded.tenants[0].apps[0], { clientId: CRM, displayName: 'Contoso CRM' });
    for (const [app, message] of [
      [{ clientId: 'not-a-guid' }, /tenants\[0\]\.apps\[0\]\.clientId: must be a GUID/],
      [{ clientId: CRM, redirectUris: ['http://example.com/cb'] }, /apps\[0\]\.redirectUris\[0\]: must use https/],
      [{ clientId: CRM, colour: 'red' }, /apps\[0\]\.colour: is not a property of an app/],
      [{ clientId: CRM, refreshTokenLifetimeSeconds: 0 }, /refreshTokenLifetimeSeconds: must be a positive whole number/],
    ] as const) {
      const res = await s.service.request('POST', '/_emulator/seed', { body: { tenants: [{ name: 'other', apps: [app] }] } });
      assert.equal(res.status, 400, JSON.stringify(app));
      assert.match(res.json.error.message, message);
    }
  });

  test('reset revokes refresh tokens and forgets apps; seeding again signs in again', async () => {
    const answer = await jsonOf(await token({ grant_type: 'password', client_id: LISTED, username: 'adele@contoso.com', password: PASSWORD, scope: 'User.Read offline_access' }));
    assert.equal((await s.service.request('POST', '/_emulator/reset')).status, 200);
    await assertEntraError(await token({ grant_type: 'refresh_token', client_id: LISTED, refresh_token: answer.refresh_token }, {}, tenantId), 400, 'invalid_request', 90002);
    const again = await s.service.request('POST', '/_emulator/seed', { body: seed });
    assert.equal(again.status, 200);
    await assertEntraError(await token({ grant_type: 'refresh_token', client_id: LISTED, refresh_token: answer.refresh_token }), 400, 'invalid_grant', 9002313);
  });
});
