// The five operations end to end, on both path forms, and the seed example's round trip.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { assertGraphError } from './support/assertions.ts';
import { isGuid, startTestService, type TestService } from './support/service.ts';

const ODATA_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/;

let svc: TestService;
let token: string;
let userId: string;
before(async () => {
  svc = await startTestService();
  token = await svc.token(['--user', 'innocenty.popov@contoso.com']);
  userId = decodeJwt(token).oid as string;
});
after(() => svc.stop());

test("the seed's example request produces the seed's example response", async () => {
  const res = await svc.request('POST', '/beta/me/profile/phones', {
    token,
    body: { displayName: 'Car Phone', number: '+7 499 342 22 13' },
  });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get('content-type'), ODATA_JSON);
  assert.equal(res.headers.get('odata-version'), '4.0');
  const p = res.json;
  assert.ok(isGuid(p.id));
  assert.match(p.createdDateTime, TIMESTAMP);
  assert.equal(p.lastModifiedDateTime, p.createdDateTime);
  const caller = { application: null, device: null, user: { displayName: 'Innocenty Popov', id: userId } };
  // The seed's response, with this run's id, dates and caller; isSearchable and source, which the
  // seed's "shortened" example leaves out, follow lastModifiedBy as in Graph's get example.
  assert.deepEqual(p, {
    '@odata.context': `${svc.url}/beta/$metadata#users('${userId}')/profile/phones/$entity`,
    id: p.id,
    allowedAudiences: 'organization',
    inference: null,
    createdDateTime: p.createdDateTime,
    createdBy: caller,
    lastModifiedDateTime: p.createdDateTime,
    lastModifiedBy: caller,
    isSearchable: null,
    source: null,
    displayName: 'Car Phone',
    type: null,
    number: '+7 499 342 22 13',
  });
  // The seed's keys come in the seed's order.
  const seedOrder = ['id', 'allowedAudiences', 'inference', 'createdDateTime', 'createdBy', 'lastModifiedDateTime', 'lastModifiedBy', 'displayName', 'type', 'number'];
  assert.deepEqual(Object.keys(p).filter((k) => seedOrder.includes(k)), seedOrder);
  assert.deepEqual(Object.keys(p.createdBy.user), ['displayName', 'id']);
  assert.equal(res.headers.get('location'), `${svc.url}/beta/users/${userId}/profile/phones/${p.id}`);

  // The Location answers with the same phone.
  const viaLocation = await fetch(res.headers.get('location')!, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(viaLocation.status, 200);
  const { '@odata.context': _c, ...created } = p;
  const { '@odata.context': _g, ...got } = (await viaLocation.json()) as Record<string, unknown>;
  assert.deepEqual(got, created);
});

for (const form of ['me', 'id', 'upn'] as const) {
  describe(`every operation through /${form === 'me' ? 'me' : `users/{${form}}`}/profile/phones`, () => {
    let base: string;
    let owner: TestService extends never ? never : { token: string; id: string };
    before(async () => {
      const upn = `owner.${form}@contoso.com`;
      const t = await svc.token(['--user', upn]);
      owner = { token: t, id: decodeJwt(t).oid as string };
      base = form === 'me' ? '/beta/me/profile/phones' : `/beta/users/${form === 'id' ? owner.id : upn}/profile/phones`;
    });

    test('create, get, list, update, delete', async () => {
      const created = await svc.request('POST', base, {
        token: owner.token,
        body: { number: '+1 425 555 0100', type: 'mobile', displayName: 'Work cell', allowedAudiences: 'me,family', isSearchable: true, inference: { confidenceScore: 0.75, userHasVerifiedAccuracy: false }, source: { type: ['User'] } },
      });
      assert.equal(created.status, 201);
      const id = created.json.id;
      assert.equal(created.json.type, 'mobile');
      assert.equal(created.json.allowedAudiences, 'me,family');
      assert.deepEqual(created.json.inference, { confidenceScore: 0.75, userHasVerifiedAccuracy: false });
      assert.deepEqual(created.json.source, { type: ['User'] });
      assert.equal(created.json.isSearchable, true);

      const got = await svc.request('GET', `${base}/${id}`, { token: owner.token });
      assert.equal(got.status, 200);
      assert.equal(got.headers.get('content-type'), ODATA_JSON);
      assert.equal(got.json['@odata.context'], `${svc.url}/beta/$metadata#users('${owner.id}')/profile/phones/$entity`);
      const { '@odata.context': _1, ...createdBody } = created.json;
      const { '@odata.context': _2, ...gotBody } = got.json;
      assert.deepEqual(gotBody, createdBody);

      const list = await svc.request('GET', base, { token: owner.token });
      assert.equal(list.status, 200);
      assert.deepEqual(Object.keys(list.json), ['@odata.context', 'value']);
      assert.equal(list.json['@odata.context'], `${svc.url}/beta/$metadata#users('${owner.id}')/profile/phones`);
      assert.deepEqual(list.json.value, [gotBody]);

      await new Promise((r) => setTimeout(r, 5)); // so lastModifiedDateTime moves on
      const patched = await svc.request('PATCH', `${base}/${id}`, { token: owner.token, body: { number: '+1 425 555 0199', displayName: null } });
      assert.equal(patched.status, 200);
      assert.equal(patched.json.number, '+1 425 555 0199');
      assert.equal(patched.json.displayName, null);
      // Everything not sent is unchanged.
      assert.equal(patched.json.type, 'mobile');
      assert.equal(patched.json.allowedAudiences, 'me,family');
      assert.deepEqual(patched.json.inference, createdBody.inference);
      assert.equal(patched.json.createdDateTime, createdBody.createdDateTime);
      assert.ok(patched.json.lastModifiedDateTime > createdBody.lastModifiedDateTime);

      const afterPatch = await svc.request('GET', `${base}/${id}`, { token: owner.token });
      assert.equal(afterPatch.json.number, '+1 425 555 0199');

      const deleted = await svc.request('DELETE', `${base}/${id}`, { token: owner.token });
      assert.equal(deleted.status, 204);
      assert.equal(deleted.text, '');
      assert.ok(deleted.headers.get('request-id'));

      assertGraphError(await svc.request('GET', `${base}/${id}`, { token: owner.token }), 404, 'itemNotFound');
      assertGraphError(await svc.request('DELETE', `${base}/${id}`, { token: owner.token }), 404, 'itemNotFound');
      const empty = await svc.request('GET', base, { token: owner.token });
      assert.deepEqual(empty.json.value, []);
    });
  });
}

