// Permissions, authentication and isolation end to end, over the real socket.
// The expected decisions are written out in this file's own tables (from the Graph permission tables in
// /work/shared/reference), never computed from src/identity/policy.ts.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SignJWT, base64url, decodeJwt, exportSPKI, generateKeyPair, importJWK, type JWK, type JWTPayload } from 'jose';
import { assertGraphError } from './support/assertions.ts';
import { isGuid, startTestService, type TestResponse, type TestService } from './support/service.ts';

const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';
const USER_ADMIN = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
const DEFAULT_USER = 'b79fbf4d-3ef9-4689-8143-76b194e85509';
const GLOBAL_READER = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451';
const PERSONAL_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
const GRAPH_AUDIENCES = ['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000'];

interface Refusal {
  status: number;
  code: string;
  message?: string | RegExp;
}
const FORBIDDEN: Refusal = { status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' };
const ME_WITH_APP_TOKEN: Refusal = { status: 400, code: 'BadRequest', message: '/me request is only valid with delegated authentication flow.' };
const NO_PERMISSION_CLAIM: Refusal = {
  status: 401,
  code: 'InvalidAuthenticationToken',
  message: 'Either scp or roles claim need to be present in the token.',
};
const userNotFound = (idOrUpn: string): Refusal => ({
  status: 404,
  code: 'Request_ResourceNotFound',
  message: `Resource '${idOrUpn}' does not exist or one of its queried reference-property objects are not present.`,
});
const unauthenticated = (message?: string | RegExp): Refusal => ({ status: 401, code: 'InvalidAuthenticationToken', message });

let svc: TestService;
let issuerKey: { kid: string; privateKey: Awaited<ReturnType<typeof importJWK>> };

interface User {
  upn: string;
  id: string;
  tenantId: string;
  displayName: string;
  /** The user's own token with User.ReadWrite: makes fixtures and reads the user's phones as they are. */
  token: string;
}
let alice: User;
let bob: User;

async function cliUser(upn: string, extra: string[] = []): Promise<User> {
  const token = await svc.token(['--user', upn, '--scopes', 'User.ReadWrite', ...extra]);
  const c = decodeJwt(token);
  return { upn, id: c.oid as string, tenantId: c.tid as string, displayName: c.name as string, token };
}

/** Reads the private key the service's development issuer keeps in DATA_DIR (src/identity/devIssuer.ts). */
async function loadIssuerKey(dataDir: string) {
  const file = JSON.parse(readFileSync(join(dataDir, 'dev-issuer-key.json'), 'utf8')) as { kid: string; privateJwk: JWK };
  return { kid: file.kid, privateKey: await importJWK(file.privateJwk, 'RS256') };
}

type SigningKey = Parameters<SignJWT['sign']>[0];

/** Signs claims as the service's issuer would (or with another key / kid when asked). */
function sign(claims: JWTPayload, opts: { key?: SigningKey; kid?: string | null; alg?: string } = {}): Promise<string> {
  const kid = opts.kid === undefined ? issuerKey.kid : opts.kid;
  const header = { alg: opts.alg ?? 'RS256', typ: 'JWT', ...(kid === null ? {} : { kid }) };
  return new SignJWT(claims).setProtectedHeader(header).sign(opts.key ?? issuerKey.privateKey);
}

/** The claims of `token` with `changes` applied (an undefined value removes the claim), signed again. */
function resign(token: string, changes: Record<string, unknown>, opts?: Parameters<typeof sign>[1]): Promise<string> {
  const claims: Record<string, unknown> = { ...decodeJwt(token), ...changes };
  for (const [k, v] of Object.entries(changes)) if (v === undefined) delete claims[k];
  return sign(claims as JWTPayload, opts);
}

const now = () => Math.floor(Date.now() / 1000);

/** A delegated token as Entra would issue it, for callers the CLI cannot describe (personal accounts, other roles). */
function delegatedToken(o: { tid: string; oid: string; upn: string; name: string; scp: string; wids?: string[]; roles?: string[] }): Promise<string> {
  const t = now();
  return sign({
    aud: 'https://graph.microsoft.com',
    iss: `https://sts.windows.net/${o.tid}/`,
    iat: t,
    nbf: t,
    exp: t + 3600,
    tid: o.tid,
    ver: '1.0',
    idtyp: 'user',
    oid: o.oid,
    sub: o.oid,
    upn: o.upn,
    preferred_username: o.upn,
    unique_name: o.upn,
    name: o.name,
    scp: o.scp,
    wids: [DEFAULT_USER, ...(o.wids ?? [])],
    ...(o.roles ? { roles: o.roles } : {}),
  });
}

function call(method: string, path: string, token: string | undefined, body?: unknown): Promise<TestResponse> {
  return svc.request(method, path, { token, body });
}

function assertRefused(res: TestResponse, r: Refusal, what: string): void {
  try {
    assertGraphError(res, r.status, r.code, r.message);
  } catch (err) {
    (err as Error).message = `${what}: ${(err as Error).message}`;
    throw err;
  }
  if (r.status === 401) {
    const challenge = res.headers.get('www-authenticate');
    assert.ok(challenge?.startsWith('Bearer'), `${what}: WWW-Authenticate should start with Bearer, got ${challenge}`);
  }
}

const withoutContext = (body: Record<string, unknown>) => {
  const { '@odata.context': _ignored, ...rest } = body;
  return rest;
};

/** The owner's phones as the owner sees them. */
async function phonesOf(owner: User): Promise<any[]> {
  const res = await call('GET', '/beta/me/profile/phones', owner.token);
  assert.equal(res.status, 200, `owner's list: ${res.text}`);
  return res.json.value;
}

async function createFor(owner: User, body: Record<string, unknown> = { number: '+1 425 555 0100', displayName: 'fixture', type: 'mobile' }) {
  const res = await call('POST', '/beta/me/profile/phones', owner.token, body);
  assert.equal(res.status, 201, `fixture: ${res.text}`);
  return withoutContext(res.json) as any;
}

async function clearPhones(owner: User): Promise<void> {
  for (const p of await phonesOf(owner)) {
    const res = await call('DELETE', `/beta/me/profile/phones/${p.id}`, owner.token);
    assert.equal(res.status, 204, res.text);
  }
}

/** Identity of the caller as createdBy / lastModifiedBy must record it. */
interface Writer {
  user: { displayName: string; id: string };
  application: { displayName: string; id: string } | null;
}

interface Exercise {
  caller: string;
  /** '/beta/me' or '/beta/users/{id|upn}'. */
  base: string;
  owner: User;
  read: true | Refusal;
  write: true | Refusal;
  /** Required when write is allowed. */
  writer?: Writer;
}

/** list, get, create, update and delete through `base`, each allowed or refused as `e` says; refused writes change nothing. */
async function exercise(e: Exercise): Promise<void> {
  const what = (op: string) => `${op} ${e.base}/profile/phones as ${e.caller}`;
  await clearPhones(e.owner);
  const fixture = await createFor(e.owner);
  try {
    const before = await phonesOf(e.owner);
    const coll = `${e.base}/profile/phones`;

    // list
    let res = await call('GET', coll, tokens.get(e.caller));
    if (e.read === true) {
      assert.equal(res.status, 200, `${what('GET')}: ${res.text}`);
      assert.equal(res.json['@odata.context'].endsWith(`users('${e.owner.id}')/profile/phones`), true, res.json['@odata.context']);
      assert.deepEqual(res.json.value, before, what('GET'));
    } else assertRefused(res, e.read, what('GET'));

    // get
    res = await call('GET', `${coll}/${fixture.id}`, tokens.get(e.caller));
    if (e.read === true) {
      assert.equal(res.status, 200, `${what('GET item')}: ${res.text}`);
      assert.deepEqual(withoutContext(res.json), before[0], what('GET item'));
    } else assertRefused(res, e.read, what('GET item'));

    // create
    res = await call('POST', coll, tokens.get(e.caller), { number: '+1 425 555 0199', displayName: 'written by caller' });
    let created: any;
    if (e.write === true) {
      assert.equal(res.status, 201, `${what('POST')}: ${res.text}`);
      created = withoutContext(res.json);
      assert.deepEqual(created.createdBy, { application: e.writer!.application, device: null, user: e.writer!.user }, what('POST createdBy'));
      assert.deepEqual(created.lastModifiedBy, created.createdBy);
      const afterCreate = await phonesOf(e.owner);
      assert.deepEqual(afterCreate, [...before, created], `${what('POST')}: the phone is the owner's`);
    } else {
      assertRefused(res, e.write, what('POST'));
      assert.deepEqual(await phonesOf(e.owner), before, `${what('POST')} refused, yet the store changed`);
    }

    // update
    res = await call('PATCH', `${coll}/${fixture.id}`, tokens.get(e.caller), { displayName: 'changed by caller', type: 'home' });
    if (e.write === true) {
      assert.equal(res.status, 200, `${what('PATCH')}: ${res.text}`);
      const updated = withoutContext(res.json) as any;
      assert.equal(updated.displayName, 'changed by caller');
      assert.equal(updated.type, 'home');
      assert.deepEqual(updated.createdBy, fixture.createdBy, 'createdBy is kept');
      assert.deepEqual(updated.lastModifiedBy, { application: e.writer!.application, device: null, user: e.writer!.user }, what('PATCH lastModifiedBy'));
      const seen = (await phonesOf(e.owner)).find((p) => p.id === fixture.id);
      assert.deepEqual(seen, updated);
    } else {
      assertRefused(res, e.write, what('PATCH'));
      assert.deepEqual(await phonesOf(e.owner), before, `${what('PATCH')} refused, yet the store changed`);
    }

    // delete
    if (e.write === true) {
      for (const id of [created.id, fixture.id]) {
        res = await call('DELETE', `${coll}/${id}`, tokens.get(e.caller));
        assert.equal(res.status, 204, `${what('DELETE')}: ${res.text}`);
        assert.equal(res.text, '');
      }
      assert.deepEqual(await phonesOf(e.owner), [], `${what('DELETE')}: both phones are gone`);
    } else {
      res = await call('DELETE', `${coll}/${fixture.id}`, tokens.get(e.caller));
      assertRefused(res, e.write, what('DELETE'));
      assert.deepEqual(await phonesOf(e.owner), before, `${what('DELETE')} refused, yet the store changed`);
    }
  } finally {
    await clearPhones(e.owner);
  }
}

/** Caller tokens by a readable name, so that failure messages say who called. */
const tokens = new Map<string, string>();

/** Mixed-case spelling of a UPN: the lookup must ignore case. */
const mixedCase = (upn: string) => upn.replace(/^(.)(.*)@(.)(.*)$/, (_m, a: string, b: string, c: string, d: string) => `${a.toUpperCase()}${b}@${c.toUpperCase()}${d.toUpperCase()}`);

before(async () => {
  svc = await startTestService();
  issuerKey = await loadIssuerKey(svc.dataDir);
  alice = await cliUser('alice@contoso.com');
  bob = await cliUser('bob@contoso.com');
});
after(() => svc.stop());

// ---------------------------------------------------------------------------------------------
// The matrix through HTTP
// ---------------------------------------------------------------------------------------------

interface MatrixRow {
  /** How the token is made (for the test name). */
  name: string;
  mint: () => Promise<string>;
  readOwn: true | Refusal;
  writeOwn: true | Refusal;
  readOther: true | Refusal;
  writeOther: true | Refusal;
}

/**
 * Runs every operation on own (/me, /users/{id}, /users/{ID}, /users/{UPN}, /users/{upn with %40})
 * and on the other user's (/users/{id}, /users/{ID}, /users/{UPN}, /users/{upn with %40}).
 */
function matrix(title: string, caller: () => User, other: () => User, rows: MatrixRow[], callerIdentity?: (c: User) => Writer) {
  describe(title, () => {
    for (const row of rows) {
      test(row.name, async () => {
        const me = caller();
        const them = other();
        tokens.set(row.name, await row.mint());
        const writer = (callerIdentity ?? ((c: User) => ({ user: { displayName: c.displayName, id: c.id }, application: null })))(me);
        const ownPaths = ['/beta/me', `/beta/users/${me.id}`, `/beta/users/${me.id.toUpperCase()}`, `/beta/users/${mixedCase(me.upn)}`, `/beta/users/${encodeURIComponent(me.upn)}`];
        for (const base of ownPaths) {
          await exercise({ caller: row.name, base, owner: me, read: row.readOwn, write: row.writeOwn, writer });
        }
        const otherPaths = [`/beta/users/${them.id}`, `/beta/users/${them.id.toUpperCase()}`, `/beta/users/${mixedCase(them.upn)}`, `/beta/users/${encodeURIComponent(them.upn)}`];
        for (const base of otherPaths) {
          await exercise({ caller: row.name, base, owner: them, read: row.readOther, write: row.writeOther, writer });
        }
      });
    }
  });
}

const cli = (...args: string[]) => () => svc.token(['--user', 'alice@contoso.com', ...args]);

matrix('work or school account, delegated (alice; other = bob)', () => alice, () => bob, [
  // name                                      mint                                             readOwn  writeOwn   readOther  writeOther
  { name: '--scopes "" (no scp, no roles)', mint: cli('--scopes', ''), readOwn: NO_PERMISSION_CLAIM, writeOwn: NO_PERMISSION_CLAIM, readOther: NO_PERMISSION_CLAIM, writeOther: NO_PERMISSION_CLAIM },
  { name: 'User.Read', mint: cli('--scopes', 'User.Read'), readOwn: true, writeOwn: FORBIDDEN, readOther: FORBIDDEN, writeOther: FORBIDDEN },
  { name: 'User.Read --admin', mint: cli('--scopes', 'User.Read', '--admin'), readOwn: true, writeOwn: FORBIDDEN, readOther: FORBIDDEN, writeOther: FORBIDDEN },
  { name: 'User.ReadWrite', mint: cli('--scopes', 'User.ReadWrite'), readOwn: true, writeOwn: true, readOther: FORBIDDEN, writeOther: FORBIDDEN },
  { name: 'User.ReadWrite --admin', mint: cli('--scopes', 'User.ReadWrite', '--admin'), readOwn: true, writeOwn: true, readOther: FORBIDDEN, writeOther: FORBIDDEN },
  { name: 'User.ReadBasic.All', mint: cli('--scopes', 'User.ReadBasic.All'), readOwn: true, writeOwn: FORBIDDEN, readOther: true, writeOther: FORBIDDEN },
  { name: 'User.ReadBasic.All --admin', mint: cli('--scopes', 'User.ReadBasic.All', '--admin'), readOwn: true, writeOwn: FORBIDDEN, readOther: true, writeOther: FORBIDDEN },
  { name: 'User.Read.All', mint: cli('--scopes', 'User.Read.All'), readOwn: true, writeOwn: FORBIDDEN, readOther: true, writeOther: FORBIDDEN },
  { name: 'User.Read.All --admin', mint: cli('--scopes', 'User.Read.All', '--admin'), readOwn: true, writeOwn: FORBIDDEN, readOther: true, writeOther: FORBIDDEN },
  { name: 'User.ReadWrite.All', mint: cli('--scopes', 'User.ReadWrite.All'), readOwn: true, writeOwn: true, readOther: true, writeOther: FORBIDDEN },
  { name: 'User.ReadWrite.All --admin', mint: cli('--scopes', 'User.ReadWrite.All', '--admin'), readOwn: true, writeOwn: true, readOther: true, writeOther: true },
  { name: 'User.Read User.Read.All --admin', mint: cli('--scopes', 'User.Read User.Read.All', '--admin'), readOwn: true, writeOwn: FORBIDDEN, readOther: true, writeOther: FORBIDDEN },
  { name: 'Mail.Read openid profile --admin', mint: cli('--scopes', 'Mail.Read openid profile', '--admin'), readOwn: FORBIDDEN, writeOwn: FORBIDDEN, readOther: FORBIDDEN, writeOther: FORBIDDEN },
  // Hand-minted: directory roles the CLI cannot give, and roles in a delegated token.
  {
    name: 'User.ReadWrite.All, wids = User Administrator',
    mint: () => delegatedToken({ tid: alice.tenantId, oid: alice.id, upn: alice.upn, name: alice.displayName, scp: 'User.ReadWrite.All', wids: [USER_ADMIN] }),
    readOwn: true, writeOwn: true, readOther: true, writeOther: true,
  },
  {
    name: 'User.ReadWrite.All, wids = Global Reader (not an admin role)',
    mint: () => delegatedToken({ tid: alice.tenantId, oid: alice.id, upn: alice.upn, name: alice.displayName, scp: 'User.ReadWrite.All', wids: [GLOBAL_READER] }),
    readOwn: true, writeOwn: true, readOther: true, writeOther: FORBIDDEN,
  },
  {
    name: 'scp User.Read, roles [User.ReadWrite.All], Global Administrator (roles do not count for a user)',
    mint: () => delegatedToken({ tid: alice.tenantId, oid: alice.id, upn: alice.upn, name: alice.displayName, scp: 'User.Read', wids: [GLOBAL_ADMIN], roles: ['User.ReadWrite.All'] }),
    readOwn: true, writeOwn: FORBIDDEN, readOther: FORBIDDEN, writeOther: FORBIDDEN,
  },
]);

// Personal Microsoft accounts: tid 9188040d-...; the CLI cannot make them, so they are minted here.
let pat: User;
let sam: User;
const personal = (scp: string, wids: string[] = []) => () => delegatedToken({ tid: PERSONAL_TENANT, oid: pat.id, upn: pat.upn, name: pat.displayName, scp, wids });

describe('personal Microsoft accounts: setup', () => {
  test('two personal accounts sign in', async () => {
    const make = async (upn: string, name: string): Promise<User> => {
      const id = randomUUID();
      const token = await delegatedToken({ tid: PERSONAL_TENANT, oid: id, upn, name, scp: 'User.ReadWrite' });
      const u = { upn, id, tenantId: PERSONAL_TENANT, displayName: name, token };
      assert.deepEqual(await phonesOf(u), []); // first sight adds the user to the directory
      return u;
    };
    pat = await make('pat@outlook.com', 'Pat Personal');
    sam = await make('sam@outlook.com', 'Sam Personal');
  });
});

matrix('personal Microsoft account, delegated (pat; other = sam)', () => pat, () => sam, [
  { name: 'personal: no scp', mint: personal(''), readOwn: NO_PERMISSION_CLAIM, writeOwn: NO_PERMISSION_CLAIM, readOther: NO_PERMISSION_CLAIM, writeOther: NO_PERMISSION_CLAIM },
  { name: 'personal: User.Read', mint: personal('User.Read'), readOwn: true, writeOwn: FORBIDDEN, readOther: FORBIDDEN, writeOther: FORBIDDEN },
  { name: 'personal: User.ReadWrite', mint: personal('User.ReadWrite'), readOwn: true, writeOwn: true, readOther: FORBIDDEN, writeOther: FORBIDDEN },
  { name: 'personal: User.ReadBasic.All', mint: personal('User.ReadBasic.All'), readOwn: FORBIDDEN, writeOwn: FORBIDDEN, readOther: FORBIDDEN, writeOther: FORBIDDEN },
  { name: 'personal: User.Read.All', mint: personal('User.Read.All'), readOwn: FORBIDDEN, writeOwn: FORBIDDEN, readOther: FORBIDDEN, writeOther: FORBIDDEN },
  { name: 'personal: User.ReadWrite.All + Global Administrator', mint: personal('User.ReadWrite.All', [GLOBAL_ADMIN]), readOwn: FORBIDDEN, writeOwn: FORBIDDEN, readOther: FORBIDDEN, writeOther: FORBIDDEN },
  { name: 'personal: User.ReadWrite User.ReadWrite.All + User Administrator', mint: personal('User.ReadWrite User.ReadWrite.All', [USER_ADMIN]), readOwn: true, writeOwn: true, readOther: FORBIDDEN, writeOther: FORBIDDEN },
]);

describe('application (app-only) tokens', () => {
  const app = (roles: string) => () => svc.token(['--app-only', '--client', 'Contoso Directory Sync', '--roles', roles]);
  const ROWS: Array<{ roles: string; read: true | Refusal; write: Refusal; me: Refusal }> = [
    // roles                                  read /users/{other}     write /users/{other}   any operation on /me
    { roles: '', read: NO_PERMISSION_CLAIM, write: NO_PERMISSION_CLAIM, me: NO_PERMISSION_CLAIM },
    { roles: 'User.Read', read: FORBIDDEN, write: FORBIDDEN, me: ME_WITH_APP_TOKEN },
    { roles: 'User.ReadWrite', read: FORBIDDEN, write: FORBIDDEN, me: ME_WITH_APP_TOKEN },
    { roles: 'User.ReadBasic.All', read: true, write: FORBIDDEN, me: ME_WITH_APP_TOKEN },
    { roles: 'User.Read.All', read: true, write: FORBIDDEN, me: ME_WITH_APP_TOKEN },
    { roles: 'User.ReadWrite.All', read: true, write: FORBIDDEN, me: ME_WITH_APP_TOKEN },
    { roles: 'User.Read.All User.ReadWrite.All Directory.ReadWrite.All', read: true, write: FORBIDDEN, me: ME_WITH_APP_TOKEN },
  ];
  for (const row of ROWS) {
    const name = `app-only --roles "${row.roles}"`;
    test(name, async () => {
      tokens.set(name, await app(row.roles)());
      for (const base of [`/beta/users/${alice.id}`, `/beta/users/${alice.id.toUpperCase()}`, `/beta/users/${mixedCase(alice.upn)}`]) {
        await exercise({ caller: name, base, owner: alice, read: row.read, write: row.write });
      }
      await exercise({ caller: name, base: '/beta/me', owner: alice, read: row.me, write: row.me });
    });
  }

  test('the CLI default for --roles is User.Read.All: reads, never writes', async () => {
    const token = await svc.token(['--app-only', '--client', 'Contoso Directory Sync']);
    assert.deepEqual(decodeJwt(token).roles, ['User.Read.All']);
    tokens.set('app-only default roles', token);
    await exercise({ caller: 'app-only default roles', base: `/beta/users/${alice.id}`, owner: alice, read: true, write: FORBIDDEN });
  });

  test('an app token with its permissions in scp instead of roles reads nothing', async () => {
    const t = await svc.token(['--app-only', '--client', 'Contoso Directory Sync']);
    const token = await resign(t, { roles: undefined, scp: 'User.Read.All User.ReadWrite.All' });
    const res = await call('GET', `/beta/users/${alice.id}/profile/phones`, token);
    assert.notEqual(res.status, 200, res.text);
    assert.ok(res.status === 401 || res.status === 403, res.text);
  });
});

// ---------------------------------------------------------------------------------------------
// Named scenarios
// ---------------------------------------------------------------------------------------------

describe('scenarios from the permission table', () => {
  test('User.Read lists and gets own phones; POST, PATCH and DELETE own answer 403 and change nothing', async () => {
    const reader = await svc.token(['--user', alice.upn, '--scopes', 'User.Read']);
    await clearPhones(alice);
    const p = await createFor(alice);
    const list = await call('GET', '/beta/me/profile/phones', reader);
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.value, [p]);
    const get = await call('GET', `/beta/me/profile/phones/${p.id}`, reader);
    assert.equal(get.status, 200);
    assertRefused(await call('POST', '/beta/me/profile/phones', reader, { number: '1' }), FORBIDDEN, 'POST');
    assertRefused(await call('PATCH', `/beta/me/profile/phones/${p.id}`, reader, { number: '2' }), FORBIDDEN, 'PATCH');
    assertRefused(await call('DELETE', `/beta/me/profile/phones/${p.id}`, reader), FORBIDDEN, 'DELETE');
    assert.deepEqual(await phonesOf(alice), [p]);
    await clearPhones(alice);
  });

  test('a refused write is refused before its body is read (an invalid body still gets 403)', async () => {
    const reader = await svc.token(['--user', alice.upn, '--scopes', 'User.Read']);
    const res = await svc.request('POST', '/beta/me/profile/phones', { token: reader, rawBody: '{not json', headers: { 'content-type': 'application/json' } });
    assertRefused(res, FORBIDDEN, 'POST with a broken body');
    const app = await svc.token(['--app-only', '--client', 'Contoso Directory Sync', '--roles', 'User.ReadWrite.All']);
    const res2 = await svc.request('POST', `/beta/users/${alice.id}/profile/phones`, { token: app, rawBody: '{not json', headers: { 'content-type': 'application/json' } });
    assertRefused(res2, FORBIDDEN, 'app POST with a broken body');
  });

  test('User.ReadWrite.All with --admin writes another user\'s phones; createdBy.user is the admin, not the owner', async () => {
    const ada = await cliUser('ada.admin@contoso.com', ['--name', 'Ada Admin']);
    const adminToken = await svc.token(['--user', ada.upn, '--scopes', 'User.ReadWrite.All', '--admin']);
    await clearPhones(bob);
    const res = await call('POST', `/beta/users/${bob.upn}/profile/phones`, adminToken, { number: '+44 20 7946 0000', type: 'business' });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.json.createdBy, { application: null, device: null, user: { displayName: 'Ada Admin', id: ada.id } });
    assert.notEqual(res.json.createdBy.user.id, bob.id);
    assert.equal(res.json['@odata.context'], `${svc.url}/beta/$metadata#users('${bob.id}')/profile/phones/$entity`);
    assert.equal(res.headers.get('location'), `${svc.url}/beta/users/${bob.id}/profile/phones/${res.json.id}`);
    // It is bob's phone, not ada's.
    assert.deepEqual((await phonesOf(bob)).map((p) => p.id), [res.json.id]);
    assert.deepEqual(await phonesOf(ada), []);
    const upd = await call('PATCH', `/beta/users/${bob.id}/profile/phones/${res.json.id}`, adminToken, { displayName: 'Desk' });
    assert.equal(upd.status, 200, upd.text);
    assert.deepEqual(upd.json.lastModifiedBy.user, { displayName: 'Ada Admin', id: ada.id });
    const del = await call('DELETE', `/beta/users/${bob.id}/profile/phones/${res.json.id}`, adminToken);
    assert.equal(del.status, 204);
    assert.deepEqual(await phonesOf(bob), []);
  });

  test('User.ReadWrite.All without --admin: reads bob, writing bob answers 403 and changes nothing', async () => {
    const t = await svc.token(['--user', alice.upn, '--scopes', 'User.ReadWrite.All']);
    await clearPhones(bob);
    const p = await createFor(bob);
    const read = await call('GET', `/beta/users/${bob.id}/profile/phones/${p.id}`, t);
    assert.equal(read.status, 200);
    assertRefused(await call('POST', `/beta/users/${bob.id}/profile/phones`, t, { number: '1' }), FORBIDDEN, 'POST');
    assertRefused(await call('PATCH', `/beta/users/${bob.id}/profile/phones/${p.id}`, t, { number: '1' }), FORBIDDEN, 'PATCH');
    assertRefused(await call('DELETE', `/beta/users/${bob.id}/profile/phones/${p.id}`, t), FORBIDDEN, 'DELETE');
    assert.deepEqual(await phonesOf(bob), [p]);
    await clearPhones(bob);
  });
});

