// The request journal (GET/DELETE /_emulator/requests, /count) over a real socket: what an entry records (method, path,
// query, status, headers with the caller instead of the Authorization value, bodies up to 16 KiB, times, request-id),
// the filters, forgetting, the ring's bound, $batch inner requests as entries of their own, what is not journaled;
// and in entra mode no /_emulator path exists.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { JOURNAL_CAPACITY, JOURNAL_MAX_BODY_BYTES } from '../src/emulator/journal.ts';
import { assertGraphError } from './support/assertions.ts';
import { loadConfig } from '../src/config.ts';
import { isGuid, startTestService, type TestService } from './support/service.ts';

let svc: TestService;
let token: string;
before(async () => {
  svc = await startTestService();
  token = await svc.token(['--user', 'journal.user@contoso.com', '--scopes', 'User.ReadWrite User.Read.All', '--client', 'journal-web-app']);
});
after(() => svc.stop());
beforeEach(async () => {
  assert.equal((await svc.request('DELETE', '/_emulator/requests')).status, 204);
});

const journal = async (query = '') => {
  const res = await svc.request('GET', `/_emulator/requests${query}`);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.count, res.json.value.length);
  return res.json.value as any[];
};

describe('an entry', () => {
  test('records method, path and query as sent, status, both sets of headers, request-id and times', async () => {
    const before = Date.now();
    const res = await svc.request('GET', '/beta/me/profile/Phones?$top=1&$select=number', { token, headers: { 'client-request-id': 'journal-test-1', 'x-custom': 'yes' } });
    assert.equal(res.status, 200);
    const [entry, ...rest] = await journal();
    assert.deepEqual(rest, []);
    assert.equal(typeof entry.id, 'number');
    assert.equal(entry.method, 'GET');
    assert.equal(entry.path, '/beta/me/profile/Phones');
    assert.equal(entry.query, '$top=1&$select=number');
    assert.equal(entry.status, 200);
    assert.equal(entry.requestId, res.headers.get('request-id'));
    assert.ok(isGuid(entry.requestId));
    assert.equal(entry.clientRequestId, 'journal-test-1');
    assert.equal(entry.request.headers['x-custom'], 'yes');
    assert.equal(entry.request.headers['client-request-id'], 'journal-test-1');
    assert.equal(entry.response.headers['request-id'], entry.requestId);
    assert.equal(entry.response.headers['content-type'], res.headers.get('content-type'));
    assert.equal(entry.response.headers['odata-version'], '4.0');
    assert.equal(entry.response.headers['content-length'], res.headers.get('content-length'));
    assert.match(entry.startedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Date.parse(entry.startedAt) >= before - 1000 && Date.parse(entry.startedAt) <= Date.now());
    assert.equal(typeof entry.durationMs, 'number');
    assert.ok(entry.durationMs >= 0);
    assert.equal(entry.fault, undefined);
    assert.equal(entry.batch, undefined);
  });

  test('never shows the Authorization value: the caller its token names instead (user, app, or nothing)', async () => {
    const claims = decodeJwt(token);
    assert.ok(claims.appid, 'the user signed in through an app');
    await svc.request('GET', '/beta/me/profile/phones', { token });
    const appToken = await svc.token(['--app-only', '--client', 'journal-ci-app', '--roles', 'User.Read.All']);
    const appClaims = decodeJwt(appToken);
    await svc.request('GET', `/beta/users/${claims.oid}/profile/phones`, { token: appToken });
    await svc.request('GET', '/beta/me/profile/phones');
    await svc.request('GET', '/beta/me/profile/phones', { token: `${token.slice(0, -4)}AAAA` });
    // A 403 still names its caller: the token was verified before the permission check refused it.
    const reader = await svc.token(['--user', 'journal.reader@contoso.com', '--scopes', 'User.Read']);
    await svc.request('POST', '/beta/me/profile/phones', { token: reader, body: { number: '+1 425 555 0100' } });

    const res = await svc.request('GET', '/_emulator/requests');
    for (const t of [token, appToken, reader]) {
      assert.equal(res.text.includes(t), false, 'a token appears in the journal');
      assert.equal(res.text.includes(t.split('.')[2]!), false, "a token's signature appears in the journal");
    }
    const [user, app, none, invalid, forbidden] = res.json.value;
    assert.equal(user.request.headers.authorization, 'Bearer <redacted>');
    assert.deepEqual(user.caller, {
      kind: 'delegated',
      tenantId: claims.tid,
      userId: claims.oid,
      userPrincipalName: 'journal.user@contoso.com',
      appId: claims.appid,
      scopes: ['User.ReadWrite', 'User.Read.All'],
      ...(Array.isArray(claims.wids) && claims.wids.length ? { directoryRoles: claims.wids } : {}),
    });
    assert.equal(app.status, 200);
    assert.deepEqual(app.caller, { kind: 'application', tenantId: appClaims.tid, appId: appClaims.appid, roles: ['User.Read.All'] });
    assert.equal(none.status, 401);
    assert.equal(none.caller, null);
    assert.equal(none.request.headers.authorization, undefined);
    assert.equal(invalid.status, 401);
    assert.equal(invalid.caller, null);
    assert.equal(invalid.request.headers.authorization, 'Bearer <redacted>');
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.caller.userPrincipalName, 'journal.reader@contoso.com');
    assert.deepEqual(forbidden.caller.scopes, ['User.Read']);
  });

  test('records request and response bodies; JSON as its value', async () => {
    const created = await svc.request('POST', '/beta/me/profile/phones', { token, body: { number: '+1 425 555 0101', type: 'mobile' } });
    assert.equal(created.status, 201);
    const malformed = '{"number": "+1 425 555 0102",';
    await svc.request('POST', '/beta/me/profile/phones', { token, rawBody: malformed, headers: { 'content-type': 'application/json' } });
    await svc.request('DELETE', `/beta/me/profile/phones/${created.json.id}`, { token });
    const [post, bad, del] = await journal();
    assert.deepEqual(post.request.body, { number: '+1 425 555 0101', type: 'mobile' });
    assert.equal(post.request.bodyBytes, Buffer.byteLength(JSON.stringify({ number: '+1 425 555 0101', type: 'mobile' })));
    assert.equal(post.request.bodyTruncated, false);
    assert.deepEqual(post.response.body, created.json);
    assert.equal(post.response.bodyBytes, Buffer.byteLength(created.text));
    // What was sent, even when it is not JSON: the text as it came.
    assert.equal(bad.status, 400);
    assert.equal(bad.request.body, malformed);
    assert.equal(bad.response.body.error.code, 'BadRequest');
    // No body: none recorded.
    assert.equal(del.status, 204);
    assert.equal('body' in del.request, false);
    assert.equal('body' in del.response, false);
    assert.equal(del.response.bodyBytes, 0);
  });

  test('records a body sent in chunks, without a length: whole, and cut off when the service stopped reading it', async () => {
    /** POSTs `text` as a chunked body (no Content-Length), a kilobyte per chunk. */
    const chunked = async (text: string) => {
      const bytes = Buffer.from(text);
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let at = 0; at < bytes.length; at += 1024) controller.enqueue(bytes.subarray(at, at + 1024));
          controller.close();
        },
      });
      const res = await fetch(`${svc.url}/beta/me/profile/phones`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
        duplex: 'half',
      } as RequestInit);
      await res.arrayBuffer();
      return res.status;
    };
    const small = JSON.stringify({ number: '+1 425 555 0103', displayName: 'x'.repeat(200) });
    assert.equal(await chunked(small), 201);
    // Over the 64 KiB the service reads: refused part way.
    const large = JSON.stringify({ number: '+1 425 555 0104', displayName: 'y'.repeat(100_000) });
    assert.equal(await chunked(large), 413);
    const [whole, cut] = await journal();
    assert.equal(whole.request.headers['transfer-encoding'], 'chunked');
    assert.deepEqual(whole.request.body, JSON.parse(small));
    assert.equal(whole.request.bodyBytes, Buffer.byteLength(small));
    assert.equal(whole.request.bodyTruncated, false);
    assert.equal(cut.status, 413);
    assert.equal(cut.request.bodyTruncated, true);
    assert.equal(cut.request.body, large.slice(0, JOURNAL_MAX_BODY_BYTES));
    assert.ok(cut.request.bodyBytes > JOURNAL_MAX_BODY_BYTES && cut.request.bodyBytes <= Buffer.byteLength(large), String(cut.request.bodyBytes));
  });

  test(`keeps the first ${JOURNAL_MAX_BODY_BYTES} bytes of a body, as text, and says it cut it`, async () => {
    const big = JSON.stringify({ number: 'x'.repeat(30_000) });
    const refused = await svc.request('POST', '/beta/me/profile/phones', { token, rawBody: big, headers: { 'content-type': 'application/json' } });
    assert.equal(refused.status, 400);
    const openapi = await svc.request('GET', '/beta/openapi.json');
    assert.ok(Buffer.byteLength(openapi.text) > JOURNAL_MAX_BODY_BYTES);
    const [post, doc] = await journal();
    assert.equal(post.request.bodyTruncated, true);
    assert.equal(post.request.bodyBytes, Buffer.byteLength(big));
    assert.equal(post.request.body, big.slice(0, JOURNAL_MAX_BODY_BYTES));
    assert.equal(post.response.bodyTruncated, false);
    assert.equal(doc.response.bodyTruncated, true);
    assert.equal(doc.response.bodyBytes, Buffer.byteLength(openapi.text));
    assert.equal(doc.response.body, openapi.text.slice(0, JOURNAL_MAX_BODY_BYTES));
  });
});

