// The emulator's state controls over a real socket, on either store: POST /_emulator/reset (users and items gone,
// tokens still valid, users recorded again on their next request), /_emulator/seed (all or nothing, each item checked
// as POST checks it, a bad value named by its place), /_emulator/tokens (the `token` command's tokens, its rules and
// defaults), the same through the in-process emulator, their OpenAPI description, and their absence in entra mode.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { decodeJwt, type JWTPayload } from 'jose';
import { GraphError } from '../src/graph/errors.ts';
import { DIRECTORY_ROLES, tenantIdFor, userIdFor } from '../src/identity/devIssuer.ts';
import { assertGraphError } from './support/assertions.ts';
import { windowWithTimeLeft } from './support/rateLimit.ts';
import { startEntraStandIn } from './support/entraStandIn.ts';
import { startTestService, type TestResponse, type TestService } from './support/service.ts';

const CONTOSO = tenantIdFor('contoso');
const ME = '/beta/me/profile/phones';

let svc: TestService;
before(async () => {
  svc = await startTestService();
});
after(() => svc?.stop());

const control = (path: string, body?: unknown) => svc.request('POST', `/_emulator/${path}`, body === undefined ? {} : { body });

async function tokenFor(request: Record<string, unknown>): Promise<string> {
  const res = await control('tokens', request);
  assert.equal(res.status, 200, res.text);
  return res.json.access_token;
}

/** Users who may read other users' profiles in contoso (what is shared with the organization). */
const reader = () => tokenFor({ user: `reader.${randomUUID()}@contoso.com`, scopes: 'User.Read.All' });

/** The phones of `upn` as a reader of contoso sees them; undefined when the directory has no such user. */
async function phonesOf(upn: string): Promise<Record<string, unknown>[] | undefined> {
  const res = await svc.request('GET', `/beta/users/${upn}/profile/phones`, { token: await reader() });
  if (res.status === 404) return undefined;
  assert.equal(res.status, 200, res.text);
  return res.json.value;
}

/**
 * Claims that differ between two tokens minted for the same request: the times, and the unique token id (uti), which
 * is there and differs in each.
 */
const timeless = ({ iat, nbf, exp, uti, ...claims }: JWTPayload) => {
  assert.match(String(uti), /^[A-Za-z0-9_-]{22}$/, 'every token has its own uti');
  return claims;
};

const withoutContext = ({ '@odata.context': _, ...rest }: Record<string, unknown>) => rest;

