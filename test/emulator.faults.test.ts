// Injected faults (POST/GET/DELETE /_emulator/faults) over a real socket: Graph's answers for the statuses (429 and
// 503 with Retry-After), the real answer once `times` is used up, delays, dropped connections (the service goes on
// serving), nothing stored by a faulted request, faults in $batch inner requests, matching, listing and removing,
// and bad specs refused with 400 naming the member. The official SDKs' recovery: emulator.faults.sdk.test.ts.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { assertGraphError } from './support/assertions.ts';
import { isGuid, startTestService, type TestService } from './support/service.ts';

let svc: TestService;
/** A user of its own for each test: phones one test stores are not another's. */
let token: string;
let users = 0;
before(async () => {
  svc = await startTestService();
});
after(() => svc.stop());
beforeEach(async () => {
  token = await svc.token(['--user', `faults.user${++users}@contoso.com`]);
});
afterEach(async () => {
  assert.equal((await svc.request('DELETE', '/_emulator/faults')).status, 204);
  await svc.request('DELETE', '/_emulator/requests');
});

const PHONES = '/beta/me/profile/phones';

async function addFault(spec: unknown): Promise<any> {
  const res = await svc.request('POST', '/_emulator/faults', { body: spec });
  assert.equal(res.status, 201, res.text);
  return res.json;
}
const faults = async () => (await svc.request('GET', '/_emulator/faults')).json.value as any[];
const phones = async () => {
  const res = await svc.request('GET', PHONES, { token });
  assert.equal(res.status, 200, res.text);
  return res.json.value as any[];
};
const journal = async (query = '') => (await svc.request('GET', `/_emulator/requests${query}`)).json.value as any[];

/** Waits (polling, bounded) until `check` holds: for what the service does after the client has moved on. */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`never: ${what}`);
}