describe('filters and count', () => {
  beforeEach(async () => {
    await svc.request('GET', '/beta/me/profile/phones', { token }); // 200
    await svc.request('POST', '/beta/me/profile/phones', { token, body: { number: 5 } }); // 400
    await svc.request('GET', '/beta/me/profile/phones/00000000-0000-0000-0000-000000000000', { token }); // 404
    await svc.request('GET', '/beta/ME/profile/phones/$count', { token }); // 200
    await svc.request('GET', '/beta/me/profile', { token }); // 200
  });
  const shown = async (query: string) => (await journal(query)).map((e) => `${e.method} ${e.path} ${e.status}`);

  test('?method= (any case), ?status= (a status or a class), ?path= (exact, any case, query ignored; or a prefix with *)', async () => {
    assert.deepEqual(await shown('?method=post'), ['POST /beta/me/profile/phones 400']);
    assert.deepEqual(await shown('?status=404'), ['GET /beta/me/profile/phones/00000000-0000-0000-0000-000000000000 404']);
    assert.deepEqual(await shown('?status=4xx'), ['POST /beta/me/profile/phones 400', 'GET /beta/me/profile/phones/00000000-0000-0000-0000-000000000000 404']);
    assert.deepEqual(await shown('?status=2XX&method=GET'), ['GET /beta/me/profile/phones 200', 'GET /beta/ME/profile/phones/$count 200', 'GET /beta/me/profile 200']);
    assert.deepEqual(await shown('?path=/beta/me/profile/PHONES'), ['GET /beta/me/profile/phones 200', 'POST /beta/me/profile/phones 400']);
    assert.deepEqual(await shown(`?path=${encodeURIComponent('/beta/me/profile/phones/*')}`), [
      'GET /beta/me/profile/phones/00000000-0000-0000-0000-000000000000 404',
      'GET /beta/ME/profile/phones/$count 200',
    ]);
    assert.deepEqual(await shown('?path=/beta/me/profile*&status=2xx'), ['GET /beta/me/profile/phones 200', 'GET /beta/ME/profile/phones/$count 200', 'GET /beta/me/profile 200']);
    assert.deepEqual(await shown('?path=/beta/nothing'), []);
  });

  test('/count answers how many entries the same filters select', async () => {
    const count = async (query: string) => {
      const res = await svc.request('GET', `/_emulator/requests/count${query}`);
      assert.equal(res.status, 200);
      return res.json.count;
    };
    assert.equal(await count(''), 5);
    assert.equal(await count('?status=4xx'), 2);
    assert.equal(await count('?method=GET&path=/beta/me/profile/phones*'), 3);
  });

  test('a bad filter is refused with 400 naming it', async () => {
    const cases: [string, RegExp][] = [
      ['?status=abc', /'status'.*"abc"/],
      ['?status=600', /'status'/],
      ['?status=4x', /'status'/],
      ['?method=G%20T', /'method'/],
      ['?path=beta', /'path'.*start with '\/'/],
      ['?path=/beta/*/phones', /'path'.*only at its end/],
      ['?user=adele', /'user' is not a journal filter/],
      ['?method=GET&method=POST', /'method' is given more than once/],
    ];
    for (const [query, message] of cases) {
      for (const path of ['/_emulator/requests', '/_emulator/requests/count']) {
        assertGraphError(await svc.request('GET', `${path}${query}`), 400, 'invalidRequest', message);
      }
      assertGraphError(await svc.request('DELETE', `/_emulator/requests${query}`), 400, 'invalidRequest', message);
    }
    assert.equal((await journal()).length, 5, 'nothing was forgotten');
  });
});

