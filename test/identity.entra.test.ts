// The Entra ID identity mode against a loopback stand-in for Entra's endpoints, and the hostile-token
// suite: every refusal is checked for status, code, WWW-Authenticate (on 401) and an untouched store.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { ConfigError, loadConfig } from '../src/config.ts';
import { tokenCommand } from '../src/tokenCommand.ts';
import { assertGraphError } from './support/assertions.ts';
import { startEntraStandIn, type EntraStandIn } from './support/entraStandIn.ts';
import { startTestService, type TestService } from './support/service.ts';

const TENANT_A = randomUUID();
const TENANT_B = randomUUID();
const TENANT_NOT_ALLOWED = randomUUID();
const PERSONAL = '9188040d-6c67-4c5b-b112-36a304b66dad';
const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';
const ME = '/beta/me/profile/phones';

interface User {
  tid: string;
  oid: string;
  upn: string;
  name: string;
}
const user = (tid: string, upn: string): User => ({ tid, oid: randomUUID(), upn, name: upn.split('@')[0]! });
const alice = user(TENANT_A, 'alice@a.example');
const bob = user(TENANT_A, 'bob@a.example');
const adminA = user(TENANT_A, 'admin@a.example');
const carolB = user(TENANT_B, 'carol@b.example');
const mallory = user(TENANT_NOT_ALLOWED, 'mallory@c.example');
const msaUser = user(PERSONAL, 'someone@outlook.example');

let entra: EntraStandIn;
let svc: TestService;
let aliceToken: string;
let alicePhoneId: string;
let bobPhoneId: string;

const now = () => Math.floor(Date.now() / 1000);

function delegated(u: User, extra: JWTPayload = {}): JWTPayload {
  return {
    aud: 'https://graph.microsoft.com',
    iss: `https://sts.windows.net/${u.tid}/`,
    iat: now(),
    nbf: now(),
    exp: now() + 3600,
    tid: u.tid,
    oid: u.oid,
    upn: u.upn,
    name: u.name,
    scp: 'User.ReadWrite',
    idtyp: 'user',
    appid: '11111111-2222-3333-4444-555555555555',
    app_displayname: 'Contoso Phone Book',
    ...extra,
  };
}

function appOnly(tid: string, roles: string[]): JWTPayload {
  return { aud: 'https://graph.microsoft.com', iss: `https://sts.windows.net/${tid}/`, iat: now(), nbf: now(), exp: now() + 3600, tid, oid: randomUUID(), appid: randomUUID(), roles, idtyp: 'app' };
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

async function alicePhones(): Promise<unknown> {
  const res = await svc.request('GET', ME, { token: aliceToken });
  assert.equal(res.status, 200, res.text);
  return res.json.value;
}

/** Sends a read and every kind of write with `token`; each must be refused alike, leaving alice's phones as they were. */
async function refusedEverywhere(token: string | undefined, status: number, code: string, message?: string | RegExp, headers: Record<string, string> = {}) {
  const before = await alicePhones();
  const attempts: [string, string, unknown?][] = [
    ['GET', ME],
    ['POST', ME, { number: 'x' }],
    ['PATCH', `${ME}/${alicePhoneId}`, { number: 'x' }],
    ['DELETE', `${ME}/${alicePhoneId}`],
    ['GET', `/beta/users/${alice.oid}/profile/phones`],
    ['POST', `/beta/users/${alice.upn}/profile/phones`, { number: 'x' }],
  ];
  for (const [method, path, body] of attempts) {
    const res = await svc.request(method, path, { token, body, headers });
    assertGraphError(res, status, code, message);
    if (status === 401) assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /, `${method} ${path}`);
  }
  assert.deepEqual(await alicePhones(), before, 'the store changed');
}

