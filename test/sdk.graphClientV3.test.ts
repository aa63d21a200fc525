// The official v3 client (@microsoft/microsoft-graph-client 3.0.7), unmodified, against the service over https
// with its default middleware (customHosts naming 127.0.0.1; the development certificate trusted in this process
// the way NODE_EXTRA_CA_CERTS trusts it in an app's), and over http with a hand-built chain: its default
// AuthenticationHandler drops the token on any non-https URL (graph-clients.md, trap 1), so over http a small auth
// middleware adds it, as the client's docs allow. The README's examples (test/examples.test.ts) do the same.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import graph from '@microsoft/microsoft-graph-client';
import { decodeJwt } from 'jose';
import { startTestService, type TestResponse, type TestService } from './support/service.ts';

const { BatchRequestContent, BatchResponseContent, Client, RetryHandler, RetryHandlerOptions, HTTPMessageHandler, GraphError, PageIterator } = graph;

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

/**
 * The client as an app sets it up: over https the default middleware (AuthenticationHandler, RetryHandler,
 * RedirectHandler, TelemetryHandler, HTTPMessageHandler) with 127.0.0.1 as a custom host; over http the
 * hand-built chain. (Either RetryHandler honours Retry-After; without it, the client's default wait is 3 s.)
 */
function clientFor(baseUrl: string, tokenOf: () => string) {
  if (baseUrl.startsWith('https:')) {
    return Client.initWithMiddleware({
      baseUrl,
      defaultVersion: 'beta',
      customHosts: new Set(['127.0.0.1']),
      authProvider: { getAccessToken: async () => tokenOf() },
    });
  }
  const auth = new StaticAuth(tokenOf);
  const retry = new RetryHandler(new RetryHandlerOptions(1, 3));
  const http = new HTTPMessageHandler();
  auth.setNext(retry as never);
  retry.setNext(http);
  return Client.initWithMiddleware({ baseUrl, defaultVersion: 'beta', middleware: [auth as never, retry, http] });
}

