// JSON batching end to end: POST /beta/$batch replays each inner request through the same app, with the
// outer request's token, so inner requests are authorized and validated like direct ones.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { assertGraphError } from './support/assertions.ts';
import { isGuid, startTestService, type TestService } from './support/service.ts';

const ODATA_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const JSON_HEADERS = { 'Content-Type': 'application/json' };

let svc: TestService;
before(async () => {
  svc = await startTestService();
});
after(() => svc.stop());

const batch = (token: string | undefined, requests: unknown[]) => svc.request('POST', '/beta/$batch', { token, body: { requests } });
const byId = (res: { json: any }, id: string) => res.json.responses.find((r: any) => r.id === id);

test('a batch creates two phones, lists them and deletes one', async () => {
  const token = await svc.token(['--user', 'batch.crud@contoso.com']);
  const userId = decodeJwt(token).oid as string;
  const res = await batch(token, [
    { id: '1', method: 'POST', url: '/me/profile/phones', headers: JSON_HEADERS, body: { number: '+1 425 555 0101', type: 'mobile' } },
    { id: '2', method: 'POST', url: 'me/profile/phones', headers: JSON_HEADERS, body: { number: '+1 425 555 0102', type: 'home' }, dependsOn: ['1'] },
    { id: '3', method: 'GET', url: '/me/profile/phones?$orderby=number', dependsOn: ['2'] },
  ]);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('content-type'), ODATA_JSON);
  assert.deepEqual(Object.keys(res.json), ['responses']);
  assert.deepEqual(res.json.responses.map((r: any) => [r.id, r.status]), [['1', 201], ['2', 201], ['3', 200]]);
  const first = byId(res, '1');
  assert.ok(isGuid(first.body.id));
  assert.equal(first.body.number, '+1 425 555 0101');
  assert.equal(first.headers['Content-Type'], ODATA_JSON);
  assert.equal(first.headers['OData-Version'], '4.0');
  assert.equal(first.headers.Location, `${svc.url}/beta/users/${userId}/profile/phones/${first.body.id}`);
  assert.equal(first.body['@odata.context'], `${svc.url}/beta/$metadata#users('${userId}')/profile/phones/$entity`);
  assert.ok(isGuid(first.headers['request-id']));
  const second = byId(res, '2');
  assert.deepEqual(byId(res, '3').body.value.map((p: any) => p.id).sort(), [first.body.id, second.body.id].sort());

  const del = await batch(token, [{ id: 'd', method: 'DELETE', url: `/me/profile/phones/${first.body.id}` }]);
  assert.equal(del.status, 200);
  assert.equal(byId(del, 'd').status, 204);
  assert.equal(byId(del, 'd').body, undefined);
  const list = await svc.request('GET', '/beta/me/profile/phones', { token });
  assert.deepEqual(list.json.value.map((p: any) => p.id), [second.body.id]);
});

test('a failing request alongside successes: the outer answer is still 200', async () => {
  const token = await svc.token(['--user', 'batch.mixed@contoso.com']);
  const res = await batch(token, [
    { id: 'ok', method: 'POST', url: '/me/profile/phones', headers: JSON_HEADERS, body: { number: '+1 425 555 0110' } },
    { id: 'bad', method: 'POST', url: '/me/profile/phones', headers: JSON_HEADERS, body: { number: 42 } },
    { id: 'missing', method: 'GET', url: '/me/profile/phones/00000000-0000-0000-0000-000000000000' },
    { id: 'unknown', method: 'GET', url: '/me/profile/nothing' },
  ]);
  assert.equal(res.status, 200);
  assert.equal(byId(res, 'ok').status, 201);
  const bad = byId(res, 'bad');
  assert.equal(bad.status, 400);
  assert.equal(bad.headers['Content-Type'], 'application/json');
  assert.deepEqual(Object.keys(bad.body.error), ['code', 'message', 'innerError']);
  assert.equal(bad.body.error.innerError['request-id'], bad.headers['request-id']);
  assert.equal(byId(res, 'missing').status, 404);
  assert.equal(byId(res, 'missing').body.error.code, 'itemNotFound');
  assert.equal(byId(res, 'unknown').status, 404);
  // Nothing stored by the refused write.
  const list = await svc.request('GET', '/beta/me/profile/phones', { token });
  assert.deepEqual(list.json.value.map((p: any) => p.number), ['+1 425 555 0110']);
});