before(async () => {
  entra = await startEntraStandIn();
  svc = await startTestService([
    '--identity', 'entra',
    '--entra-tenants', `${TENANT_A},${TENANT_B},${PERSONAL}`,
    '--entra-authority', entra.authority,
    '--entra-key-refresh-seconds', '1',
  ]);
  aliceToken = await entra.mint(delegated(alice));
  const created = await svc.request('POST', ME, { token: aliceToken, body: { number: '+1 555 0100', displayName: 'alice' } });
  assert.equal(created.status, 201, created.text);
  alicePhoneId = created.json.id;
  const bobCreated = await svc.request('POST', ME, { token: await entra.mint(delegated(bob)), body: { number: '+1 555 0200' } });
  assert.equal(bobCreated.status, 201, bobCreated.text);
  bobPhoneId = bobCreated.json.id;
});
after(async () => {
  await svc.stop();
  await entra.close();
});

describe('hostile tokens are refused and change nothing', () => {
  test('alg: none', async () => {
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(delegated(alice))}.`;
    await refusedEverywhere(token, 401, 'InvalidAuthenticationToken', /Only RS256/);
  });

  test('HS256 signed with the RSA public key as the secret', async () => {
    const jwk = entra.publicJwk((await entraKids())[0]!);
    for (const secret of [Buffer.from(JSON.stringify(jwk)), Buffer.from(await exportSPKI(await importPublic(jwk)))]) {
      const token = await new SignJWT(delegated(alice)).setProtectedHeader({ alg: 'HS256', kid: jwk.kid }).sign(secret);
      await refusedEverywhere(token, 401, 'InvalidAuthenticationToken', /Only RS256/);
    }
  });

  test('a jwk header carrying the attacker\'s own key', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const token = await new SignJWT(delegated(alice))
      .setProtectedHeader({ alg: 'RS256', kid: (await entraKids())[0]!, jwk: await exportJWK(publicKey) })
      .sign(privateKey);
    await refusedEverywhere(token, 401, 'InvalidAuthenticationToken', /jwk, jku, x5u, x5c/);
  });

  for (const param of ['jku', 'x5u'] as const) {
    test(`a ${param} header pointing elsewhere`, async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const token = await new SignJWT(delegated(alice))
        .setProtectedHeader({ alg: 'RS256', kid: 'attacker', [param]: 'http://127.0.0.1:1/keys' })
        .sign(privateKey);
      const fetchesBefore = totalFetches();
      await refusedEverywhere(token, 401, 'InvalidAuthenticationToken', /jwk, jku, x5u, x5c/);
      assert.equal(totalFetches(), fetchesBefore, 'a hostile header made the service fetch something');
    });
  }

  test('an unknown kid (signed by a key Entra does not publish)', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT(delegated(alice)).setProtectedHeader({ alg: 'RS256', kid: 'not-a-published-kid' }).sign(privateKey);
    await refusedEverywhere(token, 401, 'InvalidAuthenticationToken', /Invalid signature/);
  });

  test('a published kid, but signed by another key', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT(delegated(alice)).setProtectedHeader({ alg: 'RS256', kid: (await entraKids())[0]! }).sign(privateKey);
    await refusedEverywhere(token, 401, 'InvalidAuthenticationToken', /Invalid signature/);
  });

  test('a tampered payload (scopes raised after signing)', async () => {
    const [h, , s] = (await entra.mint(delegated(alice, { scp: 'User.Read' }))).split('.');
    const raised = `${h}.${b64(delegated(alice, { scp: 'User.ReadWrite.All' }))}.${s}`;
    await refusedEverywhere(raised, 401, 'InvalidAuthenticationToken', /Invalid signature/);
  });

  test('expired (beyond the clock skew)', async () => {
    const token = await entra.mint(delegated(alice, { iat: now() - 7200, nbf: now() - 7200, exp: now() - 120 }));
    await refusedEverywhere(token, 401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.');
  });

  test('not yet valid (beyond the clock skew)', async () => {
    const token = await entra.mint(delegated(alice, { nbf: now() + 600, exp: now() + 4000 }));
    await refusedEverywhere(token, 401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.');
  });

  test('wrong audience', async () => {
    const token = await entra.mint(delegated(alice, { aud: 'api://some-other-api' }));
    await refusedEverywhere(token, 401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
  });

  test('wrong issuer (another authority, another tenant\'s issuer, or none)', async () => {
    for (const iss of ['https://evil.example/' + TENANT_A + '/v2.0', `https://sts.windows.net/${TENANT_B}/`, undefined]) {
      const token = await entra.mint(delegated(alice, { iss }));
      await refusedEverywhere(token, 401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid issuer.');
    }
  });

  test('the issuer of a tenant that is not allowed, correctly signed', async () => {
    const fetchesBefore = totalFetches();
    const token = await entra.mint(delegated(mallory, { scp: 'User.ReadWrite.All', wids: [GLOBAL_ADMIN] }));
    await refusedEverywhere(token, 401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid issuer.');
    assert.equal(totalFetches(), fetchesBefore, 'an unlisted tenant made the service run discovery');
  });

  test('a token Entra issued for Graph itself (nonce header) is refused with an explanation', async () => {
    const token = await entra.mint(delegated(alice), { header: { nonce: 'AQABAAAAAAB' } });
    await refusedEverywhere(token, 401, 'InvalidAuthenticationToken', /nonce header/);
  });

  test('missing scp and roles', async () => {
    const { scp: _scp, ...noScopes } = delegated(alice);
    await refusedEverywhere(await entra.mint(noScopes), 401, 'InvalidAuthenticationToken', 'Either scp or roles claim need to be present in the token.');
  });

  test('name claims far longer than Entra allows (a 5,000-character upn or name)', async () => {
    await refusedEverywhere(await entra.mint(delegated(alice, { upn: `${'a'.repeat(5000)}@a.example` })), 401, 'InvalidAuthenticationToken');
    await refusedEverywhere(await entra.mint(delegated(alice, { name: 'n'.repeat(5000) })), 401, 'InvalidAuthenticationToken');
  });

  test('the token in the query string or a cookie instead of the Authorization header', async () => {
    const before = await alicePhones();
    for (const [path, headers] of [
      [`${ME}?access_token=${aliceToken}`, {}],
      [ME, { cookie: `access_token=${aliceToken}` }],
      [ME, { cookie: `Authorization=Bearer ${aliceToken}` }],
    ] as const) {
      const res = await svc.request('POST', path, { body: { number: 'x' }, headers });
      assertGraphError(res, 401, 'InvalidAuthenticationToken', 'Access token is empty.');
      assert.match(res.headers.get('www-authenticate')!, /^Bearer /);
    }
    assert.deepEqual(await alicePhones(), before);
  });

  test('garbage in place of a token', async () => {
    for (const token of ['garbage', 'a.b.c', '....', 'eyJhbGciOiJSUzI1NiJ9.%%%.x', 'x'.repeat(5000)]) {
      await refusedEverywhere(token, 401, 'InvalidAuthenticationToken');
    }
  });
});

