// ETag, If-Match and If-None-Match on phones, end to end: the tag each single-phone answer carries, conditional
// reads (304) and writes (412, nothing written), a malformed header (400), the check and the write being one
// (concurrent PATCHes with the same tag: one wins), both path forms, and inside $batch.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertGraphError } from './support/assertions.ts';
import { isGuid, startTestService, type TestService } from './support/service.ts';

const WEAK_TAG = /^W\/"[^"]+"$/;

let svc: TestService;
let token: string;
before(async () => {
  svc = await startTestService();
  token = await svc.token(['--user', 'preconditions@contoso.com']);
});
after(() => svc.stop());

const phones = '/beta/me/profile/phones';

async function create(number = '+1 425 555 0100', as = token, base = phones) {
  const res = await svc.request('POST', base, { token: as, body: { number, displayName: 'original' } });
  assert.equal(res.status, 201, res.text);
  return { id: res.json.id as string, etag: res.headers.get('etag')!, body: res.json };
}

const get = (id: string, headers: Record<string, string> = {}, base = phones) => svc.request('GET', `${base}/${id}`, { token, headers });
const patch = (id: string, body: unknown, headers: Record<string, string> = {}, as = token, base = phones) =>
  svc.request('PATCH', `${base}/${id}`, { token: as, body, headers });
const del = (id: string, headers: Record<string, string> = {}) => svc.request('DELETE', `${phones}/${id}`, { token, headers });

test('single-phone answers carry a weak ETag: the same across GETs, a new one after every PATCH; the body has no @odata.etag', async () => {
  const created = await create();
  assert.match(created.etag, WEAK_TAG);
  assert.ok(!('@odata.etag' in created.body));
  const [a, b, selected] = [await get(created.id), await get(created.id), await get(`${created.id}?$select=number`)];
  assert.equal(a.headers.get('etag'), created.etag);
  assert.equal(b.headers.get('etag'), created.etag);
  assert.equal(selected.headers.get('etag'), created.etag, 'one tag for every representation ($select too): it is weak');
  assert.ok(!('@odata.etag' in a.json));

  const patched = await patch(created.id, { displayName: 'changed' });
  assert.equal(patched.status, 200);
  const second = patched.headers.get('etag')!;
  assert.match(second, WEAK_TAG);
  assert.notEqual(second, created.etag);
  assert.equal((await get(created.id)).headers.get('etag'), second);
  // Even a PATCH that changes no property changes lastModifiedDateTime, so the tag too.
  const empty = await patch(created.id, {});
  assert.notEqual(empty.headers.get('etag'), second);

  const list = await svc.request('GET', phones, { token });
  assert.equal(list.headers.get('etag'), null, 'a collection has no tag');
  assert.ok(list.json.value.every((p: object) => !('@odata.etag' in p)));
});

describe('If-Match on PATCH and DELETE', () => {
  test('the current tag: 200 and 204; also with W/ dropped, in a list, and "*"', async () => {
    const p = await create();
    const ok = await patch(p.id, { displayName: 'one' }, { 'if-match': p.etag });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.displayName, 'one');
    const strongForm = ok.headers.get('etag')!.slice(2);
    const two = await patch(p.id, { displayName: 'two' }, { 'if-match': strongForm });
    assert.equal(two.status, 200, two.text);
    const three = await patch(p.id, { displayName: 'three' }, { 'if-match': `"nope", ${p.etag} ,, ${two.headers.get('etag')}` });
    assert.equal(three.status, 200, three.text);
    const any = await patch(p.id, { displayName: 'four' }, { 'if-match': '*' });
    assert.equal(any.status, 200, any.text);
    assert.equal((await del(p.id, { 'if-match': any.headers.get('etag')! })).status, 204);
    assert.equal((await get(p.id)).status, 404);
  });

  test('a stale tag: 412 resourceModified in Graph\'s envelope, and nothing changed', async () => {
    const p = await create();
    const moved = await patch(p.id, { displayName: 'moved on' });
    assert.equal(moved.status, 200);
    const before = await get(p.id);

    const stale = await patch(p.id, { displayName: 'lost update' }, { 'if-match': p.etag });
    assertGraphError(stale, 412, 'resourceModified', `The itemPhone with id '${p.id}' does not match If-Match: it has changed since that entity tag was read. Nothing was changed; read it again for its current ETag.`);
    const gone = await del(p.id, { 'if-match': p.etag });
    assertGraphError(gone, 412, 'resourceModified');
    for (const tag of ['"999"', 'W/"abc"', '""']) assertGraphError(await patch(p.id, { displayName: 'x' }, { 'if-match': tag }), 412, 'resourceModified');

    const after = await get(p.id);
    assert.equal(after.text, before.text, 'the phone is as it was');
    assert.equal(after.headers.get('etag'), moved.headers.get('etag'));
    assert.equal(after.json.displayName, 'moved on');
  });

  test('a phone that does not exist is 404 whatever If-Match says, "*" included', async () => {
    const missing = '00000000-0000-4000-8000-000000000404';
    for (const tag of ['*', 'W/"1"']) {
      assertGraphError(await patch(missing, { displayName: 'x' }, { 'if-match': tag }), 404, 'itemNotFound');
      assertGraphError(await del(missing, { 'if-match': tag }), 404, 'itemNotFound');
    }
    const p = await create();
    assert.equal((await del(p.id)).status, 204);
    assertGraphError(await patch(p.id, { displayName: 'x' }, { 'if-match': p.etag }), 404, 'itemNotFound');
  });

  test('10 concurrent PATCHes with the same If-Match: exactly one 200, the others 412, and the winner\'s change is stored', async () => {
    const p = await create();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => patch(p.id, { displayName: `writer ${i}` }, { 'if-match': p.etag })),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, ...Array(9).fill(412)], results.map((r) => r.text).join('\n'));
    const winner = results.find((r) => r.status === 200)!;
    const now = await get(p.id);
    assert.equal(now.json.displayName, winner.json.displayName);
    assert.equal(now.headers.get('etag'), winner.headers.get('etag'));
  });

  test('10 concurrent DELETEs and PATCHes with the same If-Match: exactly one succeeds', async () => {
    const p = await create();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? del(p.id, { 'if-match': p.etag }) : patch(p.id, { displayName: `w${i}` }, { 'if-match': p.etag }))),
    );
    const won = results.filter((r) => r.status === 200 || r.status === 204);
    assert.equal(won.length, 1, results.map((r) => `${r.status} ${r.text}`).join('\n'));
    // The losers were refused because of the version (412), or because the winner deleted the phone (404).
    assert.ok(results.every((r) => [200, 204, 404, 412].includes(r.status)));
  });
});