/** A GET over `agent`, with whether it reused a connection the agent kept open. */
function getOver(agent: http.Agent, path: string): Promise<{ status: number; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${svc.url}${path}`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, reused: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends a request on a connection of its own and reports how it ended: an answer, or the socket's error. */
function sendAlone(method: string, path: string, body?: unknown): Promise<{ status: number } | { error: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(`${svc.url}${path}`, {
      method,
      agent: false,
      headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode! }));
    });
    req.on('error', (error) => resolve({ error }));
    req.end(payload);
  });
}

describe('answers', () => {
  test('429 with Retry-After, in Graph\'s envelope, `times` times; then the real answer', async () => {
    const spec = { match: { method: 'POST', path: PHONES }, respond: { status: 429, retryAfterSeconds: 2 }, times: 2 };
    const res = await svc.request('POST', '/_emulator/faults', { body: spec });
    assert.equal(res.status, 201);
    const fault = res.json;
    assert.ok(isGuid(fault.id));
    assert.equal(res.headers.get('location'), `/_emulator/faults/${fault.id}`);
    assert.deepEqual(fault, { id: fault.id, ...spec, remaining: 2, matched: 0 });

    const body = { number: '+1 425 555 0100', type: 'mobile' };
    for (const left of [1, 0]) {
      const refused = await svc.request('POST', PHONES, { token, body });
      assertGraphError(refused, 429, 'TooManyRequests', new RegExp(`injected fault \\('${fault.id}'`));
      assert.equal(refused.headers.get('retry-after'), '2');
      assert.deepEqual((await faults()).map((f) => [f.remaining, f.matched]), left ? [[left, 2 - left]] : []);
    }
    const created = await svc.request('POST', PHONES, { token, body });
    assert.equal(created.status, 201);
    assert.deepEqual((await phones()).map((p) => p.id), [created.json.id], 'the faulted requests stored nothing');
    // The journal shows what was sent each time, what was answered, and which fault answered.
    const entries = await journal(`?method=POST&path=${PHONES}`);
    assert.deepEqual(entries.map((e) => [e.status, e.fault]), [[429, fault.id], [429, fault.id], [201, undefined]]);
    for (const e of entries) assert.deepEqual(e.request.body, body);
    assert.equal(entries[0].response.headers['retry-after'], '2');
    assert.equal(entries[0].response.body.error.code, 'TooManyRequests');
  });

  test('503, 504, 500 and other 4xx/5xx statuses: Graph\'s code for each, Retry-After on 429 and 503 by default', async () => {
    const cases: [number, string, string | null][] = [
      [503, 'serviceNotAvailable', '1'],
      [429, 'TooManyRequests', '1'],
      [504, 'gatewayTimeout', null],
      [500, 'generalException', null],
      [502, 'badGateway', null],
      [401, 'InvalidAuthenticationToken', null],
      [404, 'itemNotFound', null],
      [418, 'BadRequest', null],
      [599, 'generalException', null],
    ];
    for (const [status, code, retryAfter] of cases) {
      const fault = await addFault({ match: { method: 'GET', path: PHONES }, respond: { status }, times: 1 });
      assert.equal(fault.respond.retryAfterSeconds, retryAfter === null ? undefined : Number(retryAfter));
      const res = await svc.request('GET', PHONES, { token });
      assertGraphError(res, status, code, /This is an injected fault/);
      assert.equal(res.headers.get('retry-after'), retryAfter, `Retry-After with ${status}`);
      if (status === 401) assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /);
    }
    // Retry-After given with any status is sent.
    await addFault({ match: { path: PHONES }, respond: { status: 500, retryAfterSeconds: 7 }, times: 1 });
    assert.equal((await svc.request('GET', PHONES, { token })).headers.get('retry-after'), '7');
    assert.equal((await svc.request('GET', PHONES, { token })).status, 200);
  });

  test('a fault answers before authentication: even without a token', async () => {
    await addFault({ match: { path: PHONES }, respond: { status: 503 }, times: 1 });
    assertGraphError(await svc.request('GET', PHONES), 503, 'serviceNotAvailable');
    assertGraphError(await svc.request('GET', PHONES), 401, 'InvalidAuthenticationToken');
  });

  test('a faulted POST, PATCH or DELETE changes nothing', async () => {
    const created = await svc.request('POST', PHONES, { token, body: { number: '+1 425 555 0101', displayName: 'kept' } });
    assert.equal(created.status, 201);
    const item = `${PHONES}/${created.json.id}`;
    await addFault({ match: { path: `${PHONES}*` }, respond: { status: 500 }, times: 3 });
    assert.equal((await svc.request('POST', PHONES, { token, body: { number: '+1 425 555 0102' } })).status, 500);
    assert.equal((await svc.request('PATCH', item, { token, body: { displayName: 'changed' } })).status, 500);
    assert.equal((await svc.request('DELETE', item, { token })).status, 500);
    const now = await svc.request('GET', item, { token });
    assert.equal(now.status, 200);
    assert.equal(now.json.displayName, 'kept');
    assert.equal(now.headers.get('etag'), created.headers.get('etag'));
    assert.deepEqual((await phones()).map((p) => p.id), [created.json.id]);
  });
});

describe('delays', () => {
  test('delayMs alone: the real answer, after the delay', async () => {
    const fault = await addFault({ match: { method: 'POST', path: PHONES }, respond: { delayMs: 300 }, times: 1 });
    const created = await svc.request('POST', PHONES, { token, body: { number: '+1 425 555 0103' } });
    assert.equal(created.status, 201);
    assert.deepEqual((await phones()).map((p) => p.id), [created.json.id]);
    const [entry] = await journal('?method=POST');
    assert.equal(entry.fault, fault.id);
    assert.equal(entry.status, 201);
    assert.deepEqual(entry.request.body, { number: '+1 425 555 0103' });
    assert.ok(entry.durationMs >= 295, `answered after ${entry.durationMs} ms`);
  });

  test("delayMs with a status: the fault's answer, after the delay", async () => {
    await addFault({ match: { method: 'GET', path: PHONES }, respond: { delayMs: 200, status: 504 }, times: 1 });
    assertGraphError(await svc.request('GET', PHONES, { token }), 504, 'gatewayTimeout');
    const [entry] = await journal();
    assert.ok(entry.durationMs >= 195, `answered after ${entry.durationMs} ms`);
  });

  test('a client that gives up during the delay: nothing is run, the journal shows no status', async () => {
    const fault = await addFault({ match: { method: 'POST', path: PHONES }, respond: { delayMs: 300_000 }, times: 1 });
    const gaveUp = new AbortController();
    const sent = fetch(`${svc.url}${PHONES}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ number: '+1 425 555 0104' }),
      signal: gaveUp.signal,
    });
    await eventually('the fault met the request', async () => (await svc.request('GET', `/_emulator/faults`)).json.value.length === 0);
    gaveUp.abort();
    await assert.rejects(sent, { name: 'AbortError' });
    await eventually('the journal has the request', async () => (await journal('?method=POST')).length === 1);
    const [entry] = await journal('?method=POST');
    assert.equal(entry.status, null);
    assert.equal(entry.fault, fault.id);
    assert.deepEqual(await phones(), []);
  });

  test('a service stopping does not wait for a delay to end', { timeout: 60_000 }, async () => {
    const other = await startTestService();
    let pending: Promise<number | string> | undefined;
    try {
      await other.request('POST', '/_emulator/faults', { body: { match: { path: '/beta/me/profile' }, respond: { delayMs: 300_000 } } });
      const t = await other.token(['--user', 'faults.stop@contoso.com']);
      pending = other.request('GET', '/beta/me/profile', { token: t }).then((r) => r.status, () => 'closed');
      await eventually('the fault met the request', async () => (await other.request('GET', '/_emulator/faults')).json.value[0].matched === 1);
    } finally {
      await other.stop();
    }
    // Released, the request ran and was answered (or its connection closed with the listener).
    assert.ok([200, 'closed'].includes(await pending));
  });
});