describe('dependsOn', () => {
  test('runs dependencies first, whatever the array order', async () => {
    const token = await svc.token(['--user', 'batch.order@contoso.com']);
    const res = await batch(token, [
      { id: 'list', method: 'GET', url: '/me/profile/phones', dependsOn: ['create'] },
      { id: 'create', method: 'POST', url: '/me/profile/phones', headers: JSON_HEADERS, body: { number: '+1 425 555 0120' } },
    ]);
    assert.equal(res.status, 200);
    // Responses come back in request order.
    assert.deepEqual(res.json.responses.map((r: any) => r.id), ['list', 'create']);
    assert.deepEqual(byId(res, 'list').body.value.map((p: any) => p.id), [byId(res, 'create').body.id]);
  });

  test('a failed dependency answers 424 FailedDependency, transitively, and the dependent does not run', async () => {
    const token = await svc.token(['--user', 'batch.failed@contoso.com']);
    const res = await batch(token, [
      { id: 'a', method: 'POST', url: '/me/profile/phones', headers: JSON_HEADERS, body: { number: '' } },
      { id: 'b', method: 'POST', url: '/me/profile/phones', headers: JSON_HEADERS, body: { number: '+1 425 555 0130' }, dependsOn: ['A'] },
      { id: 'c', method: 'GET', url: '/me/profile/phones', dependsOn: ['b'] },
      { id: 'd', method: 'GET', url: '/me/profile/phones' },
    ]);
    assert.equal(res.status, 200);
    assert.equal(byId(res, 'a').status, 400);
    for (const id of ['b', 'c']) {
      const r = byId(res, id);
      assert.equal(r.status, 424);
      assert.equal(r.headers['Content-Type'], 'application/json');
      assert.equal(r.body.error.code, 'FailedDependency');
      assert.deepEqual(Object.keys(r.body.error.innerError), ['date', 'request-id', 'client-request-id']);
    }
    assert.equal(byId(res, 'd').status, 200);
    const list = await svc.request('GET', '/beta/me/profile/phones', { token });
    assert.deepEqual(list.json.value, []);
  });
});

test('per-request headers reach the inner request: client-request-id is echoed in that response only', async () => {
  const token = await svc.token(['--user', 'batch.headers@contoso.com']);
  const res = await batch(token, [
    { id: '1', method: 'GET', url: '/me/profile/phones', headers: { 'client-request-id': 'inner-one' } },
    { id: '2', method: 'GET', url: '/me/profile/phones/not-there', headers: { 'Client-Request-Id': 'inner-two' } },
    { id: '3', method: 'GET', url: '/me/profile/phones' },
  ]);
  assert.equal(res.status, 200);
  assert.equal(byId(res, '1').headers['client-request-id'], 'inner-one');
  assert.equal(byId(res, '2').headers['client-request-id'], 'inner-two');
  assert.equal(byId(res, '2').body.error.innerError['client-request-id'], 'inner-two');
  assert.equal(byId(res, '3').headers['client-request-id'], byId(res, '3').headers['request-id']);
  assert.notEqual(res.headers.get('client-request-id'), 'inner-one');
});

describe('each inner request is authorized like a direct one', () => {
  test('a User.Read token reads but may not write', async () => {
    const reader = await svc.token(['--user', 'batch.reader@contoso.com', '--scopes', 'User.Read']);
    const res = await batch(reader, [
      { id: 'r', method: 'GET', url: '/me/profile/phones' },
      { id: 'w', method: 'POST', url: '/me/profile/phones', headers: JSON_HEADERS, body: { number: '+1 425 555 0140' } },
    ]);
    assert.equal(res.status, 200);
    assert.equal(byId(res, 'r').status, 200);
    assert.equal(byId(res, 'w').status, 403);
    assert.equal(byId(res, 'w').body.error.code, 'Authorization_RequestDenied');
    const list = await svc.request('GET', '/beta/me/profile/phones', { token: reader });
    assert.deepEqual(list.json.value, []);
  });

  test('without a token the batch parses and every inner request answers 401 itself', async () => {
    const res = await batch(undefined, [
      { id: '1', method: 'GET', url: '/me/profile/phones' },
      { id: '2', method: 'POST', url: '/me/profile/phones', headers: JSON_HEADERS, body: { number: '+1 425 555 0150' } },
    ]);
    assert.equal(res.status, 200);
    for (const r of res.json.responses) {
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, 'InvalidAuthenticationToken');
      assert.ok(r.headers['WWW-Authenticate']);
    }
  });

  test('an Authorization header inside the batch is ignored: the outer one is used', async () => {
    const token = await svc.token(['--user', 'batch.auth@contoso.com']);
    const res = await batch(undefined, [{ id: '1', method: 'GET', url: '/me/profile/phones', headers: { Authorization: `Bearer ${token}` } }]);
    assert.equal(byId(res, '1').status, 401);
  });

  test("another user's profile is refused as directly", async () => {
    const other = await svc.token(['--user', 'batch.other@contoso.com']);
    const token = await svc.token(['--user', 'batch.me@contoso.com']);
    const res = await batch(token, [{ id: '1', method: 'GET', url: `/users/${decodeJwt(other).oid}/profile/phones` }]);
    const direct = await svc.request('GET', `/beta/users/${decodeJwt(other).oid}/profile/phones`, { token });
    assert.equal(byId(res, '1').status, direct.status);
    assert.equal(byId(res, '1').body.error.code, direct.json.error.code);
  });
});

