// How the service serves its web page (src/web/): the built pages with a strict Content-Security-Policy, hashed assets
// cached for a year, /web-config.json for each identity mode, and the built-in app registration the page signs in with
// in development mode (its redirect URIs are the service's own / and /beta/docs, whatever host it is reached by).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WEB_PAGE_APP } from '../src/authority/webPageApp.ts';
import { Browser, pkcePair, startSignInService, TEST_PASSWORD, type SignInService } from './support/signIn.ts';
import { startTestService, type TestService } from './support/service.ts';

const seed = { tenants: [{ name: 'contoso', users: [{ userPrincipalName: 'adele@contoso.com', displayName: 'Adele Vance', password: TEST_PASSWORD }] }] };

let https: SignInService;
let http: TestService;
before(async () => {
  https = await startSignInService(seed);
  http = await startTestService();
});
after(async () => {
  await https?.stop();
  await http?.stop();
});

describe('the pages', () => {
  test('/ and /beta/docs: the built pages, with a strict policy, never cached stale', async () => {
    for (const path of ['/', '/beta/docs', '/?user=adele@contoso.com']) {
      const res = await https.service.request('GET', path);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type')!, /^text\/html/);
      assert.equal(res.headers.get('cache-control'), 'no-cache');
      const csp = res.headers.get('content-security-policy')!;
      for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"]) {
        assert.ok(csp.includes(directive), `${path}: ${directive} in ${csp}`);
      }
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
      assert.match(res.text, /<script type="module"[^>]* src="\/assets\/[^"]+\.js"/, path);
    }
  });

  test('assets: hashed names cached for a year; source maps, other files and paths outside are not served', async () => {
    const index = await https.service.request('GET', '/');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(index.text)![1]!;
    const res = await https.service.request('GET', script);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /javascript/);
    assert.match(res.headers.get('cache-control')!, /max-age=31536000.*immutable|immutable.*max-age=31536000/);
    for (const path of [`${script}.map`, '/assets/nope.js', '/assets/../index.html', '/assets/%2e%2e/docs.html', '/index.html', '/docs.html']) {
      const other = await https.service.request('GET', path);
      assert.notEqual(other.status, 200, path);
    }
  });

  test('a method other than GET is refused; the pages are not throttled', async () => {
    assert.equal((await https.service.request('POST', '/')).status, 405);
    const limited = await startTestService(['--rate-limit', '1']);
    try {
      for (let i = 0; i < 3; i++) assert.equal((await limited.request('GET', '/')).status, 200);
    } finally {
      await limited.stop();
    }
  });
});

describe('/web-config.json', () => {
  test('development mode over https: the built-in app, the service as authority, Graph\'s scopes', async () => {
    const res = await https.service.request('GET', '/web-config.json');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, {
      mode: 'development',
      signIn: true,
      clientId: WEB_PAGE_APP.clientId,
      authority: `${https.authorityHost}/organizations`,
      knownAuthorities: [new URL(https.authorityHost).host],
      scopes: ['https://graph.microsoft.com/User.ReadWrite', 'https://graph.microsoft.com/User.ReadBasic.All'],
      graphBaseUrl: `${https.authorityHost}/beta`,
    });
  });

  test('over plain http the page cannot sign in, and says why', async () => {
    const res = await http.request('GET', '/web-config.json');
    assert.equal(res.json.signIn, false);
    assert.match(res.json.reason, /--tls true/);
  });

  test('entra mode: WEB_CLIENT_ID, the tenant and the API audience\'s scopes; Entra\'s host may be called', async () => {
    const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    const entra = await startTestService([
      '--identity', 'entra', '--entra-tenants', tenant, '--entra-audiences', 'api://phones,6d1f8a5e-0b7c-4e2a-9f3d-1c2b3a4d5e6f',
      '--web-client-id', '0F1E2D3C-4B5A-4968-8776-5A4B3C2D1E0F',
    ]);
    const unset = await startTestService(['--identity', 'entra', '--entra-tenants', tenant]);
    try {
      const res = await entra.request('GET', '/web-config.json');
      assert.deepEqual(res.json, {
        mode: 'entra',
        signIn: true,
        clientId: '0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f',
        authority: `https://login.microsoftonline.com/${tenant}`,
        knownAuthorities: [],
        scopes: ['api://phones/User.ReadWrite', 'api://phones/User.ReadBasic.All'],
        graphBaseUrl: `${entra.url}/beta`,
      });
      const page = await entra.request('GET', '/');
      assert.match(page.headers.get('content-security-policy')!, /connect-src 'self' https:\/\/login\.microsoftonline\.com/);
      const none = await unset.request('GET', '/web-config.json');
      assert.equal(none.json.signIn, false);
      assert.match(none.json.reason, /WEB_CLIENT_ID/);
    } finally {
      await entra.stop();
      await unset.stop();
    }
  });

  test('a client id that is no GUID is refused at start-up', async () => {
    await assert.rejects(startTestService(['--identity', 'entra', '--entra-tenants', '72f988bf-86f1-41af-91ab-2d7cd011db47', '--web-client-id', 'nope']), /WEB_CLIENT_ID must be/);
  });
});