describe('seed', () => {
  test('creates the tenants, users and phones it answers; the ids are GETtable with tokens for those users', async () => {
    await control('reset');
    const res = await control('seed', {
      tenants: [
        {
          name: 'contoso',
          users: [
            { userPrincipalName: 'adele@contoso.com', displayName: 'Adele Vance', admin: true, phones: [{ number: '+1 425 555 0100', type: 'mobile' }, { number: '+1 425 555 0101', displayName: 'Desk', allowedAudiences: 'me' }] },
            { userPrincipalName: 'bob.kelly@contoso.com', phones: [{ number: '+1 425 555 0102' }] },
          ],
        },
        { name: 'fabrikam', users: [{ userPrincipalName: 'carol@fabrikam.com', phones: [{ number: '+44 20 7946 0000', type: 'business' }] }] },
      ],
    });
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const [contoso, fabrikam] = res.json.tenants;
    assert.deepEqual([contoso.name, contoso.id, fabrikam.name, fabrikam.id], ['contoso', CONTOSO, 'fabrikam', tenantIdFor('fabrikam')]);
    const [adele, bob] = contoso.users;
    assert.deepEqual(
      [adele.id, adele.userPrincipalName, adele.displayName, adele.admin, adele.phones.length],
      [userIdFor(CONTOSO, 'adele@contoso.com'), 'adele@contoso.com', 'Adele Vance', true, 2],
    );
    // Without displayName, the name the token command would give; without admin, false.
    assert.deepEqual([bob.displayName, bob.admin], ['Bob Kelly', false]);
    assert.deepEqual(adele.phones[0].createdBy, { application: null, device: null, user: { displayName: 'Adele Vance', id: adele.id } });
    assert.deepEqual(adele.phones[0].lastModifiedBy, adele.phones[0].createdBy);
    assert.equal(adele.phones[1].allowedAudiences, 'me');

    // A token from /_emulator/tokens is for the same user, with the seeded name and admin by default.
    const adeleToken = await tokenFor({ user: 'adele@contoso.com' });
    const claims = decodeJwt(adeleToken);
    assert.deepEqual([claims.oid, claims.tid, claims.name], [adele.id, CONTOSO, 'Adele Vance']);
    assert.ok((claims.wids as string[]).includes(DIRECTORY_ROLES.globalAdministrator));
    assert.ok(!(decodeJwt(await tokenFor({ user: 'adele@contoso.com', admin: false })).wids as string[]).includes(DIRECTORY_ROLES.globalAdministrator));
    for (const phone of adele.phones) {
      const got = await svc.request('GET', `${ME}/${phone.id}`, { token: adeleToken });
      assert.equal(got.status, 200, got.text);
      assert.deepEqual(withoutContext(got.json), phone);
    }
    // The token command gives the same user too.
    const bobToken = await svc.token(['--user', 'bob.kelly@contoso.com']);
    assert.equal(decodeJwt(bobToken).oid, bob.id);
    const bobs = await svc.request('GET', ME, { token: bobToken });
    assert.deepEqual(bobs.json.value, bob.phones);
    const carol = await svc.request('GET', ME, { token: await tokenFor({ user: 'carol@fabrikam.com', tenant: 'fabrikam' }) });
    assert.deepEqual(carol.json.value, fabrikam.users[0].phones);

    // Colleagues find seeded users by UPN (what is shared with the organization), in their own tenant only.
    assert.deepEqual((await phonesOf('adele@contoso.com'))?.map((p) => p.id), [adele.phones[0].id]);
    assert.equal(await phonesOf('carol@fabrikam.com'), undefined);
  });

  test('a user that exists gets the display name given and the new phones beside theirs', async () => {
    await control('reset');
    const first = await control('seed', { tenants: [{ name: 'contoso', users: [{ userPrincipalName: 'adele@contoso.com', displayName: 'Adele', phones: [{ number: '1' }] }] }] });
    assert.equal(first.status, 200, first.text);
    const again = await control('seed', { tenants: [{ name: 'Contoso', users: [{ userPrincipalName: 'Adele@contoso.com', displayName: 'Adele Vance', phones: [{ number: '2' }] }] }] });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.tenants[0].users[0].id, first.json.tenants[0].users[0].id);
    const token = await tokenFor({ user: 'adele@contoso.com' });
    assert.equal(decodeJwt(token).name, 'Adele Vance');
    const mine = await svc.request('GET', `${ME}?$orderby=number`, { token });
    assert.deepEqual(mine.json.value.map((p: { number: string }) => p.number), ['1', '2']);
  });

  test("a bad phone refuses the whole seed, naming its place before POST's own message; nothing is written", async () => {
    await control('reset');
    const existing = await control('seed', { tenants: [{ name: 'contoso', users: [{ userPrincipalName: 'adele@contoso.com', phones: [{ number: '1' }] }] }] });
    assert.equal(existing.status, 200, existing.text);
    const token = await tokenFor({ user: 'adele@contoso.com' });
    /** What POST answers for the same body. */
    const posted = async (body: unknown) => {
      const res = await svc.request('POST', ME, { token, body });
      assert.equal(res.status, 400, res.text);
      return res.json.error;
    };
    const seedWith = (badPhone: unknown) => ({
      tenants: [
        {
          name: 'contoso',
          users: [
            { userPrincipalName: 'new.one@contoso.com', phones: [{ number: '10' }] },
            { userPrincipalName: 'adele@contoso.com', displayName: 'Renamed', phones: [{ number: '11' }, { number: '12' }, badPhone] },
          ],
        },
      ],
    });
    const cases: [unknown, string][] = [
      [{ number: '13', type: 'cellular' }, 'tenants[0].users[1].phones[2].type'],
      [{ type: 'home' }, 'tenants[0].users[1].phones[2].number'],
      [{ number: '  ' }, 'tenants[0].users[1].phones[2].number'],
      [{ number: '13', colour: 'red' }, 'tenants[0].users[1].phones[2].colour'],
      [{ number: '13', source: { type: ['User', 7] } }, 'tenants[0].users[1].phones[2].source.type'],
      [{ number: '13', inference: { confidenceScore: 'high' } }, 'tenants[0].users[1].phones[2].inference.confidenceScore'],
      [{ number: 'x'.repeat(129) }, 'tenants[0].users[1].phones[2].number'],
      [['not', 'an', 'object'], 'tenants[0].users[1].phones[2]'],
    ];
    for (const [badPhone, place] of cases) {
      const res = await control('seed', seedWith(badPhone));
      const post = await posted(badPhone);
      assertGraphError(res, 400, post.code, `${place}: ${post.message}`);
    }
    // Nothing of any of them: no new user, no phone, no new name.
    assert.equal(await phonesOf('new.one@contoso.com'), undefined);
    const mine = await svc.request('GET', ME, { token });
    assert.deepEqual(mine.json.value.map((p: { number: string }) => p.number), ['1']);
    assert.equal(mine.json.value[0].createdBy.user.displayName, 'Adele');
    assert.equal(decodeJwt(await tokenFor({ user: 'adele@contoso.com' })).name, 'Adele');
  });

  test('unknown properties, wrong types and repeated users are refused with their place, and nothing is written', async () => {
    await control('reset');
    const user = (extra: Record<string, unknown>) => ({ tenants: [{ name: 'contoso', users: [{ userPrincipalName: 'ok@contoso.com', phones: [{ number: '1' }] }, extra] }] });
    const cases: [unknown, string][] = [
      [{ tenants: [], extra: 1 }, 'extra: is not a property of a seed, which may have tenants.'],
      [{}, 'tenants: is required: an array of tenants.'],
      [{ tenants: { name: 'contoso' } }, 'tenants: must be an array, not an object.'],
      [{ tenants: ['contoso'] }, 'tenants[0]: must be a tenant (a JSON object), not a string.'],
      [{ tenants: [{ name: 'contoso', region: 'eu' }] }, 'tenants[0].region: is not a property of a tenant, which may have name, apps, users.'],
      [{ tenants: [{ users: [] }] }, "tenants[0].name: is required: the tenant's name."],
      [{ tenants: [{ name: '' }] }, 'tenants[0].name: must not be empty.'],
      [{ tenants: [{ name: 'contoso' }, { name: 'CONTOSO' }] }, "tenants[1]: The tenant 'CONTOSO' is seeded already at tenants[0]."],
      [{ tenants: [{ name: 'contoso', users: {} }] }, 'tenants[0].users: must be an array, not an object.'],
      [user({ userPrincipalName: 'x@contoso.com', phone: [] }), 'tenants[0].users[1].phone: is not a property of a user, which may have userPrincipalName, displayName, admin, password, phones.'],
      [user({ displayName: 'No UPN' }), "tenants[0].users[1].userPrincipalName: is required: the user's userPrincipalName."],
      [user({ userPrincipalName: 'x y@contoso.com' }), 'tenants[0].users[1].userPrincipalName: must be a userPrincipalName without spaces, at most 113 characters.'],
      [user({ userPrincipalName: 'OK@contoso.com' }), "tenants[0].users[1]: The user 'OK@contoso.com' is seeded already at tenants[0].users[0]."],
      [user({ userPrincipalName: 'x@contoso.com', displayName: 'x'.repeat(257) }), 'tenants[0].users[1].displayName: is 257 characters long; at most 256 are allowed.'],
      [user({ userPrincipalName: 'x@contoso.com', displayName: 'nul\u0000' }), 'tenants[0].users[1].displayName: contains a NUL character (U+0000), which is not allowed.'],
      [user({ userPrincipalName: 'x@contoso.com', admin: 'yes' }), 'tenants[0].users[1].admin: must be true or false, not a string.'],
      [user({ userPrincipalName: 'x@contoso.com', phones: { number: '1' } }), 'tenants[0].users[1].phones: must be an array, not an object.'],
    ];
    for (const [body, message] of cases) assertGraphError(await control('seed', body), 400, 'invalidRequest', message);
    assert.equal(await phonesOf('ok@contoso.com'), undefined);
    assert.equal(await phonesOf('x@contoso.com'), undefined);
  });

  test('a body that is no JSON object: 400 (415 without a JSON content type)', async () => {
    for (const path of ['seed', 'tokens']) {
      assertGraphError(await control(path, [1]), 400, 'invalidRequest', /^The request body must be a (seed|token request) \(a JSON object\), not an array\.$/);
      assertGraphError(await control(path, null), 400, 'invalidRequest', /not null\.$/);
      assertGraphError(await control(path, 'tenants'), 400, 'invalidRequest', /not a string\.$/);
      const malformed = await svc.request('POST', `/_emulator/${path}`, { rawBody: '{"tenants": [', headers: { 'content-type': 'application/json' } });
      assertGraphError(malformed, 400, 'BadRequest', /^Unable to read JSON request payload/);
      assertGraphError(await svc.request('POST', `/_emulator/${path}`), 415, 'RequestBodyRead');
      assertGraphError(await svc.request('GET', `/_emulator/${path}`), 405, 'Request_BadRequest');
    }
    assertGraphError(await svc.request('DELETE', '/_emulator/reset'), 405, 'Request_BadRequest');
  });
});