describe('permissions and tenants, with valid Entra tokens', () => {
  test('a scope that only reads, used to write: 403', async () => {
    const token = await entra.mint(delegated(alice, { scp: 'User.Read' }));
    assert.equal((await svc.request('GET', ME, { token })).status, 200);
    const before = await alicePhones();
    assertGraphError(await svc.request('POST', ME, { token, body: { number: 'x' } }), 403, 'Authorization_RequestDenied');
    assertGraphError(await svc.request('PATCH', `${ME}/${alicePhoneId}`, { token, body: { number: 'x' } }), 403, 'Authorization_RequestDenied');
    assertGraphError(await svc.request('DELETE', `${ME}/${alicePhoneId}`, { token }), 403, 'Authorization_RequestDenied');
    assert.deepEqual(await alicePhones(), before);
  });

  test('an app-only token writing: 403; on /me: 400; reading with User.Read.All: 200', async () => {
    const token = await entra.mint(appOnly(TENANT_A, ['User.ReadWrite.All']));
    const before = await alicePhones();
    assertGraphError(await svc.request('POST', `/beta/users/${alice.oid}/profile/phones`, { token, body: { number: 'x' } }), 403, 'Authorization_RequestDenied');
    assertGraphError(await svc.request('DELETE', `/beta/users/${alice.oid}/profile/phones/${alicePhoneId}`, { token }), 403, 'Authorization_RequestDenied');
    assertGraphError(await svc.request('GET', ME, { token }), 400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    assert.deepEqual(await alicePhones(), before);
    const reader = await entra.mint(appOnly(TENANT_A, ['User.Read.All']));
    const list = await svc.request('GET', `/beta/users/${alice.upn}/profile/phones`, { token: reader });
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.value, before);
  });

  test("User.ReadWrite.All without an admin role writing another user's phone: 403; with one: allowed", async () => {
    const plain = await entra.mint(delegated(adminA, { scp: 'User.ReadWrite.All' }));
    const before = await alicePhones();
    assertGraphError(await svc.request('PATCH', `/beta/users/${alice.oid}/profile/phones/${alicePhoneId}`, { token: plain, body: { number: 'x' } }), 403, 'Authorization_RequestDenied');
    assert.deepEqual(await alicePhones(), before);
    const admin = await entra.mint(delegated(adminA, { scp: 'User.ReadWrite.All', wids: [GLOBAL_ADMIN] }));
    const created = await svc.request('POST', `/beta/users/${alice.upn}/profile/phones`, { token: admin, body: { number: '+1 555 0300' } });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.createdBy.user.id, adminA.oid);
    assert.equal((await svc.request('DELETE', `/beta/users/${alice.oid}/profile/phones/${created.json.id}`, { token: admin })).status, 204);
    assert.deepEqual(await alicePhones(), before);
  });

  test("a phone id of user B used through /me: 404, B's phone untouched", async () => {
    const bobToken = await entra.mint(delegated(bob));
    const bobBefore = (await svc.request('GET', `${ME}/${bobPhoneId}`, { token: bobToken })).json;
    for (const [method, body] of [['GET'], ['PATCH', { number: 'x' }], ['DELETE']] as const) {
      assertGraphError(await svc.request(method, `${ME}/${bobPhoneId}`, { token: aliceToken, body }), 404, 'itemNotFound');
    }
    assert.deepEqual((await svc.request('GET', `${ME}/${bobPhoneId}`, { token: bobToken })).json, bobBefore);
  });

  test('a valid token of tenant B reaching tenant A: 404 as for a user that does not exist', async () => {
    const carolAdmin = await entra.mint(delegated(carolB, { scp: 'User.ReadWrite.All', wids: [GLOBAL_ADMIN] }));
    const carolApp = await entra.mint(appOnly(TENANT_B, ['User.ReadWrite.All']));
    const before = await alicePhones();
    for (const token of [carolAdmin, carolApp]) {
      for (const target of [alice.oid, alice.upn, randomUUID(), 'nobody@a.example']) {
        for (const [method, suffix, body] of [['GET', ''], ['POST', '', { number: 'x' }], ['PATCH', `/${alicePhoneId}`, { number: 'x' }], ['DELETE', `/${alicePhoneId}`]] as const) {
          if (token === carolApp && method !== 'GET') continue; // apps never write: 403 comes first
          const res = await svc.request(method, `/beta/users/${target}/profile/phones${suffix}`, { token, body });
          assertGraphError(res, 404, 'Request_ResourceNotFound');
        }
      }
    }
    // The same oid under another tenant is another profile.
    const sameOidOtherTenant = await entra.mint(delegated({ ...alice, tid: TENANT_B }));
    const list = await svc.request('GET', ME, { token: sameOidOtherTenant });
    assert.deepEqual(list.json.value, []);
    assert.deepEqual(await alicePhones(), before);
  });

  test('users are created on first sight and found by UPN within their tenant only', async () => {
    const dave = user(TENANT_A, 'dave@a.example');
    const reader = await entra.mint(delegated(alice, { scp: 'User.Read.All' }));
    assertGraphError(await svc.request('GET', `/beta/users/${dave.upn}/profile/phones`, { token: reader }), 404, 'Request_ResourceNotFound');
    assert.equal((await svc.request('GET', ME, { token: await entra.mint(delegated(dave)) })).status, 200);
    const found = await svc.request('GET', `/beta/users/DAVE@A.EXAMPLE/profile/phones`, { token: reader });
    assert.equal(found.status, 200);
  });

  test("personal Microsoft accounts get the seed's row: User.ReadWrite on their own profile, nothing on others", async () => {
    const msa = (extra: JWTPayload) =>
      entra.mint(delegated(msaUser, { iss: `${entra.authority}/${PERSONAL}/v2.0`, aud: '00000003-0000-0000-c000-000000000000', ...extra }));
    const own = await msa({ scp: 'User.ReadWrite' });
    const created = await svc.request('POST', ME, { token: own, body: { number: '+44 7700 900000' } });
    assert.equal(created.status, 201, created.text);
    const strong = await msa({ scp: 'User.ReadWrite.All', wids: [GLOBAL_ADMIN] });
    const other = user(PERSONAL, 'other@outlook.example');
    await svc.request('GET', ME, { token: await msa({ oid: other.oid, upn: other.upn }) });
    assertGraphError(await svc.request('GET', `/beta/users/${other.oid}/profile/phones`, { token: strong }), 403, 'Authorization_RequestDenied');
    assertGraphError(await svc.request('POST', `/beta/users/${other.oid}/profile/phones`, { token: strong, body: { number: 'x' } }), 403, 'Authorization_RequestDenied');
  });
});