test('list is ordered by createdDateTime, oldest first', async () => {
  const t = await svc.token(['--user', 'orderly@contoso.com']);
  const ids: string[] = [];
  for (const n of ['1', '2', '3', '4', '5']) {
    const res = await svc.request('POST', '/beta/me/profile/phones', { token: t, body: { number: n } });
    ids.push(res.json.id);
  }
  // Updating the first one must not move it.
  await svc.request('PATCH', `/beta/me/profile/phones/${ids[0]}`, { token: t, body: { number: '1b' } });
  const list = await svc.request('GET', '/beta/me/profile/phones', { token: t });
  assert.deepEqual(list.json.value.map((p: { id: string }) => p.id), ids);
  const times = list.json.value.map((p: { createdDateTime: string }) => p.createdDateTime);
  assert.deepEqual([...times].sort(), times);
});

test('PATCH answers with lastModifiedBy set to the writer and createdBy kept', async () => {
  const t = await svc.token(['--user', 'writer@contoso.com', '--client', 'Contoso Phone Book']);
  const created = await svc.request('POST', '/beta/me/profile/phones', { token: t, body: { number: '5' } });
  assert.deepEqual(created.json.createdBy.application, { displayName: 'Contoso Phone Book', id: decodeJwt(t).appid });
  const t2 = await svc.token(['--user', 'writer@contoso.com', '--client', 'Another App']);
  const patched = await svc.request('PATCH', `/beta/me/profile/phones/${created.json.id}`, { token: t2, body: { type: 'home' } });
  assert.equal(patched.status, 200);
  assert.deepEqual(patched.json.createdBy, created.json.createdBy);
  assert.equal(patched.json.lastModifiedBy.application.displayName, 'Another App');
});

test('data survives a restart of the service', async () => {
  const t = await svc.token(['--user', 'durable@contoso.com']);
  const created = await svc.request('POST', '/beta/me/profile/phones', { token: t, body: { number: '+44 20 7946 0000', type: 'home' } });
  assert.equal(created.status, 201);
  await svc.restart();
  const list = await svc.request('GET', '/beta/me/profile/phones', { token: t });
  assert.equal(list.status, 200);
  const { '@odata.context': _c, ...body } = created.json;
  assert.deepEqual(list.json.value, [body]);
});

test('paths are case-insensitive and a trailing slash is accepted, as on Graph', async () => {
  const t = await svc.token(['--user', 'casey@contoso.com']);
  const created = await svc.request('POST', '/beta/Me/Profile/Phones/', { token: t, body: { number: '7' } });
  assert.equal(created.status, 201);
  const got = await svc.request('GET', `/beta/ME/profile/PHONES/${created.json.id}`, { token: t });
  assert.equal(got.status, 200);
  assert.equal(got.json.id, created.json.id);
});

test('/beta/users/{upn} finds the user whatever the case of the UPN', async () => {
  const t = await svc.token(['--user', 'Mixed.Case@Contoso.com']);
  await svc.request('POST', '/beta/me/profile/phones', { token: t, body: { number: '8' } });
  const list = await svc.request('GET', '/beta/users/mixed.case@CONTOSO.COM/profile/phones', { token: t });
  assert.equal(list.status, 200);
  assert.equal(list.json.value.length, 1);
});

test('an empty PATCH changes nothing but the modification stamp', async () => {
  const t = await svc.token(['--user', 'empty.patch@contoso.com']);
  const created = await svc.request('POST', '/beta/me/profile/phones', { token: t, body: { number: '9', type: 'pager' } });
  await new Promise((r) => setTimeout(r, 5));
  const patched = await svc.request('PATCH', `/beta/me/profile/phones/${created.json.id}`, { token: t, body: {} });
  assert.equal(patched.status, 200);
  const { lastModifiedDateTime: before, ...rest } = created.json;
  const { lastModifiedDateTime: after, ...restAfter } = patched.json;
  assert.deepEqual(restAfter, rest);
  assert.ok(after > before);
});

test('browser apps can call across origins: preflight 204, and the answer exposes the request-id', async () => {
  const preflight = await svc.request('OPTIONS', '/beta/me/profile/phones', {
    headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  assert.match(preflight.headers.get('access-control-allow-methods')!, /PATCH/);
  assert.match(preflight.headers.get('access-control-allow-headers')!, /authorization/);

  const res = await svc.request('GET', '/beta/me/profile/phones', { token, headers: { origin: 'http://localhost:3000' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  assert.match(res.headers.get('access-control-expose-headers')!, /request-id/);

  // Without an Origin, OPTIONS is an ordinary request the path does not serve.
  assertGraphError(await svc.request('OPTIONS', '/beta/me/profile/phones'), 405, 'Request_BadRequest');
});