describe('reset', () => {
  test('removes every user and phone; tokens minted before still work, and record their user again on first use', async () => {
    await control('reset');
    const seeded = await control('seed', {
      tenants: [{ name: 'contoso', users: [{ userPrincipalName: 'adele@contoso.com', phones: [{ number: '1' }, { number: '2' }] }, { userPrincipalName: 'bob@contoso.com' }] }],
    });
    assert.equal(seeded.status, 200, seeded.text);
    const adele = await tokenFor({ user: 'adele@contoso.com' });
    const colleague = await tokenFor({ user: 'colleague@contoso.com', scopes: 'User.Read.All' });
    const commandToken = await svc.token(['--user', 'carol@contoso.com']);
    // Each has been seen by the service, so its directory cache knows them all.
    for (const token of [adele, colleague, commandToken]) assert.equal((await svc.request('GET', ME, { token })).status, 200);

    const reset = await control('reset');
    assert.equal(reset.status, 200, reset.text);
    assert.deepEqual(reset.json, { removed: { phones: 2, users: 4 } });

    // adele is gone: a colleague cannot find her, until her first request records her again.
    const byUpn = () => svc.request('GET', '/beta/users/adele@contoso.com/profile/phones', { token: colleague });
    assertGraphError(await byUpn(), 404, 'Request_ResourceNotFound');
    const mine = await svc.request('GET', ME, { token: adele });
    assert.equal(mine.status, 200, mine.text);
    assert.deepEqual(mine.json.value, []);
    const found = await byUpn();
    assert.equal(found.status, 200, found.text);
    assert.deepEqual(found.json.value, []);
    // The token command's token too (the key stayed).
    const carol = await svc.request('POST', ME, { token: commandToken, body: { number: '3' } });
    assert.equal(carol.status, 201, carol.text);
    assert.deepEqual((await control('reset')).json, { removed: { phones: 1, users: 3 } });
  });
});