for (const scheme of ['http', 'https'] as const) {
describe(`over ${scheme}`, () => {
  let svc: TestService;
  let token: string;
  let userId: string;

  before(async () => {
    svc = await startTestService(scheme === 'https' ? ['--tls', 'true'] : []);
    assert.ok(svc.url.startsWith(`${scheme}://`));
    token = await svc.token(['--user', 'v3.client@contoso.com']);
    userId = decodeJwt(token).oid as string;
  });
  after(() => svc.stop());

  test('create, list, get, update, delete through /me and /users/{id}', async () => {
    const client = clientFor(svc.url, () => token);
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
    const client = clientFor(svc.url, () => token);
    for (const n of ['3', '1', '2']) await client.api('/me/profile/phones').post({ number: n, type: n === '2' ? 'pager' : 'mobile' });
    const page = await client.api('/me/profile/phones').select('number').top(2).orderby('number desc').count(true).get();
    assert.deepEqual(page.value.map((p: Record<string, unknown>) => Object.keys(p)), [['id', 'number'], ['id', 'number']]);
    assert.deepEqual(page.value.map((p: { number: string }) => p.number), ['3', '2']);
    assert.equal(page['@odata.count'], 3);
    assert.ok(page['@odata.nextLink'].startsWith(`${svc.url}/beta/me/profile/phones?`));
    const filtered = await client.api('/me/profile/phones').filter("type eq 'pager'").get();
    assert.deepEqual(filtered.value.map((p: { number: string }) => p.number), ['2']);
  });

  test(scheme === 'https'
    ? 'PageIterator follows @odata.nextLink across pages (default middleware, https)'
    : 'over http the default middleware sends no token, so the chain above adds it (trap 1)', async () => {
    const pager = await svc.token(['--user', `v3.pager.${scheme}@contoso.com`]);
    if (scheme === 'http') {
      // The client's own AuthenticationHandler removes Authorization on any non-https URL: Graph's 401.
      const defaults = Client.initWithMiddleware({ baseUrl: svc.url, defaultVersion: 'beta', customHosts: new Set(['127.0.0.1']), authProvider: { getAccessToken: async () => pager } });
      await assert.rejects(defaults.api('/me/profile/phones').get(), (err: InstanceType<typeof GraphError>) => {
        assert.equal(err.statusCode, 401);
        assert.equal(err.code, 'InvalidAuthenticationToken');
        return true;
      });
      return;
    }
    const client = clientFor(svc.url, () => pager);
    const created: string[] = [];
    for (let i = 0; i < 7; i++) created.push((await client.api('/me/profile/phones').post({ number: `+1 425 555 01${i}` })).id);
    const first = await client.api('/me/profile/phones').select('id,number').top(3).get();
    assert.equal(first.value.length, 3);
    assert.ok(first['@odata.nextLink'].startsWith(`${svc.url}/beta/me/profile/phones?`));
    const seen: string[] = [];
    const iterator = new PageIterator(client, first, (p: { id: string }) => {
      seen.push(p.id);
      return true;
    });
    await iterator.iterate();
    assert.equal(seen.length, 7);
    assert.deepEqual([...seen].sort(), [...created].sort());
    assert.equal(iterator.isComplete(), true);
  });

  test('errors arrive as GraphError with Graph code, message, requestId and date', async () => {
    const client = clientFor(svc.url, () => token);
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
    await assert.rejects(clientFor(svc.url, () => reader).api('/me/profile/phones').post({ number: '1' }), (err: InstanceType<typeof GraphError>) => {
      assert.equal(err.statusCode, 403);
      assert.equal(err.code, 'Authorization_RequestDenied');
      return true;
    });
    await assert.rejects(clientFor(svc.url, () => 'not-a-token').api('/me/profile/phones').get(), (err: InstanceType<typeof GraphError>) => {
      assert.equal(err.statusCode, 401);
      assert.equal(err.code, 'InvalidAuthenticationToken');
      return true;
    });
  });

  test('JSON batching with the client\'s BatchRequestContent and BatchResponseContent', async () => {
    const client = clientFor(svc.url, () => token);
    // Node's Request wants an absolute URL, and 3.0.7 keeps everything after the host as the step's URL: give the
    // service's origin without /beta (a version segment inside a batch is refused, as Graph refuses it).
    const at = (path: string, init?: RequestInit) => new Request(`${svc.url}${path}`, init);
    const batch = new BatchRequestContent([
      {
        id: '1',
        request: at('/me/profile/phones', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ number: '+1 425 555 0300', type: 'home' }) }),
      },
      { id: '2', request: at("/me/profile/phones?$filter=type eq 'home'&$select=number,type"), dependsOn: ['1'] },
      { id: '3', request: at('/me/profile/phones/00000000-0000-0000-0000-000000000000'), dependsOn: ['2'] },
      { id: '4', request: at('/me/profile/phones'), dependsOn: ['3'] },
    ]);
    const content = await batch.getContent();
    assert.deepEqual(content.requests.map((r: { url: string }) => r.url), [
      '/me/profile/phones',
      '/me/profile/phones?$filter=type%20eq%20%27home%27&$select=number,type',
      '/me/profile/phones/00000000-0000-0000-0000-000000000000',
      '/me/profile/phones',
    ]);
    const answers = new BatchResponseContent(await client.api('/$batch').post(content));
    const created = answers.getResponseById('1')!;
    assert.equal(created.status, 201);
    const phone = (await created.json()) as { id: string; number: string };
    assert.equal(phone.number, '+1 425 555 0300');
    assert.ok(created.headers.get('Location')?.endsWith(`/profile/phones/${phone.id}`));
    const listed = answers.getResponseById('2')!;
    assert.equal(listed.status, 200);
    assert.deepEqual(((await listed.json()) as { value: unknown }).value, [{ id: phone.id, number: '+1 425 555 0300', type: 'home' }]);
    const missing = answers.getResponseById('3')!;
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'itemNotFound');
    assert.equal(answers.getResponseById('4')!.status, 424);
    // A step whose URL keeps the version segment is answered 400 in its own response; the batch itself is 200.
    const versioned = new BatchRequestContent([{ id: 'v', request: at('/beta/me/profile/phones') }]);
    const refused = new BatchResponseContent(await client.api('/$batch').post(await versioned.getContent())).getResponseById('v')!;
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /names a version/);
  });

  test('throttled (429 with Retry-After, in Graph\'s envelope): the RetryHandler waits and recovers', async () => {
    const throttled = await startTestService(['--rate-limit', '2', '--rate-limit-window-seconds', '1', ...(scheme === 'https' ? ['--tls', 'true'] : [])]);
    try {
      const t = await throttled.token(['--user', 'busy@contoso.com']);
      // Two requests fill a window; the next one in it is refused directly... Windows are fixed (on PostgreSQL,
      // aligned to the clock), so one may end between two requests and the count starts again in the next: asked
      // until the refusal comes, it comes right after the request that used its window up (remaining 0).
      let refused: TestResponse | undefined;
      let remaining: string | null = null;
      for (let i = 0; i < 12 && !refused; i++) {
        const res = await throttled.request('GET', '/beta/me/profile/phones', { token: t });
        if (res.status === 429) refused = res;
        else {
          assert.equal(res.status, 200, res.text);
          remaining = res.headers.get('x-ratelimit-remaining');
        }
      }
      assert.ok(refused, 'twelve requests in a row, none refused');
      assert.equal(remaining, '0', 'the refused request follows the one that used its window up');
      assert.equal(refused.json.error.code, 'TooManyRequests');
      assert.equal(refused.headers.get('content-type'), 'application/json');
      assert.match(refused.headers.get('retry-after')!, /^[1-9]\d*$/);
      assert.ok(refused.headers.get('request-id'));
      // ...and the SDK's RetryHandler, left as it is, waits Retry-After and gets through.
      const client = clientFor(throttled.url, () => t);
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
});
}