describe('forgetting', () => {
  test('DELETE empties the journal; with filters, forgets only what they select', async () => {
    await svc.request('GET', '/beta/me/profile/phones', { token });
    await svc.request('GET', '/beta/nothing/here');
    await svc.request('GET', '/beta/me/profile', { token });
    const filtered = await svc.request('DELETE', '/_emulator/requests?status=404');
    assert.equal(filtered.status, 204);
    assert.equal(filtered.text, '');
    assert.deepEqual((await journal()).map((e) => e.path), ['/beta/me/profile/phones', '/beta/me/profile']);
    assert.equal((await svc.request('DELETE', '/_emulator/requests')).status, 204);
    assert.deepEqual(await journal(), []);
    // Ids go on increasing after a clear: an id never names two requests.
    const ids = [];
    for (let i = 0; i < 2; i++) {
      await svc.request('GET', '/beta/me/profile', { token });
      ids.push((await journal()).at(-1).id);
    }
    assert.ok(ids[1] > ids[0]);
  });

  test(`keeps the last ${JOURNAL_CAPACITY} requests: the oldest go first`, { timeout: 120_000 }, async () => {
    const total = JOURNAL_CAPACITY + 5;
    // Ten connections at a time, each request to its own numbered path.
    for (let start = 0; start < total; start += 10) {
      await Promise.all(
        Array.from({ length: Math.min(10, total - start) }, (_, k) => svc.request('GET', `/beta/ring/${start + k}`)),
      );
    }
    const entries = await journal();
    assert.equal(entries.length, JOURNAL_CAPACITY);
    const kept = new Set(entries.map((e) => Number(e.path.split('/').pop())));
    // Requests sent ten at a time finish in any order within their ten: the first batch of ten loses five.
    for (let n = 10; n < total; n++) assert.ok(kept.has(n), `request ${n} was forgotten`);
    assert.equal([...kept].filter((n) => n < 10).length, 5);
    assert.deepEqual(entries.map((e) => e.id), [...entries.map((e) => e.id)].sort((a, b) => a - b), 'oldest first');
  });
});