describe('tokens', () => {
  test("a user's token: the command's claims, the defaults the command has, and accepted on /beta", async () => {
    const res = await control('tokens', { user: 'dana@contoso.com', scopes: 'User.Read User.ReadWrite', client: 'Contoso App', expiresIn: 120 });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.json), ['access_token', 'token_type', 'expires_in']);
    assert.deepEqual([res.json.token_type, res.json.expires_in], ['Bearer', 120]);
    const minted = decodeJwt(res.json.access_token);
    const command = decodeJwt(await svc.token(['--user', 'dana@contoso.com', '--scopes', 'User.Read User.ReadWrite', '--client', 'Contoso App', '--expires-in', '120']));
    assert.deepEqual(timeless(minted), timeless(command));
    assert.equal(minted.exp! - minted.iat!, 120);
    // Scopes as a list, or comma-separated, are the same token.
    for (const scopes of [['User.Read', 'User.ReadWrite'], 'User.Read,User.ReadWrite']) {
      assert.deepEqual(timeless(decodeJwt(await tokenFor({ user: 'dana@contoso.com', scopes, client: 'Contoso App', expiresIn: 120 }))), timeless(command));
    }
    // Defaults: User.ReadWrite in contoso, an hour, no app, no admin role.
    const plain = await control('tokens', { user: 'erin@contoso.com', tenant: 'fabrikam' });
    assert.equal(plain.json.expires_in, 3600);
    assert.deepEqual(timeless(decodeJwt(plain.json.access_token)), timeless(decodeJwt(await svc.token(['--user', 'erin@contoso.com', '--tenant', 'fabrikam']))));
    const defaults = decodeJwt(await tokenFor({ user: 'erin@contoso.com' }));
    assert.deepEqual([defaults.tid, defaults.scp, defaults.name, defaults.appid, defaults.exp! - defaults.iat!], [CONTOSO, 'User.ReadWrite', 'Erin', undefined, 3600]);
    assert.deepEqual(defaults.wids, [DIRECTORY_ROLES.defaultUser]);
    assert.ok((decodeJwt(await tokenFor({ user: 'erin@contoso.com', admin: true })).wids as string[]).includes(DIRECTORY_ROLES.globalAdministrator));

    const created = await svc.request('POST', ME, { token: res.json.access_token, body: { number: '+1 425 555 0199' } });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.json.createdBy.application, { displayName: 'Contoso App', id: minted.appid });
  });

  test("an app-only token: the command's claims, and it reads a user the token request recorded", async () => {
    const res = await control('tokens', { appOnly: true, client: 'ci-app', roles: 'User.Read.All' });
    assert.equal(res.status, 200, res.text);
    const command = await svc.token(['--app-only', '--client', 'ci-app', '--roles', 'User.Read.All']);
    assert.deepEqual(timeless(decodeJwt(res.json.access_token)), timeless(decodeJwt(command)));
    assert.deepEqual(timeless(decodeJwt(await tokenFor({ appOnly: true, client: 'ci-app' }))), timeless(decodeJwt(command)), 'User.Read.All is the default');
    // A user is in the directory once a token is minted for them, before any request of theirs.
    const upn = `fresh.${randomUUID()}@contoso.com`;
    await tokenFor({ user: upn });
    const read = await svc.request('GET', `/beta/users/${upn}/profile/phones`, { token: res.json.access_token });
    assert.equal(read.status, 200, read.text);
    assert.deepEqual(read.json.value, []);
  });

  test('a bad request: 400 with a message naming the setting, and no user recorded', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'user (a userPrincipalName) is required (or appOnly).'],
      [{ user: '' }, 'user (a userPrincipalName) is required (or appOnly).'],
      [{ appOnly: true }, "appOnly needs client (the app's name)."],
      [{ appOnly: true, client: '' }, "appOnly needs client (the app's name)."],
      [{ user: 'bad user@contoso.com' }, 'user must be a userPrincipalName without spaces, at most 113 characters.'],
      [{ user: `${'x'.repeat(102)}@contoso.com` }, 'user must be a userPrincipalName without spaces, at most 113 characters.'],
      [{ user: 'nul\u0000@contoso.com' }, 'user: contains a NUL character (U+0000), which is not allowed.'],
      [{ user: 'bad.name@contoso.com', name: 'lone \ud800' }, 'name: contains a lone UTF-16 surrogate, which is not allowed.'],
      [{ user: 'bad.expiry@contoso.com', expiresIn: 0 }, 'expiresIn must be a positive number of seconds.'],
      [{ user: 'bad.expiry@contoso.com', expiresIn: 1.5 }, 'expiresIn must be a positive number of seconds.'],
      [{ user: 'bad.expiry@contoso.com', expiresIn: '60' }, 'expiresIn: must be a number, not a string.'],
      [{ user: 42 }, 'user: must be a string, not a number.'],
      [{ user: 'a@contoso.com', scopes: 5 }, 'scopes: must be a string (space- or comma-separated) or an array of strings, not a number.'],
      [{ user: 'a@contoso.com', roles: ['User.Read.All', null] }, 'roles[1]: must be a string, not null.'],
      [{ user: 'a@contoso.com', tenant: '' }, 'tenant: must not be empty.'],
      [{ user: 'a@contoso.com', admin: 'yes' }, 'admin: must be true or false, not a string.'],
      [{ usr: 'a@contoso.com' }, 'usr: is not a property of a token request, which may have user, scopes, tenant, admin, client, name, appOnly, roles, expiresIn.'],
    ];
    for (const [body, message] of cases) assertGraphError(await control('tokens', body), 400, 'invalidRequest', message);
    for (const upn of ['bad.name@contoso.com', 'bad.expiry@contoso.com']) assert.equal(await phonesOf(upn), undefined, upn);
  });

  test('the token command words the same rules by its flags, as it always has', async () => {
    const refused = async (args: string[], message: string) => assert.rejects(svc.token(args), { message });
    await refused(['--scopes', 'User.Read'], '--user <userPrincipalName> is required (or --app-only).');
    await refused(['--app-only'], '--app-only needs --client <app name>.');
    await refused(['--user', 'a b@contoso.com'], '--user must be a userPrincipalName without spaces, at most 113 characters.');
    await refused(['--user', 'a@contoso.com', '--expires-in', 'soon'], '--expires-in must be a positive number of seconds.');
  });
});