describe('dropped connections', () => {
  test('drop closes the connection without an answer; the service goes on serving this and other connections', async () => {
    const keptOpen = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.deepEqual(await getOver(keptOpen, '/beta/me/profile'), { status: 200, reused: false });
      const fault = await addFault({ match: { method: 'POST', path: PHONES }, respond: { drop: true }, times: 1 });
      const dropped = await sendAlone('POST', PHONES, { number: '+1 425 555 0105' });
      assert.ok('error' in dropped, `answered ${JSON.stringify(dropped)}`);
      assert.equal(dropped.error.code, 'ECONNRESET');
      // The connection opened before is still served, and new ones are too.
      assert.deepEqual(await getOver(keptOpen, '/beta/me/profile'), { status: 200, reused: true });
      assert.deepEqual(await sendAlone('POST', PHONES, { number: '+1 425 555 0106' }), { status: 201 });
      assert.deepEqual((await phones()).map((p) => p.number), ['+1 425 555 0106']);
      const [drop, created] = await journal('?method=POST');
      assert.equal(drop.status, null);
      assert.equal(drop.fault, fault.id);
      assert.deepEqual(drop.request.body, { number: '+1 425 555 0105' });
      assert.equal('body' in drop.response, false);
      assert.equal(created.status, 201);
    } finally {
      keptOpen.destroy();
    }
  });

  test('fetch sees a failed request; the next one works', async () => {
    await addFault({ match: { path: '/beta/me/profile' }, respond: { drop: true }, times: 1 });
    await assert.rejects(svc.request('GET', '/beta/me/profile', { token }), (err: Error & { cause?: { code?: string } }) => {
      assert.equal(err.message, 'fetch failed');
      assert.match(err.cause?.code ?? '', /^(UND_ERR_SOCKET|ECONNRESET)$/);
      return true;
    });
    assert.equal((await svc.request('GET', '/beta/me/profile', { token })).status, 200);
  });
});

describe('$batch', () => {
  const batch = (requests: unknown[]) => svc.request('POST', '/beta/$batch', { token, body: { requests } });
  const json = { 'content-type': 'application/json' };

  test('inner requests meet faults: the inner answer carries the status and Retry-After; nothing is stored', async () => {
    const fault = await addFault({ match: { method: 'POST', path: PHONES }, respond: { status: 429 }, times: 1 });
    const res = await batch([
      { id: '1', method: 'POST', url: '/me/profile/phones', headers: json, body: { number: '+1 425 555 0107' } },
      { id: '2', method: 'GET', url: '/me/profile/phones', dependsOn: ['1'] },
      { id: '3', method: 'GET', url: '/me/profile/phones' },
    ]);
    assert.equal(res.status, 200);
    const [first, second, third] = res.json.responses;
    assert.equal(first.status, 429);
    assert.equal(first.headers['Retry-After'], '1');
    assert.equal(first.body.error.code, 'TooManyRequests');
    assert.equal(second.status, 424);
    assert.equal(third.status, 200);
    assert.deepEqual(third.body.value, []);
    const inner = (await journal()).filter((e) => e.batch);
    assert.deepEqual(inner.map((e) => [e.batch.id, e.status, e.fault]), [['1', 429, fault.id], ['3', 200, undefined]]);
  });

  test('drop in an inner request answers it 504 (it has no connection of its own); drop on $batch drops the batch', async () => {
    await addFault({ match: { method: 'GET', path: PHONES }, respond: { drop: true }, times: 1 });
    const res = await batch([
      { id: 'a', method: 'GET', url: '/me/profile/phones' },
      { id: 'b', method: 'GET', url: '/me/profile' },
    ]);
    assert.equal(res.status, 200);
    const [a, b] = res.json.responses;
    assert.equal(a.status, 504);
    assert.equal(a.body.error.code, 'gatewayTimeout');
    assert.match(a.body.error.message, /match POST \/beta\/\$batch to drop the whole batch/);
    assert.equal(b.status, 200);

    await addFault({ match: { method: 'POST', path: '/beta/$batch' }, respond: { drop: true }, times: 1 });
    const dropped = await sendAlone('POST', '/beta/$batch', { requests: [{ id: 'x', method: 'POST', url: '/me/profile/phones', headers: json, body: { number: '1' } }] });
    assert.ok('error' in dropped);
    assert.deepEqual(await phones(), [], 'the dropped batch ran nothing');
  });
});