describe('what is journaled', () => {
  test('the inner requests of a $batch are entries of their own, after their $batch, marked with it', async () => {
    const res = await svc.request('POST', '/beta/$batch', {
      token,
      body: {
        requests: [
          { id: 'make', method: 'POST', url: '/me/profile/phones', headers: { 'content-type': 'application/json', 'client-request-id': 'inner-1' }, body: { number: '+1 425 555 0103' } },
          { id: 'list', method: 'GET', url: '/me/profile/phones?$select=number', dependsOn: ['make'] },
          { id: 'gone', method: 'GET', url: '/nothing' },
        ],
      },
    });
    assert.equal(res.status, 200);
    const [outer, make, list, gone, ...rest] = await journal();
    assert.deepEqual(rest, []);
    assert.equal(outer.path, '/beta/$batch');
    assert.equal(outer.status, 200);
    assert.equal(outer.batch, undefined);
    assert.equal(outer.caller.userPrincipalName, 'journal.user@contoso.com');
    assert.deepEqual(outer.request.body.requests.map((r: any) => r.id), ['make', 'list', 'gone']);
    assert.deepEqual(
      [make, list, gone].map((e) => [e.method, e.path, e.query, e.status, e.batch]),
      [
        ['POST', '/beta/me/profile/phones', '', 201, { outer: outer.id, id: 'make' }],
        ['GET', '/beta/me/profile/phones', '$select=number', 200, { outer: outer.id, id: 'list' }],
        ['GET', '/beta/nothing', '', 404, { outer: outer.id, id: 'gone' }],
      ],
    );
    // Each as the app under test sent it inside the batch, and as the batch answered it.
    assert.deepEqual(make.request.body, { number: '+1 425 555 0103' });
    assert.equal(make.clientRequestId, 'inner-1');
    assert.equal(make.request.headers.authorization, 'Bearer <redacted>');
    assert.equal(make.caller.userPrincipalName, 'journal.user@contoso.com');
    const answered = res.json.responses.find((r: any) => r.id === 'make');
    assert.deepEqual(make.response.body, answered.body);
    assert.equal(make.requestId, answered.headers['request-id']);
  });

  test('not the control API itself, /health or /metrics', async () => {
    await svc.request('GET', '/health');
    await svc.request('GET', '/_emulator/faults');
    await svc.request('GET', '/_EMULATOR/requests/count');
    await svc.request('GET', '/_emulator/nothing');
    await svc.request('GET', '/metrics');
    await svc.request('GET', '/beta/me/profile', { token });
    assert.deepEqual((await journal()).map((e) => e.path), ['/beta/me/profile']);
  });

  test('other methods on the journal paths: 405 with Allow', async () => {
    const put = await svc.request('PUT', '/_emulator/requests', { body: {} });
    assertGraphError(put, 405, 'Request_BadRequest');
    assert.equal(put.headers.get('allow'), 'GET, DELETE');
    const post = await svc.request('POST', '/_emulator/requests/count', { body: {} });
    assertGraphError(post, 405, 'Request_BadRequest');
    assert.equal(post.headers.get('allow'), 'GET');
  });
});