describe('in process', () => {
  test("RunningService.emulator seeds, mints and resets like the routes, and refuses a bad seed with the routes' error", async () => {
    const emulator = svc.emulator!;
    assert.ok(emulator);
    await emulator.reset();
    const result = await emulator.seed({ tenants: [{ name: 'contoso', users: [{ userPrincipalName: 'ina@contoso.com', admin: true, phones: [{ number: '7' }] }] }] });
    const { access_token } = await emulator.token({ user: 'ina@contoso.com' });
    assert.ok((decodeJwt(access_token).wids as string[]).includes(DIRECTORY_ROLES.globalAdministrator));
    const mine = await svc.request('GET', ME, { token: access_token });
    assert.deepEqual(mine.json.value, result.tenants[0]!.users[0]!.phones);
    await assert.rejects(emulator.seed({ tenants: [{ name: 'contoso', users: [{ userPrincipalName: 'ina@contoso.com', phones: [{ number: '8', type: 'cell' }] }] }] }), (err: unknown) => {
      assert.ok(err instanceof GraphError);
      assert.equal(err.status, 400);
      assert.match(err.message, /^tenants\[0\]\.users\[0\]\.phones\[0\]\.type: The string 'cell' is not a valid enumeration type constant/);
      return true;
    });
    await assert.rejects(emulator.token({ appOnly: true }), { message: "appOnly needs client (the app's name)." });
    assert.deepEqual(await emulator.reset(), { removed: { phones: 1, users: 1 } });
  });
});