describe('requests refused on their own (the rest of the batch runs)', () => {
  for (const [name, url] of [
    ['an absolute URL', 'https://graph.microsoft.com/beta/me/profile/phones'],
    ['another version', '/v1.0/me/profile/phones'],
    ['an explicit /beta prefix', '/beta/me/profile/phones'],
    ['a nested $batch', '/$batch'],
    ['a nested, encoded $batch', '%24batch'],
    ['a ".." segment', '/me/../../health'],
  ] as const) {
    test(name, async () => {
      const token = await svc.token(['--user', 'batch.urls@contoso.com']);
      const res = await batch(token, [
        { id: 'x', method: 'POST', url, headers: JSON_HEADERS, body: { number: '+1 425 555 0160', requests: [] } },
        { id: 'ok', method: 'GET', url: '/me/profile/phones' },
      ]);
      assert.equal(res.status, 200, res.text);
      assert.equal(byId(res, 'x').status, 400);
      assert.equal(byId(res, 'x').body.error.code, 'BadRequest');
      assert.equal(byId(res, 'ok').status, 200);
      assert.deepEqual(byId(res, 'ok').body.value, []);
    });
  }
});

describe('a malformed batch is refused as a whole with 400', () => {
  const get = (id: string, extra: object = {}) => ({ id, method: 'GET', url: '/me/profile/phones', ...extra });
  const post = (id: string, extra: object = {}) => ({ id, method: 'POST', url: '/me/profile/phones', headers: JSON_HEADERS, body: { number: '+1 425 555 0170' }, ...extra });
  const cases: Array<[string, unknown, RegExp]> = [
    ['no requests array', {}, /'requests' array/],
    ['requests not an array', { requests: { id: '1' } }, /'requests' array/],
    ['an empty batch', { requests: [] }, /at least one/],
    ['21 requests', { requests: Array.from({ length: 21 }, (_, i) => post(String(i))) }, /at most 20 requests; this one has 21/],
    ['duplicate ids (case-insensitive)', { requests: [post('a'), post('A')] }, /used more than once/],
    ['a request that is not an object', { requests: ['GET /me'] }, /not a JSON object/],
    ['a missing id', { requests: [{ method: 'GET', url: '/me/profile/phones' }] }, /no 'id'/],
    ['a numeric id', { requests: [get(1 as unknown as string)] }, /no 'id'/],
    ['a missing method', { requests: [{ id: '1', url: '/me/profile/phones' }] }, /no 'method'/],
    ['an unknown method', { requests: [get('1', { method: 'TRACE' })] }, /method 'TRACE'/],
    ['a missing url', { requests: [{ id: '1', method: 'GET' }] }, /no 'url'/],
    ['a body without headers', { requests: [post('1', { headers: undefined })] }, /no Content-Type/],
    ['a body without a Content-Type header', { requests: [post('1', { headers: { 'client-request-id': 'x' } })] }, /no Content-Type/],
    ['headers not an object', { requests: [get('1', { headers: ['a'] })] }, /'headers'/],
    ['dependsOn not an array', { requests: [get('1'), get('2', { dependsOn: '1' })] }, /'dependsOn'/],
    ['dependsOn an unknown id', { requests: [get('1'), get('2', { dependsOn: ['3'] })] }, /'3', which is not a request/],
    ['dependsOn itself', { requests: [get('1', { dependsOn: ['1'] })] }, /itself/],
    ['a dependsOn cycle', { requests: [get('1', { dependsOn: ['3'] }), get('2', { dependsOn: ['1'] }), get('3', { dependsOn: ['2'] })] }, /cycle/],
  ];
  for (const [name, body, message] of cases) {
    test(name, async () => {
      const token = await svc.token(['--user', 'batch.malformed@contoso.com']);
      const res = await svc.request('POST', '/beta/$batch', { token, body });
      assertGraphError(res, 400, 'BadRequest', message);
      // Nothing ran: no write stored.
      const list = await svc.request('GET', '/beta/me/profile/phones', { token });
      assert.deepEqual(list.json.value, []);
    });
  }

  test('a body that is not JSON', async () => {
    const res = await svc.request('POST', '/beta/$batch', { rawBody: '{"requests": [', headers: { 'content-type': 'application/json' } });
    assertGraphError(res, 400, 'BadRequest', /JSON/);
  });

  test('a JSON body that is not an object', async () => {
    const res = await svc.request('POST', '/beta/$batch', { body: [1, 2] });
    assertGraphError(res, 400, 'BadRequest', /'requests' array/);
  });

  test('20 requests are accepted', async () => {
    const token = await svc.token(['--user', 'batch.twenty@contoso.com']);
    const res = await batch(token, Array.from({ length: 20 }, (_, i) => get(`r${i}`)));
    assert.equal(res.status, 200);
    assert.equal(res.json.responses.length, 20);
    assert.ok(res.json.responses.every((r: any) => r.status === 200));
  });
});

test('only POST is served on /beta/$batch', async () => {
  const res = await svc.request('GET', '/beta/$batch');
  assertGraphError(res, 405, 'Request_BadRequest');
  assert.equal(res.headers.get('allow'), 'POST');
});