// ---------------------------------------------------------------------------------------------
// Authentication: every bad token is a 401 with a Bearer challenge
// ---------------------------------------------------------------------------------------------

describe('authentication', () => {
  const EMPTY = 'Access token is empty.';
  const EXPIRED = 'Access token has expired or is not yet valid.';
  const BAD_AUDIENCE = 'Access token validation failure. Invalid audience.';
  const MALFORMED = 'CompactToken parsing failed with error code: 80049217';
  let good: string;
  let guard: any;

  before(async () => {
    good = await svc.token(['--user', alice.upn, '--scopes', 'User.ReadWrite.All', '--admin']);
    await clearPhones(alice);
    guard = await createFor(alice);
  });
  after(async () => {
    // None of the refused requests changed alice's phones.
    assert.deepEqual(await phonesOf(alice), [guard]);
    await clearPhones(alice);
  });

  /** Sends a read and two writes with the given headers and expects 401 for each. */
  async function refused(headers: Record<string, string>, message: string | RegExp | undefined, what: string, query = ''): Promise<void> {
    const requests: Array<[string, string, unknown]> = [
      ['GET', `/beta/me/profile/phones${query}`, undefined],
      ['GET', `/beta/users/${alice.id}/profile/phones/${guard.id}${query}`, undefined],
      ['POST', `/beta/users/${alice.id}/profile/phones${query}`, { number: '+1 555 0000' }],
      ['PATCH', `/beta/me/profile/phones/${guard.id}${query}`, { displayName: 'tampered' }],
      ['DELETE', `/beta/users/${alice.upn}/profile/phones/${guard.id}${query}`, undefined],
    ];
    for (const [method, path, body] of requests) {
      const res = await svc.request(method, path, { headers, body });
      assertRefused(res, unauthenticated(message), `${what}: ${method} ${path}`);
    }
    assert.deepEqual(await phonesOf(alice), [guard], `${what}: alice's phones changed`);
  }
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  test('control: a token re-signed here with the issuer key is accepted (so the refusals below are for their own reason)', async () => {
    const same = await resign(good, {});
    const res = await call('GET', `/beta/users/${alice.id}/profile/phones`, same);
    assert.equal(res.status, 200, res.text);
    const other = await resign(good, { aud: '00000003-0000-0000-c000-000000000000' });
    assert.equal((await call('GET', '/beta/me/profile/phones', other)).status, 200, 'the Graph app id is an accepted audience');
    const lower = await svc.request('GET', '/beta/me/profile/phones', { headers: { authorization: `bearer ${good}` } });
    assert.equal(lower.status, 200, 'the auth scheme is case-insensitive (RFC 7235)');
  });

  test('no Authorization header', () => refused({}, EMPTY, 'no header'));
  test('"Bearer " with nothing after it', () => refused({ authorization: 'Bearer ' }, EMPTY, 'empty bearer'));
  test('"Bearer" alone', () => refused({ authorization: 'Bearer' }, EMPTY, 'bare scheme'));
  test('Basic scheme', () => refused({ authorization: 'Basic YWxpY2U6cGFzc3dvcmQ=' }, undefined, 'Basic'));
  test('a valid token under another scheme', async () => {
    await refused({ authorization: `Token ${good}` }, undefined, 'Token scheme');
    await refused({ authorization: `Basic ${good}` }, undefined, 'Basic scheme with a JWT');
  });
  test('a valid token without any scheme', () => refused({ authorization: good }, undefined, 'no scheme'));
  test('two tokens in one header', () => refused({ authorization: `Bearer ${good} ${good}` }, undefined, 'two tokens'));
  test('garbage token', async () => {
    await refused(bearer('not-a-jwt'), MALFORMED, 'garbage');
    await refused(bearer('a.b.c'), MALFORMED, 'three garbage segments');
    await refused(bearer('eyJhbGciOiJSUzI1NiJ9.e30'), MALFORMED, 'two segments');
  });

  test('a token whose payload was tampered with', async () => {
    const [h, p, s] = good.split('.') as [string, string, string];
    const i = Math.floor(p.length / 2);
    const flipped = p.slice(0, i) + (p[i] === 'A' ? 'B' : 'A') + p.slice(i + 1);
    await refused(bearer(`${h}.${flipped}.${s}`), undefined, 'one character changed');
    // A meaningful change: a reader token given write-everything, signature kept.
    const reader = await svc.token(['--user', bob.upn, '--scopes', 'User.Read']);
    const [rh, rp, rs] = reader.split('.') as [string, string, string];
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(rp)));
    const forged = base64url.encode(JSON.stringify({ ...claims, scp: 'User.ReadWrite.All', wids: [GLOBAL_ADMIN] }));
    assert.notEqual(forged, rp);
    // The reader's own token is verified and remembered first: the forgery ends with the same signature, which is
    // what the verifier's cache finds a token by, and must still be refused, and must not displace the real one.
    const readerList = () => svc.request('GET', '/beta/me/profile/phones', { token: reader });
    assert.equal((await readerList()).status, 200);
    await refused(bearer(`${rh}.${forged}.${rs}`), undefined, 'scp and wids raised');
    assert.equal((await readerList()).status, 200);
  });

  test('an expired token (exp more than 60 s ago)', async () => {
    const t = now();
    await refused(bearer(await resign(good, { iat: t - 7200, nbf: t - 7200, exp: t - 120 })), EXPIRED, 'expired');
  });

  test('a token not yet valid (nbf more than 60 s ahead)', async () => {
    const t = now();
    await refused(bearer(await resign(good, { nbf: t + 300, exp: t + 3900 })), EXPIRED, 'nbf in the future');
  });

  test('a token accepted once is refused after it expires: the verification cache does not outlive exp', async () => {
    const exp = now() - 58; // within the 60 s allowance for clock skew
    const t = await resign(good, { iat: exp - 3600, nbf: exp - 3600, exp });
    const first = await call('GET', '/beta/me/profile/phones', t);
    assert.equal(first.status, 200, `inside the clock-skew allowance: ${first.text}`);
    while (now() <= exp + 61) await new Promise((r) => setTimeout(r, 250));
    await refused(bearer(t), EXPIRED, 'expired after first use');
  });

  test('a token without exp', async () => {
    await refused(bearer(await resign(good, { exp: undefined })), undefined, 'no exp');
  });

  test('wrong audience', async () => {
    await refused(bearer(await resign(good, { aud: 'https://graph.windows.net' })), BAD_AUDIENCE, 'Azure AD Graph audience');
    await refused(bearer(await resign(good, { aud: 'api://some-other-api' })), BAD_AUDIENCE, 'another API');
    await refused(bearer(await resign(good, { aud: undefined })), undefined, 'no aud');
  });

  test('wrong issuer', async () => {
    const fabrikamTid = decodeJwt(await svc.token(['--app-only', '--client', 'x', '--tenant', 'fabrikam'])).tid as string;
    await refused(bearer(await resign(good, { iss: `https://sts.windows.net/${fabrikamTid}/` })), undefined, "another tenant's issuer");
    await refused(bearer(await resign(good, { iss: `https://login.microsoftonline.com/${alice.tenantId}/v2.0` })), undefined, 'v2 issuer');
    await refused(bearer(await resign(good, { iss: 'https://evil.example.com/' })), undefined, 'foreign issuer');
    await refused(bearer(await resign(good, { iss: undefined })), undefined, 'no iss');
  });

  test('a token lacking tid, or a user token lacking oid', async () => {
    await refused(bearer(await resign(good, { tid: undefined })), undefined, 'no tid');
    await refused(bearer(await resign(good, { oid: undefined })), undefined, 'no oid');
  });

  test('alg none (unsigned)', async () => {
    const [, p] = good.split('.') as [string, string];
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    await refused(bearer(`${header}.${p}.`), undefined, 'alg none');
    const header2 = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT', kid: issuerKey.kid }));
    await refused(bearer(`${header2}.${p}.`), undefined, 'alg none with the right kid');
  });

  test('HS256 signed with a secret, and with the public key as the secret', async () => {
    const claims = decodeJwt(good);
    const secret = new TextEncoder().encode('a-shared-secret-that-is-long-enough-for-hs256!');
    await refused(bearer(await sign(claims, { alg: 'HS256', key: secret })), undefined, 'HS256');
    const file = JSON.parse(readFileSync(join(svc.dataDir, 'dev-issuer-key.json'), 'utf8')) as { privateJwk: JWK };
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = file.privateJwk;
    const pem = await exportSPKI((await importJWK({ ...publicJwk, alg: 'RS256' }, 'RS256', { extractable: true })) as Parameters<typeof exportSPKI>[0]);
    await refused(bearer(await sign(claims, { alg: 'HS256', key: new TextEncoder().encode(pem) })), undefined, 'HS256 keyed with the public key');
  });

  test('signed by a different RSA key, with the same kid, another kid, and no kid', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const claims = decodeJwt(good);
    await refused(bearer(await sign(claims, { key: privateKey })), undefined, 'same kid');
    await refused(bearer(await sign(claims, { key: privateKey, kid: 'another-kid' })), undefined, 'other kid');
    await refused(bearer(await sign(claims, { key: privateKey, kid: null })), undefined, 'no kid');
  });

  test('a token from another DATA_DIR is refused, both ways', async () => {
    const other = await startTestService();
    try {
      const foreign = await other.token(['--user', alice.upn, '--scopes', 'User.ReadWrite.All', '--admin']);
      assert.deepEqual(decodeJwt(foreign).oid, alice.id, 'same user, same claims: only the key differs');
      await refused(bearer(foreign), undefined, 'token of another service');
      const res = await other.request('GET', '/beta/me/profile/phones', { token: good });
      assert.equal(res.status, 401, res.text);
      assert.equal(res.json.error.code, 'InvalidAuthenticationToken');
      assert.ok(res.headers.get('www-authenticate')?.startsWith('Bearer'));
      const own = await other.request('GET', '/beta/me/profile/phones', { token: foreign });
      assert.equal(own.status, 200, 'control: the other service accepts its own token');
    } finally {
      await other.stop();
    }
  });

  test('the token in the query string or in a cookie is not read', async () => {
    await refused({}, EMPTY, 'access_token query parameter', `?access_token=${encodeURIComponent(good)}`);
    await refused({ cookie: `access_token=${good}` }, EMPTY, 'cookie');
    await refused({ cookie: `Authorization=Bearer ${good}` }, EMPTY, 'cookie named Authorization');
  });
});