describe('every permission row that should pass, passes with Entra tokens', () => {
  const USER_ADMIN = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
  const rows: { name: string; claims: () => JWTPayload; path: () => string; write: boolean }[] = [
    ...['User.Read', 'User.ReadWrite', 'User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All'].map((scp) => ({
      name: `work or school, ${scp}, reads own`, claims: () => delegated(bob, { scp }), path: () => ME, write: false,
    })),
    ...['User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All'].map((scp) => ({
      name: `work or school, ${scp}, reads another user's`, claims: () => delegated(bob, { scp }), path: () => `/beta/users/${alice.oid}/profile/phones`, write: false,
    })),
    ...['User.ReadWrite', 'User.ReadWrite.All'].map((scp) => ({
      name: `work or school, ${scp}, writes own`, claims: () => delegated(bob, { scp }), path: () => ME, write: true,
    })),
    ...[GLOBAL_ADMIN, USER_ADMIN].map((role) => ({
      name: `work or school, User.ReadWrite.All with admin role ${role.slice(0, 8)}, writes another user's`,
      claims: () => delegated(adminA, { scp: 'User.ReadWrite.All', wids: [role] }), path: () => `/beta/users/${bob.upn}/profile/phones`, write: true,
    })),
    ...['User.Read', 'User.ReadWrite'].map((scp) => ({
      name: `personal account, ${scp}, reads own`, claims: () => delegated(msaUser, { scp }), path: () => ME, write: false,
    })),
    { name: 'personal account, User.ReadWrite, writes own', claims: () => delegated(msaUser, { scp: 'User.ReadWrite' }), path: () => ME, write: true },
    ...['User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All'].map((role) => ({
      name: `application, ${role}, reads a user's`, claims: () => appOnly(TENANT_A, [role]), path: () => `/beta/users/${alice.upn}/profile/phones`, write: false,
    })),
  ];
  for (const row of rows) {
    test(row.name, async () => {
      const token = await entra.mint(row.claims());
      if (!row.write) {
        const res = await svc.request('GET', row.path(), { token });
        assert.equal(res.status, 200, res.text);
        assert.ok(Array.isArray(res.json.value));
        return;
      }
      const created = await svc.request('POST', row.path(), { token, body: { number: '+1 555 0400' } });
      assert.equal(created.status, 201, created.text);
      const item = `${row.path()}/${created.json.id}`;
      assert.equal((await svc.request('PATCH', item, { token, body: { type: 'home' } })).status, 200);
      assert.equal((await svc.request('DELETE', item, { token })).status, 204);
    });
  }
});