describe('matching', () => {
  test('method: any when absent; path: any case, query ignored, a prefix with *; the oldest fault first', async () => {
    await addFault({ match: { method: 'POST', path: PHONES }, respond: { status: 500 } });
    assert.equal((await svc.request('GET', PHONES, { token })).status, 200, 'another method passes');
    assert.equal((await svc.request('DELETE', '/_emulator/faults')).status, 204);

    await addFault({ match: { path: '/beta/ME/Profile/phones' }, respond: { status: 429 }, times: 1 });
    await addFault({ match: { path: '/beta/me/profile/phones' }, respond: { status: 503 }, times: 1 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await svc.request(i === 1 ? 'POST' : 'GET', `${PHONES}?$top=1`, { token, body: i === 1 ? { number: '1' } : undefined })).status);
    assert.deepEqual(statuses, [429, 503, 200]);

    await addFault({ match: { method: 'get', path: `${PHONES}/*` }, respond: { status: 502 } });
    assert.equal((await svc.request('GET', `${PHONES}/00000000-0000-0000-0000-000000000000`, { token })).status, 502);
    assert.equal((await svc.request('GET', `${PHONES}/$count`, { token })).status, 502);
    assert.equal((await svc.request('GET', PHONES, { token })).status, 200, 'the prefix names items, not the collection');
  });

  test("'*' matches every path but the control API's", async () => {
    await addFault({ match: { path: '*' }, respond: { status: 500 } });
    assert.equal((await svc.request('GET', '/beta/me/profile', { token })).status, 500);
    assert.equal((await svc.request('GET', '/beta/nothing')).status, 500);
    assert.equal((await svc.request('GET', '/_emulator/faults')).status, 200);
    assert.equal((await svc.request('GET', '/_emulator/requests')).status, 200);
  });
});