describe('OpenAPI', () => {
  test('describes the three controls under the tag emulator, and their answers conform', async () => {
    const doc = (await svc.request('GET', '/beta/openapi.json')).json;
    assert.ok(doc.tags.some((t: { name: string; description: string }) => t.name === 'emulator' && t.description.length > 0));
    // The journal's and the faults' paths are checked by test/emulator.journal and emulator.faults.
    const controls = ['/_emulator/reset', '/_emulator/seed', '/_emulator/tokens'];
    for (const path of controls) {
      assert.deepEqual(Object.keys(doc.paths[path]), ['post']);
      assert.deepEqual(doc.paths[path].post.tags, ['emulator']);
      assert.deepEqual(doc.paths[path].post.security, []);
    }

    const ajv = new Ajv2020({ strict: false, allErrors: true, formats: { int32: true, int64: true, double: true } });
    addFormats.default(ajv, ['date-time', 'uuid']);
    const conforms = (schema: unknown, value: unknown) => {
      const validate = ajv.compile({ ...(schema as object), components: doc.components });
      assert.ok(validate(value), JSON.stringify(validate.errors));
    };
    const answer = (path: string, status: number) => doc.paths[path].post.responses[status].content['application/json'].schema;
    const seedBody = { tenants: [{ name: 'contoso', users: [{ userPrincipalName: 'olga@contoso.com', admin: false, phones: [{ number: '+1 425 555 0123', type: 'home' }] }] }] };
    conforms(doc.paths['/_emulator/seed'].post.requestBody.content['application/json'].schema, seedBody);
    const seeded = await control('seed', seedBody);
    conforms(answer('/_emulator/seed', 200), seeded.json);
    conforms(answer('/_emulator/seed', 400), (await control('seed', { tenants: 1 })).json);
    const tokenBody = { user: 'olga@contoso.com', scopes: ['User.Read'], expiresIn: 60 };
    conforms(doc.paths['/_emulator/tokens'].post.requestBody.content['application/json'].schema, tokenBody);
    conforms(answer('/_emulator/tokens', 200), (await control('tokens', tokenBody)).json);
    conforms(answer('/_emulator/reset', 200), (await control('reset')).json);
  });
});