// ---------------------------------------------------------------------------------------------
// Isolation between users and between tenants
// ---------------------------------------------------------------------------------------------

describe('isolation', () => {
  test("bob cannot reach alice's phone through his own /me with its id: 404 itemNotFound, alice's phone unchanged", async () => {
    await clearPhones(alice);
    const p = await createFor(alice, { number: '+1 206 555 0142', displayName: "Alice's cell", type: 'mobile' });
    for (const t of [bob.token, await svc.token(['--user', bob.upn, '--scopes', 'User.ReadWrite.All', '--admin'])]) {
      assertRefused(await call('GET', `/beta/me/profile/phones/${p.id}`, t), { status: 404, code: 'itemNotFound' }, 'GET');
      assertRefused(await call('PATCH', `/beta/me/profile/phones/${p.id}`, t, { number: '0' }), { status: 404, code: 'itemNotFound' }, 'PATCH');
      assertRefused(await call('DELETE', `/beta/me/profile/phones/${p.id}`, t), { status: 404, code: 'itemNotFound' }, 'DELETE');
      // and through his own /users/{id} path
      assertRefused(await call('PATCH', `/beta/users/${bob.id}/profile/phones/${p.id}`, t, { number: '0' }), { status: 404, code: 'itemNotFound' }, 'PATCH');
      assertRefused(await call('DELETE', `/beta/users/${bob.upn}/profile/phones/${p.id}`, t), { status: 404, code: 'itemNotFound' }, 'DELETE');
      const list = await call('GET', '/beta/me/profile/phones', t);
      assert.deepEqual(list.json.value.filter((x: any) => x.id === p.id), []);
    }
    assert.deepEqual(await phonesOf(alice), [p]);
    await clearPhones(alice);
  });

  test('another tenant cannot reach alice, even as an admin with User.ReadWrite.All: 404 as for a user that does not exist', async () => {
    await clearPhones(alice);
    const p = await createFor(alice);
    const mallory = await svc.token(['--user', 'mallory@fabrikam.com', '--tenant', 'fabrikam', '--scopes', 'User.ReadWrite.All', '--admin']);
    assert.notEqual(decodeJwt(mallory).tid, alice.tenantId);
    const fabrikamApp = await svc.token(['--app-only', '--client', 'Fabrikam Sync', '--tenant', 'fabrikam', '--roles', 'User.ReadWrite.All User.Read.All']);
    const ghost = randomUUID();
    for (const [name, t] of [['fabrikam admin', mallory], ['fabrikam app', fabrikamApp]] as const) {
      for (const target of [alice.id, alice.upn, mixedCase(alice.upn)]) {
        const coll = `/beta/users/${target}/profile/phones`;
        assertRefused(await call('GET', coll, t), userNotFound(target), `${name} GET ${coll}`);
        assertRefused(await call('GET', `${coll}/${p.id}`, t), userNotFound(target), `${name} GET item`);
        if (name === 'fabrikam admin') {
          assertRefused(await call('POST', coll, t, { number: '9' }), userNotFound(target), `${name} POST`);
          assertRefused(await call('PATCH', `${coll}/${p.id}`, t, { number: '9' }), userNotFound(target), `${name} PATCH`);
          assertRefused(await call('DELETE', `${coll}/${p.id}`, t), userNotFound(target), `${name} DELETE`);
        } else {
          // An app may never write: refused before any lookup.
          assertRefused(await call('POST', coll, t, { number: '9' }), FORBIDDEN, `${name} POST`);
          assertRefused(await call('DELETE', `${coll}/${p.id}`, t), FORBIDDEN, `${name} DELETE`);
        }
      }
      // Same answer as for a user who does not exist anywhere.
      const a = await call('GET', `/beta/users/${alice.id}/profile/phones`, t);
      const b = await call('GET', `/beta/users/${ghost}/profile/phones`, t);
      assert.equal(a.status, b.status);
      assert.equal(a.json.error.code, b.json.error.code);
      assert.equal(a.json.error.message.replace(alice.id, 'X'), b.json.error.message.replace(ghost, 'X'));
      // Nor can alice's phone be reached through the caller's own profile.
      if (name === 'fabrikam admin') {
        assertRefused(await call('GET', `/beta/me/profile/phones/${p.id}`, t), { status: 404, code: 'itemNotFound' }, 'GET own');
        assertRefused(await call('DELETE', `/beta/me/profile/phones/${p.id}`, t), { status: 404, code: 'itemNotFound' }, 'DELETE own');
      }
    }
    assert.deepEqual(await phonesOf(alice), [p]);
    await clearPhones(alice);
  });

  test('a caller who may not reach other users gets 403 for a user that does not exist, not 404', async () => {
    const ghostId = randomUUID();
    const ghostUpn = 'nobody@contoso.com';
    const cases: Array<{ name: string; token: string; read: Refusal; write: Refusal }> = [
      { name: 'User.ReadWrite', token: bob.token, read: FORBIDDEN, write: FORBIDDEN },
      { name: 'User.Read', token: await svc.token(['--user', bob.upn, '--scopes', 'User.Read', '--admin']), read: FORBIDDEN, write: FORBIDDEN },
      { name: 'User.Read.All', token: await svc.token(['--user', bob.upn, '--scopes', 'User.Read.All']), read: userNotFound('*'), write: FORBIDDEN },
      { name: 'User.ReadWrite.All', token: await svc.token(['--user', bob.upn, '--scopes', 'User.ReadWrite.All']), read: userNotFound('*'), write: FORBIDDEN },
      { name: 'User.ReadWrite.All --admin', token: await svc.token(['--user', bob.upn, '--scopes', 'User.ReadWrite.All', '--admin']), read: userNotFound('*'), write: userNotFound('*') },
      { name: 'app User.Read.All', token: await svc.token(['--app-only', '--client', 'c', '--roles', 'User.Read.All']), read: userNotFound('*'), write: FORBIDDEN },
      { name: 'app User.Read', token: await svc.token(['--app-only', '--client', 'c', '--roles', 'User.Read']), read: FORBIDDEN, write: FORBIDDEN },
    ];
    const fill = (r: Refusal, target: string) => (r.status === 404 ? userNotFound(target) : r);
    for (const c of cases) {
      for (const target of [ghostId, ghostUpn]) {
        const coll = `/beta/users/${target}/profile/phones`;
        assertRefused(await call('GET', coll, c.token), fill(c.read, target), `${c.name} GET ${coll}`);
        assertRefused(await call('GET', `${coll}/${randomUUID()}`, c.token), fill(c.read, target), `${c.name} GET item`);
        assertRefused(await call('POST', coll, c.token, { number: '1' }), fill(c.write, target), `${c.name} POST`);
        assertRefused(await call('PATCH', `${coll}/${randomUUID()}`, c.token, { number: '1' }), fill(c.write, target), `${c.name} PATCH`);
        assertRefused(await call('DELETE', `${coll}/${randomUUID()}`, c.token), fill(c.write, target), `${c.name} DELETE`);
      }
    }
    // The refusal for an existing user and for a missing one are the same.
    const existing = await call('GET', `/beta/users/${alice.id}/profile/phones`, bob.token);
    const missing = await call('GET', `/beta/users/${ghostId}/profile/phones`, bob.token);
    assert.equal(existing.status, missing.status);
    assert.deepEqual(existing.json.error.code, missing.json.error.code);
    assert.deepEqual(existing.json.error.message, missing.json.error.message);
  });

  test('the same oid under another tenant is another profile', async () => {
    await clearPhones(alice);
    const p = await createFor(alice);
    const fabrikamTid = decodeJwt(await svc.token(['--app-only', '--client', 'x', '--tenant', 'fabrikam'])).tid as string;
    const twin = await delegatedToken({ tid: fabrikamTid, oid: alice.id, upn: alice.upn, name: 'Alice Twin', scp: 'User.ReadWrite' });
    const list = await call('GET', '/beta/me/profile/phones', twin);
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.json.value, []);
    assertRefused(await call('GET', `/beta/users/${alice.id}/profile/phones/${p.id}`, twin), { status: 404, code: 'itemNotFound' }, 'GET');
    assertRefused(await call('PATCH', `/beta/me/profile/phones/${p.id}`, twin, { number: '0' }), { status: 404, code: 'itemNotFound' }, 'PATCH');
    assertRefused(await call('DELETE', `/beta/me/profile/phones/${p.id}`, twin), { status: 404, code: 'itemNotFound' }, 'DELETE');
    const mine = await call('POST', '/beta/me/profile/phones', twin, { number: '+9 999' });
    assert.equal(mine.status, 201);
    assert.deepEqual(await phonesOf(alice), [p], "alice's profile is untouched by her twin");
    // alice's directory entry is still hers: the contoso admin finds her by UPN, with her name.
    const admin = await svc.token(['--user', 'ada.admin@contoso.com', '--scopes', 'User.Read.All']);
    const viaUpn = await call('GET', `/beta/users/${alice.upn}/profile/phones`, admin);
    assert.equal(viaUpn.status, 200, viaUpn.text);
    assert.deepEqual(viaUpn.json.value, [p]);
    await clearPhones(alice);
  });

  test('the same UPN in another tenant is another user, with another id and other phones', async () => {
    const erinContoso = await cliUser('erin@contoso.com');
    const erinFabrikam = await cliUser('erin@contoso.com', ['--tenant', 'fabrikam']);
    assert.notEqual(erinContoso.tenantId, erinFabrikam.tenantId);
    assert.notEqual(erinContoso.id, erinFabrikam.id);
    assert.ok(isGuid(erinContoso.id) && isGuid(erinFabrikam.id));
    assert.equal(decodeJwt(erinContoso.token).upn, decodeJwt(erinFabrikam.token).upn);

    const mine = await createFor(erinContoso, { number: '+1 111' });
    const theirs = await createFor(erinFabrikam, { number: '+2 222' });
    assert.deepEqual(await phonesOf(erinContoso), [mine]);
    assert.deepEqual(await phonesOf(erinFabrikam), [theirs]);

    // Each tenant's admin finds its own erin by the same UPN.
    const contosoAdmin = await svc.token(['--user', 'ada.admin@contoso.com', '--scopes', 'User.Read.All']);
    const fabrikamAdmin = await svc.token(['--user', 'mallory@fabrikam.com', '--tenant', 'fabrikam', '--scopes', 'User.Read.All']);
    const c = await call('GET', '/beta/users/erin@contoso.com/profile/phones', contosoAdmin);
    assert.equal(c.status, 200, c.text);
    assert.deepEqual(c.json.value, [mine]);
    assert.match(c.json['@odata.context'], new RegExp(`users\\('${erinContoso.id}'\\)`));
    const f = await call('GET', '/beta/users/ERIN@contoso.com/profile/phones', fabrikamAdmin);
    assert.equal(f.status, 200, f.text);
    assert.deepEqual(f.json.value, [theirs]);
    // And neither reaches the other's erin by id.
    assertRefused(await call('GET', `/beta/users/${erinFabrikam.id}/profile/phones`, contosoAdmin), userNotFound(erinFabrikam.id), 'contoso -> fabrikam erin');
    assertRefused(await call('GET', `/beta/users/${erinContoso.id}/profile/phones`, fabrikamAdmin), userNotFound(erinContoso.id), 'fabrikam -> contoso erin');
    // Nor through /me with the other erin's phone id.
    assertRefused(await call('GET', `/beta/me/profile/phones/${theirs.id}`, erinContoso.token), { status: 404, code: 'itemNotFound' }, 'cross-tenant item');
    await clearPhones(erinContoso);
    await clearPhones(erinFabrikam);
  });
});

