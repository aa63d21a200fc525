// The official SDKs recover from injected faults, unmodified: the v3 client's default RetryHandler
// (@microsoft/microsoft-graph-client, over https with its default middleware) and the Kiota beta SDK's
// (@microsoft/msgraph-beta-sdk) each meet an injected 429 (Retry-After 1) and then an injected 503 on a create, wait,
// retry and succeed; the journal shows the three attempts, the retries with their Retry-Attempt header, and one phone
// is stored. A file of its own: the SDKs are slow to import.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import graph from '@microsoft/microsoft-graph-client';
import { AllowedHostsValidator, BaseBearerTokenAuthenticationProvider } from '@microsoft/kiota-abstractions';
import { GraphBetaRequestAdapter } from '@microsoft/msgraph-beta-sdk';
import { profilePhonesClient } from '../examples/kiota-navigation.ts';
import { startTestService, type TestService } from './support/service.ts';

const PHONES = '/beta/me/profile/phones';

/** The two faults every create meets in turn: 429 with Retry-After 1, then 503 (Retry-After 1 by default). */
async function throttleThenFail(svc: TestService): Promise<string[]> {
  const ids = [];
  for (const status of [429, 503]) {
    const res = await svc.request('POST', '/_emulator/faults', { body: { match: { method: 'POST', path: PHONES }, respond: { status, retryAfterSeconds: 1 }, times: 1 } });
    assert.equal(res.status, 201, res.text);
    ids.push(res.json.id);
  }
  return ids;
}

/** The attempts the journal saw: status, fault, and the Retry-Attempt header the SDK set on each retry. */
async function attempts(svc: TestService): Promise<any[]> {
  const res = await svc.request('GET', `/_emulator/requests?method=POST&path=${PHONES}`);
  assert.equal(res.status, 200);
  return res.json.value;
}

describe('v3 client (default middleware, https)', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService(['--tls', 'true']);
  });
  after(() => svc.stop());

  test('its RetryHandler waits out an injected 429 and an injected 503, and the create succeeds once', { timeout: 60_000 }, async () => {
    const token = await svc.token(['--user', 'v3.retry@contoso.com']);
    const client = graph.Client.initWithMiddleware({
      baseUrl: svc.url,
      defaultVersion: 'beta',
      customHosts: new Set(['127.0.0.1']),
      authProvider: { getAccessToken: async () => token },
    });
    const [throttled, unavailable] = await throttleThenFail(svc);
    const created = await client.api('/me/profile/phones').post({ number: '+1 425 555 0190', type: 'mobile' });
    assert.equal(created.number, '+1 425 555 0190');

    const seen = await attempts(svc);
    assert.deepEqual(seen.map((e) => [e.status, e.fault, e.request.headers['retry-attempt']]), [
      [429, throttled, undefined],
      [503, unavailable, '1'],
      [201, undefined, '2'],
    ]);
    // The same request each time: one client-request-id, the same body, the caller named, never the token.
    assert.equal(new Set(seen.map((e) => e.clientRequestId)).size, 1);
    for (const e of seen) {
      assert.deepEqual(e.request.body, { number: '+1 425 555 0190', type: 'mobile' });
      assert.equal(e.caller.userPrincipalName, 'v3.retry@contoso.com');
      assert.equal(e.request.headers.authorization, 'Bearer <redacted>');
    }
    const list = await client.api('/me/profile/phones').get();
    assert.deepEqual(list.value.map((p: { id: string }) => p.id), [created.id]);
  });
});

describe('Kiota beta SDK (default handlers, http)', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
  });
  after(() => svc.stop());

  test('its retry handler waits out an injected 429 and an injected 503, and the create succeeds once', { timeout: 60_000 }, async () => {
    const token = await svc.token(['--user', 'kiota.retry@contoso.com']);
    const auth = new BaseBearerTokenAuthenticationProvider({
      getAuthorizationToken: async () => token,
      getAllowedHostsValidator: () => new AllowedHostsValidator(new Set(['127.0.0.1'])),
    });
    const adapter = new GraphBetaRequestAdapter(auth);
    adapter.baseUrl = `${svc.url}/beta`;
    const phones = profilePhonesClient(adapter).me.profile.phones;
    const [throttled, unavailable] = await throttleThenFail(svc);
    const created = (await phones.post({ number: '+1 425 555 0191', type: 'home' }))!;
    assert.equal(created.number, '+1 425 555 0191');

    const seen = await attempts(svc);
    assert.deepEqual(seen.map((e) => [e.status, e.fault, e.request.headers['retry-attempt']]), [
      [429, throttled, undefined],
      [503, unavailable, '1'],
      [201, undefined, '2'],
    ]);
    for (const e of seen) {
      assert.deepEqual(e.request.body, { number: '+1 425 555 0191', type: 'home' });
      assert.equal(e.caller.userPrincipalName, 'kiota.retry@contoso.com');
    }
    const all = (await phones.get())!;
    assert.deepEqual(all.value!.map((p) => p.id), [created.id]);
  });
});