describe('accepted tokens and signing keys', () => {
  test('v1 and v2 issuers and both Graph audiences are accepted', async () => {
    for (const iss of [`https://sts.windows.net/${TENANT_A}/`, `${entra.authority}/${TENANT_A}/v2.0`]) {
      for (const aud of ['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000']) {
        const res = await svc.request('GET', ME, { token: await entra.mint(delegated(alice, { iss, aud })) });
        assert.equal(res.status, 200, `${iss} ${aud}: ${res.text}`);
      }
    }
  });

  test('a token within the clock skew is accepted', async () => {
    const token = await entra.mint(delegated(alice, { exp: now() - 30 }));
    assert.equal((await svc.request('GET', ME, { token })).status, 200);
  });

  test('key rotation mid-run: a new kid triggers one refresh; old and new tokens keep working', async () => {
    const oldToken = await entra.mint(delegated(alice, { jti: 'old' }));
    assert.equal((await svc.request('GET', ME, { token: oldToken })).status, 200);
    await new Promise((r) => setTimeout(r, 1100)); // past the refresh interval (1 s in this suite)
    const newKid = await entra.addKey();
    const keysBefore = keyFetches();
    const newTokens = await Promise.all([1, 2, 3, 4, 5].map((n) => entra.mint(delegated(alice, { jti: `new-${n}` }), { kid: newKid })));
    const answers = await Promise.all(newTokens.map((token) => svc.request('GET', ME, { token })));
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200, 200]);
    assert.equal(keyFetches() - keysBefore, 1, 'five tokens with a new kid caused exactly one key refresh');
    assert.equal((await svc.request('GET', ME, { token: await entra.mint(delegated(alice, { jti: 'old-2' })) })).status, 200);
  });

  test('unknown kids cannot make the service hammer the key endpoint', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const before = keyFetches();
    const { privateKey } = await generateKeyPair('RS256');
    for (let i = 0; i < 10; i++) {
      const token = await new SignJWT(delegated(alice)).setProtectedHeader({ alg: 'RS256', kid: `forged-${i}` }).sign(privateKey);
      assertGraphError(await svc.request('GET', ME, { token }), 401, 'InvalidAuthenticationToken');
    }
    assert.equal(keyFetches() - before, 1, 'ten forged kids within the interval: one refresh');
  });

  test('while the key endpoint is down, cached keys keep working', async () => {
    entra.down = true;
    try {
      await new Promise((r) => setTimeout(r, 1100));
      const res = await svc.request('GET', ME, { token: await entra.mint(delegated(alice, { jti: 'offline' })) });
      assert.equal(res.status, 200, res.text);
    } finally {
      entra.down = false;
    }
  });
});