test('entra mode: every /_emulator/requests and /_emulator/faults path is unknown (404), and the document does not name them', async () => {
  const entra = await startTestService(['--identity', 'entra', '--entra-tenants', '*', '--entra-authority', 'http://127.0.0.1:1']);
  try {
    for (const [method, path] of [
      ['GET', '/_emulator/requests'],
      ['DELETE', '/_emulator/requests'],
      ['GET', '/_emulator/requests/count'],
      ['GET', '/_emulator/faults'],
      ['POST', '/_emulator/faults'],
      ['DELETE', '/_emulator/faults'],
      ['GET', '/_emulator/faults/00000000-0000-0000-0000-000000000000'],
      ['DELETE', '/_emulator/faults/00000000-0000-0000-0000-000000000000'],
    ] as const) {
      const body = method === 'POST' ? { match: { path: '*' }, respond: { status: 503 } } : undefined;
      assertGraphError(await entra.request(method, path, { body }), 404, 'BadRequest', /Resource not found for the segment/);
    }
    // Nothing was faulted, and the document describes no control.
    const doc = await entra.request('GET', '/beta/openapi.json');
    assert.equal(doc.status, 200);
    assert.deepEqual(Object.keys(doc.json.paths).filter((p) => p.startsWith('/_emulator')), []);
    assert.equal(doc.json.tags.some((t: any) => t.name === 'emulator'), false);
  } finally {
    await entra.stop();
  }
});