describe('If-None-Match', () => {
  test('GET with the current tag or "*": 304 with the ETag and request-id, no body; with another tag: 200', async () => {
    const p = await create();
    for (const value of [p.etag, p.etag.slice(2), '*', `"other", ${p.etag}`]) {
      const res = await get(p.id, { 'if-none-match': value, 'client-request-id': 'cached-read' });
      assert.equal(res.status, 304, `${value}: ${res.text}`);
      assert.equal(res.text, '');
      assert.equal(res.headers.get('etag'), p.etag);
      assert.ok(isGuid(res.headers.get('request-id')));
      assert.equal(res.headers.get('client-request-id'), 'cached-read');
      assert.equal(res.headers.get('content-type'), null);
    }
    const changed = await patch(p.id, { displayName: 'new' });
    const fresh = await get(p.id, { 'if-none-match': p.etag });
    assert.equal(fresh.status, 200);
    assert.equal(fresh.json.displayName, 'new');
    assert.equal(fresh.headers.get('etag'), changed.headers.get('etag'));
  });

  test('PATCH or DELETE with "*" or the current tag: 412, nothing changed; with another tag: done', async () => {
    const p = await create();
    for (const value of ['*', p.etag]) {
      assertGraphError(await patch(p.id, { displayName: 'x' }, { 'if-none-match': value }), 412, 'resourceModified', `The itemPhone with id '${p.id}' matches If-None-Match, so nothing was changed.`);
      assertGraphError(await del(p.id, { 'if-none-match': value }), 412, 'resourceModified');
    }
    const unchanged = await get(p.id);
    assert.equal(unchanged.json.displayName, 'original');
    assert.equal(unchanged.headers.get('etag'), p.etag);
    const ok = await patch(p.id, { displayName: 'y' }, { 'if-none-match': 'W/"999"' });
    assert.equal(ok.status, 200, ok.text);
    // If-Match holds but If-None-Match does not: 412.
    assertGraphError(await patch(p.id, { displayName: 'z' }, { 'if-match': '*', 'if-none-match': ok.headers.get('etag')! }), 412, 'resourceModified');
    assert.equal((await del(p.id, { 'if-none-match': 'W/"999"' })).status, 204);
  });

  test('GET with If-Match: the current tag reads, another is 412', async () => {
    const p = await create();
    assert.equal((await get(p.id, { 'if-match': p.etag })).status, 200);
    assertGraphError(await get(p.id, { 'if-match': 'W/"999"' }), 412, 'resourceModified');
  });
});