describe('start-up and configuration', () => {
  test('a service whose key endpoint is unreachable answers 503 with Retry-After, then recovers by itself', async () => {
    const standIn = await startEntraStandIn();
    standIn.down = true;
    const lonely = await startTestService(['--identity', 'entra', '--entra-tenants', TENANT_A, '--entra-authority', standIn.authority, '--entra-key-refresh-seconds', '1']);
    try {
      const token = await standIn.mint(delegated(alice));
      const res = await lonely.request('GET', ME, { token });
      assertGraphError(res, 503, 'serviceNotAvailable');
      assert.ok(res.headers.get('retry-after'));
      standIn.down = false;
      await new Promise((r) => setTimeout(r, 1100));
      assert.equal((await lonely.request('GET', ME, { token })).status, 200);
    } finally {
      await lonely.stop();
      await standIn.close();
    }
  });

  test('an explicit JWKS URL is used instead of discovery', async () => {
    const standIn = await startEntraStandIn();
    const jwksUrl = `${standIn.authority}/custom/discovery/v2.0/keys`;
    const direct = await startTestService(['--identity', 'entra', '--entra-tenants', TENANT_A, '--entra-authority', 'http://127.0.0.1:1', '--entra-jwks-url', jwksUrl]);
    try {
      assert.equal((await direct.request('GET', ME, { token: await standIn.mint(delegated(alice)) })).status, 200);
      assert.equal(standIn.fetches.get('/custom/discovery/v2.0/keys'), 1);
    } finally {
      await direct.stop();
      await standIn.close();
    }
  });

  test('any tenant (*) accepts every tenant, through the common discovery document', async () => {
    const standIn = await startEntraStandIn();
    const multi = await startTestService(['--identity', 'entra', '--entra-tenants', '*', '--entra-authority', standIn.authority]);
    try {
      for (const u of [mallory, carolB]) {
        assert.equal((await multi.request('GET', ME, { token: await standIn.mint(delegated(u)) })).status, 200);
      }
      assert.equal(standIn.fetches.get('/common/v2.0/.well-known/openid-configuration'), 1);
    } finally {
      await multi.stop();
      await standIn.close();
    }
  });

  test('development identity refuses a non-loopback address unless forced, and says why', () => {
    assert.throws(() => loadConfig(['--host', '0.0.0.0']), (err: Error) => err instanceof ConfigError && /mint tokens/.test(err.message));
    assert.equal(loadConfig(['--host', '0.0.0.0', '--allow-dev-identity-on-network', 'true']).host, '0.0.0.0');
    assert.equal(loadConfig(['--host', '0.0.0.0', '--identity', 'entra', '--entra-tenants', TENANT_A]).host, '0.0.0.0');
    assert.equal(loadConfig(['--host', '127.0.0.2']).host, '127.0.0.2');
  });

  test('entra settings are checked at start-up', () => {
    assert.throws(() => loadConfig(['--identity', 'entra']), /ENTRA_TENANTS/);
    assert.throws(() => loadConfig(['--identity', 'entra', '--entra-tenants', 'contoso.onmicrosoft.com']), /GUIDs/);
    assert.throws(() => loadConfig(['--identity', 'entra', '--entra-tenants', `*,${TENANT_A}`]), /lone \*/);
    assert.throws(() => loadConfig(['--identity', 'ldap']), /IDENTITY/);
    assert.throws(() => loadConfig(['--clock-skew-seconds', '3600']), /CLOCK_SKEW_SECONDS/);
  });

  test('the development token command refuses to mint when the server only accepts Entra tokens', async () => {
    await assert.rejects(tokenCommand(['--user', 'a@b.c', '--identity', 'entra', '--entra-tenants', TENANT_A, '--data-dir', svc.dataDir]), /entra/);
  });
});