// ---------------------------------------------------------------------------------------------
// What the CLI's tokens carry, and what the writes record
// ---------------------------------------------------------------------------------------------

describe('token claims', () => {
  test('a delegated token with --client and --admin', async () => {
    const t = await svc.token(['--user', 'alice@contoso.com', '--scopes', 'User.Read User.ReadWrite', '--admin', '--client', 'Contoso Phone App']);
    const c = decodeJwt(t);
    const stamp = now();
    assert.equal(c.tid, alice.tenantId);
    assert.ok(isGuid(c.tid));
    assert.equal(c.oid, alice.id);
    assert.ok(isGuid(c.oid));
    assert.equal(c.upn, 'alice@contoso.com');
    assert.equal(c.preferred_username, 'alice@contoso.com');
    assert.equal(c.name, 'Alice');
    assert.equal(c.scp, 'User.Read User.ReadWrite');
    assert.ok(Array.isArray(c.wids));
    assert.ok((c.wids as string[]).includes(GLOBAL_ADMIN));
    assert.ok(GRAPH_AUDIENCES.includes(c.aud as string), String(c.aud));
    assert.equal(c.iss, `https://sts.windows.net/${c.tid}/`);
    assert.equal(typeof c.exp, 'number');
    assert.equal(typeof c.nbf, 'number');
    assert.equal(typeof c.iat, 'number');
    assert.ok(c.nbf! <= stamp + 1 && c.iat! <= stamp + 1);
    assert.ok(c.exp! > stamp + 3000 && c.exp! <= stamp + 3601, `exp ${c.exp} for the default lifetime of 3600 s`);
    assert.equal(c.idtyp, 'user');
    assert.ok(isGuid(c.appid));
    assert.equal(c.azp, c.appid);
    assert.equal(c.app_displayname, 'Contoso Phone App');
    assert.equal(c.roles, undefined);
  });

  test('a delegated token without --admin or --client', async () => {
    const c = decodeJwt(await svc.token(['--user', 'alice@contoso.com', '--scopes', 'User.Read']));
    assert.ok(Array.isArray(c.wids));
    assert.ok(!(c.wids as string[]).includes(GLOBAL_ADMIN));
    assert.ok(!(c.wids as string[]).includes(USER_ADMIN));
    assert.equal(c.scp, 'User.Read');
    assert.equal(c.idtyp, 'user');
    assert.equal(c.appid, undefined);
    assert.equal(c.azp, undefined);
    assert.equal(c.app_displayname, undefined);
  });

  test('the default scope is User.ReadWrite, and --expires-in sets the lifetime', async () => {
    const c = decodeJwt(await svc.token(['--user', 'alice@contoso.com', '--expires-in', '120']));
    assert.equal(c.scp, 'User.ReadWrite');
    assert.equal(c.exp! - c.iat!, 120);
  });

  test('an app-only token', async () => {
    const c = decodeJwt(await svc.token(['--app-only', '--client', 'Contoso Directory Sync', '--roles', 'User.Read.All User.ReadWrite.All']));
    assert.deepEqual(c.roles, ['User.Read.All', 'User.ReadWrite.All']);
    assert.equal(c.idtyp, 'app');
    assert.equal(c.scp, undefined);
    assert.equal(c.upn, undefined);
    assert.equal(c.tid, alice.tenantId);
    assert.ok(isGuid(c.appid));
    assert.equal(c.app_displayname, 'Contoso Directory Sync');
    assert.ok(GRAPH_AUDIENCES.includes(c.aud as string));
    assert.equal(c.iss, `https://sts.windows.net/${c.tid}/`);
    assert.notEqual(c.oid, alice.id);
  });

  test('--app-only with --roles "" gives an empty roles array, which the service refuses with 401', async () => {
    const t = await svc.token(['--app-only', '--client', 'Contoso Directory Sync', '--roles', '']);
    const c = decodeJwt(t);
    assert.deepEqual(c.roles, []);
    assert.equal(c.scp, undefined);
    assertRefused(await call('GET', `/beta/users/${alice.id}/profile/phones`, t), NO_PERMISSION_CLAIM, 'app without roles');
  });
});