describe('the faults', () => {
  test('listed in the order they are tried, one by id; removed one by one or all; an unknown id is 404', async () => {
    const a = await addFault({ match: { path: '/beta/a' }, respond: { status: 500 }, times: 3 });
    const b = await addFault({ match: { method: 'DELETE', path: '/beta/b*' }, respond: { drop: true, delayMs: 10 } });
    const listed = await svc.request('GET', '/_emulator/faults');
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.json, { value: [a, b] });
    assert.equal(b.remaining, null);
    assert.equal(b.times, undefined);
    const one = await svc.request('GET', `/_emulator/faults/${a.id}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.json, a);

    const removed = await svc.request('DELETE', `/_emulator/faults/${a.id}`);
    assert.equal(removed.status, 204);
    assert.equal(removed.text, '');
    assert.deepEqual(await faults(), [b]);
    assertGraphError(await svc.request('DELETE', `/_emulator/faults/${a.id}`), 404, 'itemNotFound', new RegExp(a.id));
    assertGraphError(await svc.request('GET', `/_emulator/faults/${a.id}`), 404, 'itemNotFound');
    assertGraphError(await svc.request('GET', '/_emulator/faults/nothing'), 404, 'itemNotFound', /'nothing'/);

    await addFault({ match: { path: '/beta/c' }, respond: { status: 503 } });
    assert.equal((await svc.request('DELETE', '/_emulator/faults')).status, 204);
    assert.deepEqual(await faults(), []);
  });

  test('other methods: 405 with Allow', async () => {
    const put = await svc.request('PUT', '/_emulator/faults', { body: {} });
    assertGraphError(put, 405, 'Request_BadRequest');
    assert.equal(put.headers.get('allow'), 'GET, POST, DELETE');
    const patch = await svc.request('PATCH', '/_emulator/faults/x', { body: {} });
    assertGraphError(patch, 405, 'Request_BadRequest');
    assert.equal(patch.headers.get('allow'), 'GET, DELETE');
  });

  test('a bad spec is refused with 400 naming the member, and nothing is added', async () => {
    const match = { path: PHONES };
    const cases: [unknown, RegExp][] = [
      [[], /A fault must be a JSON object/],
      ['503', /A fault must be a JSON object/],
      [{ respond: { status: 503 } }, /'match' must be a JSON object; got nothing/],
      [{ match: {}, respond: { status: 503 } }, /'match.path' must be a path/],
      [{ match: { path: 'beta/me' }, respond: { status: 503 } }, /'match.path' must start with '\/'/],
      [{ match: { path: `${PHONES}?$top=1` }, respond: { status: 503 } }, /'match.path' names a path only/],
      [{ match: { path: '/beta/*/phones' }, respond: { status: 503 } }, /'match.path' may have '\*' only at its end/],
      [{ match: { path: PHONES, method: 5 }, respond: { status: 503 } }, /'match.method' must be an HTTP method/],
      [{ match: { path: PHONES, user: 'adele' }, respond: { status: 503 } }, /unknown member 'match.user'; 'match' has method, path/],
      [{ match }, /'respond' must be a JSON object/],
      [{ match, respond: {} }, /'respond' must give 'status', 'drop' or 'delayMs'/],
      [{ match, respond: { drop: false } }, /'respond' must give/],
      [{ match, respond: { status: 700 } }, /'respond.status' must be an integer from 400 to 599; got 700/],
      [{ match, respond: { status: 200 } }, /'respond.status' must be an integer from 400 to 599/],
      [{ match, respond: { status: '503' } }, /'respond.status'.*got "503"/],
      [{ match, respond: { status: 503.5 } }, /'respond.status'/],
      [{ match, respond: { status: 429, retryAfterSeconds: -1 } }, /'respond.retryAfterSeconds' must be an integer from 0/],
      [{ match, respond: { delayMs: 100, retryAfterSeconds: 1 } }, /'respond.retryAfterSeconds' goes with 'respond.status'/],
      [{ match, respond: { delayMs: -5 } }, /'respond.delayMs' must be an integer from 0 to 300000/],
      [{ match, respond: { delayMs: 1e9 } }, /'respond.delayMs'/],
      [{ match, respond: { drop: 'yes' } }, /'respond.drop' must be true or false/],
      [{ match, respond: { drop: true, status: 503 } }, /'respond.drop' cannot be true with 'respond.status'/],
      [{ match, respond: { status: 503, body: 'x' } }, /unknown member 'respond.body'/],
      [{ match, respond: { status: 503 }, times: 0 }, /'times' must be an integer from 1/],
      [{ match, respond: { status: 503 }, times: -1 }, /'times'/],
      [{ match, respond: { status: 503 }, times: 1.5 }, /'times'/],
      [{ match, respond: { status: 503 }, times: '2' }, /'times'/],
      [{ match, respond: { status: 503 }, times: null }, /'times'/],
      [{ match, respond: { status: 503 }, priority: 1 }, /unknown member 'priority'; a fault has match, respond, times/],
    ];
    for (const [spec, message] of cases) {
      assertGraphError(await svc.request('POST', '/_emulator/faults', { body: spec }), 400, 'invalidRequest', message);
    }
    assertGraphError(await svc.request('POST', '/_emulator/faults', { rawBody: '{"match":', headers: { 'content-type': 'application/json' } }), 400, 'BadRequest');
    assertGraphError(await svc.request('POST', '/_emulator/faults', { rawBody: 'match=1', headers: { 'content-type': 'text/plain' } }), 415, 'RequestBodyRead');
    assertGraphError(await svc.request('POST', '/_emulator/faults'), 415, 'RequestBodyRead');
    assert.deepEqual(await faults(), []);
    assert.equal((await svc.request('GET', PHONES, { token })).status, 200);
  });
});