describe('where the controls are not', () => {
  test('in entra mode every /_emulator path is 404, as any unknown path, and OpenAPI names none', async () => {
    const standIn = await startEntraStandIn();
    const entra = await startTestService(['--identity', 'entra', '--entra-tenants', randomUUID(), '--entra-authority', standIn.authority]);
    try {
      assert.equal(entra.emulator, undefined);
      const bodies: Record<string, unknown> = { reset: undefined, seed: { tenants: [] }, tokens: { user: 'adele@contoso.com' } };
      for (const [path, body] of Object.entries(bodies)) {
        const res: TestResponse = await entra.request('POST', `/_emulator/${path}`, body === undefined ? {} : { body });
        assertGraphError(res, 404, 'BadRequest', `Resource not found for the segment '${path}'.`);
        assertGraphError(await entra.request('GET', `/_emulator/${path}`), 404, 'BadRequest');
      }
      const doc = (await entra.request('GET', '/beta/openapi.json')).json;
      assert.deepEqual(Object.keys(doc.paths).filter((p) => p.startsWith('/_emulator')), []);
      assert.ok(!doc.tags.some((t: { name: string }) => t.name === 'emulator'));
      assert.ok(!Object.keys(doc.components.schemas).some((name) => name.startsWith('emulator.')));
    } finally {
      await entra.stop();
      await standIn.close();
    }
  });

  test('throttling (RATE_LIMIT) never counts the controls: they are the suite, not the app under test', async () => {
    const throttled = await startTestService(['--rate-limit', '2']);
    try {
      // Anonymous callers are counted by address; the requests below fall in one window (the probe may be in it too).
      await windowWithTimeLeft(throttled.url, 10);
      for (const path of ['tokens', 'tokens', 'tokens', 'seed', 'reset']) {
        const res = await throttled.request('POST', `/_emulator/${path}`, path === 'reset' ? {} : { body: path === 'seed' ? { tenants: [] } : { user: 'adele@contoso.com' } });
        assert.equal(res.status, 200, res.text);
      }
      // Had the five controls been counted, the first of these would be refused already.
      const metadata = [];
      for (let i = 0; i < 3; i++) metadata.push((await throttled.request('GET', '/beta/$metadata')).status);
      assert.equal(metadata[0], 200, String(metadata));
      assert.equal(metadata[2], 429, String(metadata));
    } finally {
      await throttled.stop();
    }
  });
});