describe('REQUEST_JOURNAL', () => {
  test('a smaller ring keeps that many of the last requests', async () => {
    const small = await startTestService(['--request-journal', '3']);
    try {
      const user = await small.token(['--user', 'small.ring@contoso.com']);
      for (let i = 0; i < 5; i++) assert.equal((await small.request('GET', `/beta/me/profile/phones?$top=${i + 1}`, { token: user })).status, 200);
      const res = await small.request('GET', '/_emulator/requests');
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json.value.map((e: any) => e.query), ['$top=3', '$top=4', '$top=5']);
    } finally {
      await small.stop();
    }
  });

  test("each kept entry shows its own response body, however many requests came before (bodies' slots are reused)", async () => {
    const small = await startTestService(['--request-journal', '3']);
    try {
      const user = await small.token(['--user', 'slots.ring@contoso.com']);
      // More requests than the journal has slots for bodies (its size and the 100 it keeps before dropping), twice over.
      const answers: string[] = [];
      for (let i = 0; i < 250; i++) {
        const res = await small.request('GET', `/beta/me/profile/phones/missing-${i}${'x'.repeat(i)}`, { token: user });
        assert.equal(res.status, 404);
        answers.push(res.text);
      }
      // One whose record (its headers) is larger than a slot keeps for it: kept as well, elsewhere.
      const big = 'z'.repeat(6000);
      const sent = { number: '+1 425 555 0105', displayName: 'After the slots wrapped' };
      const last = await small.request('POST', '/beta/me/profile/phones', { token: user, headers: { 'x-big': big }, body: sent });
      assert.equal(last.status, 201, last.text);
      answers.push(last.text);
      const res = await small.request('GET', '/_emulator/requests');
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(
        res.json.value.map((e: any) => e.response.body),
        answers.slice(-3).map((text) => JSON.parse(text)),
      );
      assert.deepEqual(
        res.json.value.map((e: any) => e.path),
        ['/beta/me/profile/phones/missing-248' + 'x'.repeat(248), '/beta/me/profile/phones/missing-249' + 'x'.repeat(249), '/beta/me/profile/phones'],
      );
      assert.equal(res.json.value[2].request.headers['x-big'], big);
      assert.deepEqual(res.json.value[2].request.body, sent);
    } finally {
      await small.stop();
    }
  });

  test('0 turns it off: requests are answered as usual, nothing is recorded, and its routes say it is off (404)', async () => {
    const off = await startTestService(['--request-journal', '0']);
    try {
      const user = await off.token(['--user', 'no.journal@contoso.com']);
      const created = await off.request('POST', '/beta/me/profile/phones', { token: user, body: { number: '+1 425 555 0100' } });
      assert.equal(created.status, 201, created.text);
      assert.equal((await off.request('GET', `/beta/me/profile/phones/${created.json.id}`, { token: user })).status, 200);
      // The $batch envelope and a faulted request pass the hooks the journal would have had.
      const batch = await off.request('POST', '/beta/$batch', { token: user, body: { requests: [{ id: '1', method: 'GET', url: '/me/profile/phones' }] } });
      assert.equal(batch.status, 200, batch.text);
      assert.equal(batch.json.responses[0].status, 200);
      const fault = await off.request('POST', '/_emulator/faults', { body: { match: { path: '/beta/me/profile' }, respond: { status: 503 }, times: 1 } });
      assert.equal(fault.status, 201, fault.text);
      assertGraphError(await off.request('GET', '/beta/me/profile', { token: user }), 503, 'serviceNotAvailable');
      for (const [method, path] of [
        ['GET', '/_emulator/requests'],
        ['GET', '/_emulator/requests/count'],
        ['DELETE', '/_emulator/requests'],
      ] as const) {
        assertGraphError(await off.request(method, path), 404, 'itemNotFound', /request journal is off.*REQUEST_JOURNAL=0/);
      }
      // The in-process helper's view of it says the same.
      assert.throws(() => off.emulator!.journal.list(), /request journal is off/);
    } finally {
      await off.stop();
    }
  });

  test('is refused at start-up outside 0-10000', () => {
    for (const bad of ['-1', '10001', 'many']) {
      assert.throws(() => loadConfig(['--request-journal', bad]), /REQUEST_JOURNAL|request-journal/);
    }
  });
});