describe('createdBy.application', () => {
  test('is {displayName, id} of the --client app, and null without --client', async () => {
    await clearPhones(alice);
    const withApp = await svc.token(['--user', alice.upn, '--scopes', 'User.ReadWrite', '--client', 'Contoso Phone App']);
    const appId = decodeJwt(withApp).appid as string;
    const res = await call('POST', '/beta/me/profile/phones', withApp, { number: '+1 555 0101' });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.json.createdBy, { application: { displayName: 'Contoso Phone App', id: appId }, device: null, user: { displayName: 'Alice', id: alice.id } });
    assert.ok(isGuid(res.json.createdBy.application.id));
    assert.deepEqual(res.json.lastModifiedBy, res.json.createdBy);

    const withoutApp = await svc.token(['--user', alice.upn, '--scopes', 'User.ReadWrite']);
    const res2 = await call('POST', '/beta/me/profile/phones', withoutApp, { number: '+1 555 0102' });
    assert.equal(res2.status, 201);
    assert.equal(res2.json.createdBy.application, null);
    assert.deepEqual(res2.json.createdBy, { application: null, device: null, user: { displayName: 'Alice', id: alice.id } });

    // An update through another app records that app in lastModifiedBy and keeps createdBy.
    const otherApp = await svc.token(['--user', alice.upn, '--scopes', 'User.ReadWrite', '--client', 'Outlook Companion']);
    const upd = await call('PATCH', `/beta/me/profile/phones/${res.json.id}`, otherApp, { displayName: 'Home' });
    assert.equal(upd.status, 200, upd.text);
    assert.deepEqual(upd.json.createdBy, res.json.createdBy);
    assert.deepEqual(upd.json.lastModifiedBy.application, { displayName: 'Outlook Companion', id: decodeJwt(otherApp).appid });
    assert.notEqual(decodeJwt(otherApp).appid, appId);
    // An update without an app sets application back to null.
    const upd2 = await call('PATCH', `/beta/me/profile/phones/${res.json.id}`, withoutApp, { displayName: 'Home 2' });
    assert.equal(upd2.json.lastModifiedBy.application, null);
    await clearPhones(alice);
  });
});