describe('on the collection (no tag)', () => {
  test('a list ignores If-None-Match; If-Match holds as "*" only; POST with If-None-Match: * is 412 and creates nothing', async () => {
    const who = await svc.token(['--user', 'collection.preconditions@contoso.com']);
    const p = await create('+1 425 555 0199', who);
    const list = (headers: Record<string, string>) => svc.request('GET', phones, { token: who, headers });
    assert.equal((await list({ 'if-none-match': '*' })).status, 200);
    assert.equal((await list({ 'if-none-match': p.etag })).status, 200);
    assert.equal((await list({ 'if-match': '*' })).status, 200);
    assertGraphError(await list({ 'if-match': p.etag }), 412, 'resourceModified');
    assertGraphError(await svc.request('GET', `${phones}/$count`, { token: who, headers: { 'if-match': p.etag } }), 412, 'resourceModified');

    const post = (headers: Record<string, string>) => svc.request('POST', phones, { token: who, body: { number: '+1 425 555 0198' }, headers });
    assertGraphError(await post({ 'if-none-match': '*' }), 412, 'resourceModified');
    assertGraphError(await post({ 'if-match': 'W/"1"' }), 412, 'resourceModified');
    assert.deepEqual((await list({})).json.value.map((x: { id: string }) => x.id), [p.id], 'nothing was created');
    assert.equal((await post({ 'if-match': '*' })).status, 201);
  });
});

test('a malformed If-Match or If-None-Match is 400 BadRequest, never ignored, and nothing is written', async () => {
  const p = await create();
  const bad = ['1', 'W/1', 'w/"1"', '"1', '"a"b"', '*, "1"', '', ' , ', 'W/ "1"', '"a b"'];
  for (const value of bad) {
    for (const header of ['if-match', 'if-none-match']) {
      const res = await patch(p.id, { displayName: 'malformed' }, { [header]: value });
      const name = header === 'if-match' ? 'If-Match' : 'If-None-Match';
      assertGraphError(res, 400, 'BadRequest', `The ${name} header is not valid: it must be '*' or a comma-separated list of entity tags such as W/"1" or "1".`);
    }
    assertGraphError(await get(p.id, { 'if-none-match': value }), 400, 'BadRequest');
    assertGraphError(await del(p.id, { 'if-match': value }), 400, 'BadRequest');
  }
  const now = await get(p.id);
  assert.equal(now.json.displayName, 'original');
  assert.equal(now.headers.get('etag'), p.etag);
});

test('/users/{userPrincipalName} path: the same tags and preconditions as /me', async () => {
  const upn = 'preconditions.upn@contoso.com';
  const owner = await svc.token(['--user', upn]);
  const byUpn = `/beta/users/${upn}/profile/phones`;
  const p = await create('+1 425 555 0150', owner, byUpn);
  const viaMe = await svc.request('GET', `${phones}/${p.id}`, { token: owner });
  assert.equal(viaMe.headers.get('etag'), p.etag, 'the same phone has the same tag under either path');
  const notModified = await svc.request('GET', `${byUpn}/${p.id}`, { token: owner, headers: { 'if-none-match': p.etag } });
  assert.equal(notModified.status, 304);
  const ok = await patch(p.id, { displayName: 'via upn' }, { 'if-match': p.etag }, owner, byUpn);
  assert.equal(ok.status, 200, ok.text);
  assertGraphError(await patch(p.id, { displayName: 'stale' }, { 'if-match': p.etag }, owner, byUpn), 412, 'resourceModified');
  const gone = await svc.request('DELETE', `${byUpn}/${p.id}`, { token: owner, headers: { 'if-match': ok.headers.get('etag')! } });
  assert.equal(gone.status, 204);
});

test('inside $batch: inner answers carry ETag, and inner If-Match / If-None-Match are honoured', async () => {
  const p = await create();
  const res = await svc.request('POST', '/beta/$batch', {
    token,
    body: {
      requests: [
        { id: 'get', method: 'GET', url: `/me/profile/phones/${p.id}` },
        { id: 'cached', method: 'GET', url: `/me/profile/phones/${p.id}`, headers: { 'If-None-Match': p.etag } },
        { id: 'patch', method: 'PATCH', url: `/me/profile/phones/${p.id}`, headers: { 'Content-Type': 'application/json', 'If-Match': p.etag }, body: { displayName: 'batched' } },
        { id: 'stale', method: 'PATCH', url: `/me/profile/phones/${p.id}`, headers: { 'Content-Type': 'application/json', 'If-Match': p.etag }, body: { displayName: 'lost' }, dependsOn: ['patch'] },
      ],
    },
  });
  assert.equal(res.status, 200, res.text);
  const [got, cached, patched, stale] = res.json.responses;
  assert.equal(got.status, 200);
  assert.equal(got.headers.ETag, p.etag);
  assert.equal(cached.status, 304);
  assert.equal(cached.headers.ETag, p.etag);
  assert.equal(cached.body, undefined);
  assert.equal(patched.status, 200);
  assert.match(patched.headers.ETag, WEAK_TAG);
  assert.notEqual(patched.headers.ETag, p.etag);
  assert.equal(stale.status, 412);
  assert.equal(stale.body.error.code, 'resourceModified');
  assert.equal((await get(p.id)).json.displayName, 'batched');
});

test('browsers may read the ETag (CORS exposes it)', async () => {
  const p = await create();
  const res = await svc.request('GET', `${phones}/${p.id}`, { token, headers: { origin: 'https://app.example' } });
  assert.match(res.headers.get('access-control-expose-headers') ?? '', /(^|,\s*)etag(,|$)/i);
});