describe('requests that are not even HTTP-sized', () => {
  test('a 100 KB header is refused with 431 in Graph\'s envelope and nothing is stored', async () => {
    const before = await alicePhones();
    const reply = await raw(`POST ${ME} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${aliceToken}\r\nx-big: ${'a'.repeat(100_000)}\r\ncontent-type: application/json\r\ncontent-length: 13\r\n\r\n{"number":"x"}`);
    assert.match(reply, /^HTTP\/1\.1 431 /);
    assert.match(reply, /"code":"RequestHeaderFieldsTooLarge"/);
    assert.deepEqual(await alicePhones(), before);
  });

  test('garbage bytes are refused with 400 in Graph\'s envelope', async () => {
    const reply = await raw('\x00\x01\x02 garbage \xff\r\n\r\n');
    assert.match(reply, /^HTTP\/1\.1 400 /);
    assert.match(reply, /"error":\{"code":"BadRequest"/);
    assert.equal((await svc.request('GET', '/health')).status, 200);
  });
});

function totalFetches(): number {
  return [...entra.fetches.values()].reduce((a, b) => a + b, 0);
}
function keyFetches(): number {
  return [...entra.fetches.entries()].filter(([p]) => p.endsWith('/keys')).reduce((a, [, n]) => a + n, 0);
}
async function entraKids(): Promise<string[]> {
  const res = await fetch(`${entra.authority}/${TENANT_A}/discovery/v2.0/keys`);
  return ((await res.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
}
async function importPublic(jwk: object) {
  const { importJWK } = await import('jose');
  return (await importJWK(jwk as never, 'RS256')) as never;
}
function raw(text: string): Promise<string> {
  const { port, hostname } = new URL(svc.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(Buffer.from(text, 'latin1')));
    let answer = '';
    socket.on('data', (c) => (answer += c.toString()));
    socket.on('error', (e) => (answer ? resolve(answer) : reject(e)));
    socket.on('close', () => resolve(answer));
  });
}
