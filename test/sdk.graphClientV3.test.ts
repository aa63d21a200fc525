// The official v3 client (@microsoft/microsoft-graph-client 3.0.7), unmodified, against the service
// over http. Its default AuthenticationHandler drops the token on any non-https URL (graph-clients.md,
// trap 1), so over http the chain is built by hand with a small auth middleware, as its docs allow.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import graph from '@microsoft/microsoft-graph-client';
import { decodeJwt } from 'jose';
import { startTestService, type TestService } from './support/service.ts';

const { Client, RetryHandler, RetryHandlerOptions, HTTPMessageHandler, GraphError } = graph;

let svc: TestService;
let token: string;
let userId: string;

/** Adds the bearer token and a client-request-id, then hands on: what AuthenticationHandler does over https. */
class StaticAuth {
  private next: { execute(ctx: unknown): Promise<void> } | undefined;
  constructor(private readonly token: () => string) {}
  async execute(ctx: { options?: { headers?: Record<string, string> } }): Promise<void> {
    ctx.options ??= {};
    ctx.options.headers = { ...(ctx.options.headers ?? {}), Authorization: `Bearer ${this.token()}`, 'client-request-id': randomUUID() };
    return this.next!.execute(ctx);
  }
  setNext(next: { execute(ctx: unknown): Promise<void> }): void {
    this.next = next;
  }
}

function clientFor(tokenOf: () => string) {
  const auth = new StaticAuth(tokenOf);
  const retry = new RetryHandler(new RetryHandlerOptions(1, 3));
  const http = new HTTPMessageHandler();
  auth.setNext(retry as never);
  retry.setNext(http);
  return Client.initWithMiddleware({ baseUrl: svc.url, defaultVersion: 'beta', middleware: [auth as never, retry, http] });
}

before(async () => {
  svc = await startTestService();
  token = await svc.token(['--user', 'v3.client@contoso.com']);
  userId = decodeJwt(token).oid as string;
});
after(() => svc.stop());

test('create, list, get, update, delete through /me and /users/{id}', async () => {
  const client = clientFor(() => token);
  const created = await client.api('/me/profile/phones').post({ displayName: 'Car Phone', number: '+7 499 342 22 13', type: 'mobile' });
  assert.equal(created.number, '+7 499 342 22 13');
  assert.equal(created.allowedAudiences, 'organization');
  assert.equal(created.createdBy.user.id, userId);

  const list = await client.api(`/users/${userId}/profile/phones`).get();
  assert.deepEqual(list.value.map((p: { id: string }) => p.id), [created.id]);

  const got = await client.api(`/me/profile/phones/${created.id}`).get();
  assert.equal(got.displayName, 'Car Phone');

  const patched = await client.api(`/me/profile/phones/${created.id}`).patch({ type: 'home' });
  assert.equal(patched.type, 'home');
  // The SDK hands back what it got; sending that object back unchanged is accepted too.
  const roundTrip = await client.api(`/me/profile/phones/${created.id}`).patch(patched);
  assert.equal(roundTrip.type, 'home');

  assert.equal(await client.api(`/me/profile/phones/${created.id}`).delete(), undefined);
  const empty = await client.api('/me/profile/phones').get();
  assert.deepEqual(empty.value, []);
});

test('$select, $top, $filter, $orderby and $count through the fluent API', async () => {
  const client = clientFor(() => token);
  for (const n of ['3', '1', '2']) await client.api('/me/profile/phones').post({ number: n, type: n === '2' ? 'pager' : 'mobile' });
  const page = await client.api('/me/profile/phones').select('number').top(2).orderby('number desc').count(true).get();
  assert.deepEqual(page.value.map((p: Record<string, unknown>) => Object.keys(p)), [['id', 'number'], ['id', 'number']]);
  assert.deepEqual(page.value.map((p: { number: string }) => p.number), ['3', '2']);
  assert.equal(page['@odata.count'], 3);
  assert.ok(page['@odata.nextLink'].startsWith(`${svc.url}/beta/me/profile/phones?`));
  const filtered = await client.api('/me/profile/phones').filter("type eq 'pager'").get();
  assert.deepEqual(filtered.value.map((p: { number: string }) => p.number), ['2']);
});

test('errors arrive as GraphError with Graph code, message, requestId and date', async () => {
  const client = clientFor(() => token);
  const missing = randomUUID();
  await assert.rejects(client.api(`/me/profile/phones/${missing}`).get(), (err: InstanceType<typeof GraphError>) => {
    assert.ok(err instanceof GraphError);
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, 'itemNotFound');
    assert.match(err.message, new RegExp(missing));
    assert.match(String(err.requestId), /^[0-9a-f-]{36}$/);
    assert.ok(err.date instanceof Date && !Number.isNaN(err.date.getTime()));
    return true;
  });
  await assert.rejects(client.api('/me/profile/phones').post({ number: '1', foo: 'bar' }), (err: InstanceType<typeof GraphError>) => {
    assert.equal(err.statusCode, 400);
    assert.equal(err.code, 'RequestBodyRead');
    assert.match(err.message, /The property 'foo' does not exist on type 'microsoft.graph.itemPhone'/);
    return true;
  });
  const reader = await svc.token(['--user', 'v3.client@contoso.com', '--scopes', 'User.Read']);
  await assert.rejects(clientFor(() => reader).api('/me/profile/phones').post({ number: '1' }), (err: InstanceType<typeof GraphError>) => {
    assert.equal(err.statusCode, 403);
    assert.equal(err.code, 'Authorization_RequestDenied');
    return true;
  });
  await assert.rejects(clientFor(() => 'not-a-token').api('/me/profile/phones').get(), (err: InstanceType<typeof GraphError>) => {
    assert.equal(err.statusCode, 401);
    assert.equal(err.code, 'InvalidAuthenticationToken');
    return true;
  });
});

test('throttled (429 with Retry-After, in Graph\'s envelope): the RetryHandler waits and recovers', async () => {
  const throttled = await startTestService(['--rate-limit', '2', '--rate-limit-window-seconds', '1']);
  try {
    const t = await throttled.token(['--user', 'busy@contoso.com']);
    // Two requests fill the window; the third is refused directly...
    for (let i = 0; i < 2; i++) assert.equal((await throttled.request('GET', '/beta/me/profile/phones', { token: t })).status, 200);
    const refused = await throttled.request('GET', '/beta/me/profile/phones', { token: t });
    assert.equal(refused.status, 429);
    assert.equal(refused.json.error.code, 'TooManyRequests');
    assert.equal(refused.headers.get('content-type'), 'application/json');
    assert.match(refused.headers.get('retry-after')!, /^[1-9]\d*$/);
    assert.ok(refused.headers.get('request-id'));
    // ...and the SDK's RetryHandler, left as it is, waits Retry-After and gets through.
    const auth = new StaticAuth(() => t);
    const retry = new RetryHandler(new RetryHandlerOptions(1, 3));
    const http = new HTTPMessageHandler();
    auth.setNext(retry as never);
    retry.setNext(http);
    const client = Client.initWithMiddleware({ baseUrl: throttled.url, defaultVersion: 'beta', middleware: [auth as never, retry, http] });
    const started = Date.now();
    const results = await Promise.all([1, 2, 3, 4].map((n) => client.api('/me/profile/phones').post({ number: String(n) })));
    assert.equal(results.length, 4);
    assert.ok(Date.now() - started >= 900, 'some requests waited for the window');
    const list = await throttled.request('GET', '/beta/me/profile/phones', { token: t });
    assert.equal(list.status === 200 || list.status === 429, true);
  } finally {
    await throttled.stop();
  }
});