describe('the page\'s built-in app registration (development mode)', () => {
  const authorize = (redirectUri: string, challenge: string) =>
    `${https.authorityHost}/organizations/oauth2/v2.0/authorize?${new URLSearchParams({
      client_id: WEB_PAGE_APP.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'https://graph.microsoft.com/User.ReadWrite https://graph.microsoft.com/User.ReadBasic.All openid profile offline_access',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 's',
    })}`;

  test('signs a seeded user in with no consent page, back to the service\'s own /; the code is redeemed from the page', async () => {
    const browser = new Browser();
    const pkce = pkcePair();
    let page = await browser.get(authorize(`${https.authorityHost}/`, pkce.challenge));
    assert.equal(page.status, 200);
    assert.match(page.html!, /Profile phones/);
    page = await browser.submit(page.forms[0]!, { login: 'adele@contoso.com', passwd: TEST_PASSWORD });
    // No consent page (an administrator consented): straight back to the page, on the service's own origin (so this
    // browser followed the redirect there).
    const back = new URL(page.url);
    assert.equal(`${back.origin}${back.pathname}`, `${https.authorityHost}/`);
    assert.equal(back.searchParams.get('state'), 's');
    const code = back.searchParams.get('code')!;
    assert.ok(code);
    const form = { grant_type: 'authorization_code', client_id: WEB_PAGE_APP.clientId, code, redirect_uri: `${https.authorityHost}/`, code_verifier: pkce.verifier };
    const res = await fetch(`${https.authorityHost}/organizations/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams(form),
      headers: { origin: https.authorityHost },
    });
    assert.equal(res.status, 200);
    const answer = (await res.json()) as { access_token: string };
    const phones = await https.service.request('GET', '/beta/me/profile/phones', { token: answer.access_token });
    assert.equal(phones.status, 200);
  });

  test('its redirect URIs are the service\'s own / and /beta/docs only', async () => {
    const browser = new Browser();
    assert.equal((await browser.get(authorize(`${https.authorityHost}/beta/docs`, pkcePair().challenge))).status, 200);
    for (const uri of ['http://localhost:5173/', `${https.authorityHost}/elsewhere`, `${https.authorityHost.replace('127.0.0.1', 'localhost')}/`]) {
      const page = await browser.get(authorize(uri, pkcePair().challenge));
      assert.equal(page.status, 400, uri);
      assert.match(page.html!, /AADSTS50011/);
    }
  });

  test('no seeded app may take its client id', async () => {
    const res = await https.service.request('POST', '/_emulator/seed', { body: { tenants: [{ name: 'other', apps: [{ clientId: WEB_PAGE_APP.clientId.toUpperCase() }] }] } });
    assert.equal(res.status, 400);
    assert.match(res.json.error.message, /tenants\[0\]\.apps\[0\]\.clientId: is the client id of the service's own web page/);
  });

  test('reset does not remove it', async () => {
    await https.service.request('POST', '/_emulator/reset');
    await https.service.request('POST', '/_emulator/seed', { body: seed });
    const page = await new Browser().get(authorize(`${https.authorityHost}/`, pkcePair().challenge));
    assert.equal(page.status, 200);
  });
});
