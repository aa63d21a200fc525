// The Kiota beta SDK (@microsoft/msgraph-beta-sdk 1.0.0-preview.81, pinned, unmodified) against the running
// service over http and over https (the development certificate, trusted in this process the way
// NODE_EXTRA_CA_CERTS trusts it in an app's): create, list, get, $select/$top/$filter/$orderby/$count, update,
// delete and PageIterator, through /me (the SDK's TokenToReplace id, rewritten to /me by msgraph-sdk-core's
// UrlReplaceHandler) and /users/{id | userPrincipalName}; and Graph's errors as the SDK's ODataError.
//
// The per-area fluent package (@microsoft/msgraph-beta-sdk-users) is not on the registry, so the navigation is
// examples/kiota-navigation.ts, a table mirroring its generated users/item/profile/phones builders, handed to
// kiota-abstractions' apiClientProxifier, as ../shared/reference/graph-clients.md (A2) describes. The README's
// example uses the same file (test/examples.test.ts runs it).
//
// The SDK is heavy to import (about a second for the models): it is imported once, here.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { AllowedHostsValidator, BaseBearerTokenAuthenticationProvider, type RequestAdapter } from '@microsoft/kiota-abstractions';
import { GraphBetaRequestAdapter } from '@microsoft/msgraph-beta-sdk';
import { BatchRequestContent, PageIterator } from '@microsoft/msgraph-sdk-core';
import { createItemPhoneCollectionResponseFromDiscriminatorValue, type ItemPhone } from '@microsoft/msgraph-beta-sdk/models/index.js';
import { errorMappings, profilePhonesClient, type PhonesRequestBuilder, type ProfilePhonesClient } from '../examples/kiota-navigation.ts';
import { isGuid, startTestService, type TestService } from './support/service.ts';

/** A Graph client as the fluent package would build it, with a static token. */
function graphClient(baseUrl: string, token: string): { client: ProfilePhonesClient; adapter: RequestAdapter } {
  const auth = new BaseBearerTokenAuthenticationProvider({
    getAuthorizationToken: async () => token,
    getAllowedHostsValidator: () => new AllowedHostsValidator(new Set(['127.0.0.1', 'localhost'])),
  });
  const adapter = new GraphBetaRequestAdapter(auth);
  adapter.baseUrl = `${baseUrl}/beta`;
  return { client: profilePhonesClient(adapter), adapter };
}

/** Runs `fn`, which must throw, and returns what it threw (Kiota throws plain objects, not Errors). */
async function thrown(fn: () => Promise<unknown>): Promise<any> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected the SDK call to throw');
}

/** The SDK's ODataError for a Graph error envelope, as graph-clients.md A2 lists its fields. */
function assertODataError(err: any, status: number, code: string) {
  assert.ok(err && typeof err === 'object', 'expected an ODataError object');
  assert.equal(err.responseStatusCode, status, JSON.stringify(err));
  assert.equal(err.errorEscaped?.code, code, JSON.stringify(err.errorEscaped));
  assert.equal(typeof err.errorEscaped.message, 'string');
  assert.ok(err.errorEscaped.message.length > 0);
  assert.equal(err.message, err.errorEscaped.message);
  const inner = err.errorEscaped.innerError;
  assert.ok(inner, 'innerError deserialised');
  assert.ok(isGuid(inner.requestId), `innerError.requestId: ${inner.requestId}`);
  // Kiota sends no client-request-id; Graph (and the service) then echo request-id as client-request-id.
  assert.equal(inner.clientRequestId, inner.requestId);
  assert.ok(inner.date instanceof Date && !Number.isNaN(inner.date.getTime()), `innerError.date: ${inner.date}`);
  assert.deepEqual(err.responseHeaders['request-id'], [inner.requestId]);
}

for (const scheme of ['http', 'https'] as const) {
describe(`over ${scheme}`, () => {
  let svc: TestService;
  let token: string;
  let userId: string;
  const UPN = 'kiota.user@contoso.com';
  before(async () => {
    svc = await startTestService(scheme === 'https' ? ['--tls', 'true'] : []);
    assert.ok(svc.url.startsWith(`${scheme}://`));
    token = await svc.token(['--user', UPN]);
    userId = decodeJwt(token).oid as string;
  });
  after(() => svc.stop());

  for (const form of ['me', 'id', 'upn'] as const) {
    describe(`Kiota SDK through ${form === 'me' ? 'client.me' : `client.users.byUserId(<${form}>)`}.profile.phones`, () => {
      let phonesApi: PhonesRequestBuilder;
      let created: ItemPhone;
      before(() => {
        const { client } = graphClient(svc.url, token);
        phonesApi = form === 'me' ? client.me.profile.phones : client.users.byUserId(form === 'id' ? userId : UPN).profile.phones;
      });

      test('create deserialises every property', async () => {
        const before = Date.now();
        const phone = (await phonesApi.post({
          type: 'mobile',
          number: `+1 425 555 01${form === 'me' ? '00' : form === 'id' ? '01' : '02'}`,
          displayName: `Kiota ${form}`,
          inference: { confidenceScore: 0.75, userHasVerifiedAccuracy: true },
          isSearchable: true,
          allowedAudiences: ['me', 'family'],
        }))!;
        created = phone;
        assert.ok(isGuid(phone.id));
        assert.equal(phone.type, 'mobile');
        assert.equal(phone.displayName, `Kiota ${form}`);
        assert.match(phone.number!, /^\+1 425 555 01\d\d$/);
        assert.ok(phone.createdDateTime instanceof Date);
        assert.ok(Math.abs(phone.createdDateTime.getTime() - before) < 60_000, `createdDateTime ${phone.createdDateTime.toISOString()}`);
        assert.ok(phone.lastModifiedDateTime instanceof Date);
        assert.equal(phone.lastModifiedDateTime.getTime(), phone.createdDateTime.getTime());
        assert.equal(phone.createdBy?.user?.id, userId);
        assert.equal(phone.createdBy?.user?.displayName, 'Kiota User');
        assert.equal(phone.lastModifiedBy?.user?.id, userId);
        assert.equal(phone.inference?.confidenceScore, 0.75);
        assert.equal(phone.inference?.userHasVerifiedAccuracy, true);
        assert.equal(phone.isSearchable, true);
        // allowedAudiences is deliberately not asserted on here: see the wire-form test below.
      });

      test('list returns the value array', async () => {
        const page = (await phonesApi.get())!;
        assert.ok(Array.isArray(page.value));
        const mine = page.value!.find((p) => p.id === created.id);
        assert.ok(mine, 'the created phone is listed');
        assert.equal(mine.number, created.number);
        assert.equal(mine.type, 'mobile');
        assert.ok(mine.createdDateTime instanceof Date);
        assert.equal(mine.createdDateTime.getTime(), created.createdDateTime!.getTime());
        assert.equal(page.odataNextLink, undefined);
      });

      test('get by id', async () => {
        const phone = (await phonesApi.byItemPhoneId(created.id!).get())!;
        assert.equal(phone.id, created.id);
        assert.equal(phone.number, created.number);
        assert.equal(phone.displayName, created.displayName);
        assert.equal(phone.createdBy?.user?.id, userId);
        assert.equal(phone.inference?.confidenceScore, 0.75);
      });

      test('$select on get and $select, $top on list set only the selected properties', async () => {
        const one = (await phonesApi.byItemPhoneId(created.id!).get({ queryParameters: { select: ['number', 'type'] } }))!;
        assert.equal(one.id, created.id);
        assert.equal(one.number, created.number);
        assert.equal(one.type, 'mobile');
        for (const absent of ['displayName', 'createdDateTime', 'createdBy', 'inference', 'source', 'isSearchable', 'lastModifiedBy'] as const) {
          assert.equal(one[absent], undefined, `${absent} not selected`);
        }
        const page = (await phonesApi.get({ queryParameters: { select: ['displayName'], top: 1 } }))!;
        assert.equal(page.value!.length, 1);
        const first = page.value![0]!;
        assert.ok(isGuid(first.id));
        assert.equal(typeof first.displayName, 'string');
        for (const absent of ['number', 'type', 'createdDateTime', 'createdBy', 'inference', 'source', 'isSearchable'] as const) {
          assert.equal(first[absent], undefined, `${absent} not selected`);
        }
      });
    });
  }

  describe('Kiota SDK query options, paging, update and delete', () => {
    let phonesApi: PhonesRequestBuilder;
    let adapter: RequestAdapter;
    let owner: string;
    const ids: string[] = [];
    before(async () => {
      const t = await svc.token(['--user', 'kiota.pager@contoso.com']);
      owner = decodeJwt(t).oid as string;
      const c = graphClient(svc.url, t);
      adapter = c.adapter;
      phonesApi = c.client.users.byUserId(owner).profile.phones;
      const types = ['home', 'business', 'mobile'] as const;
      for (let i = 0; i < 12; i++) {
        const p = (await phonesApi.post({ number: `+1 206 555 ${String(i).padStart(4, '0')}`, type: types[i % 3], displayName: `P${String(11 - i).padStart(2, '0')}` }))!;
        ids.push(p.id!);
      }
    });

    test('$filter and $orderby', async () => {
      const page = (await phonesApi.get({ queryParameters: { filter: "type eq 'mobile'", orderby: ['displayName desc'] } }))!;
      const got = page.value!.map((p) => p.displayName);
      assert.deepEqual(got, ['P09', 'P06', 'P03', 'P00']);
      assert.ok(page.value!.every((p) => p.type === 'mobile'));
      const asc = (await phonesApi.get({ queryParameters: { filter: "startswith(displayName, 'P0')", orderby: ['displayName'], top: 3 } }))!;
      assert.deepEqual(asc.value!.map((p) => p.displayName), ['P00', 'P01', 'P02']);
      assert.ok(asc.odataNextLink, 'more matches remain');
    });

    test('$count=true on the list, and /$count', async () => {
      const page = (await phonesApi.get({ queryParameters: { count: true, top: 2 } }))!;
      assert.equal(page.odataCount, 12);
      assert.equal(page.value!.length, 2);
      const all = (await phonesApi.count.get())!;
      assert.equal(all, 12);
      const homes = (await phonesApi.count.get({ queryParameters: { filter: "type eq 'home'" } }))!;
      assert.equal(homes, 4);
    });

    test('PageIterator visits every phone once across pages of 5', async () => {
      const first = (await phonesApi.get({ queryParameters: { top: 5 } }))!;
      assert.equal(first.value!.length, 5);
      assert.ok(first.odataNextLink?.startsWith(`${svc.url}/beta/`), `nextLink ${first.odataNextLink}`);
      const seen: string[] = [];
      const iterator = new PageIterator<ItemPhone>(
        adapter,
        { value: first.value ?? [], odataNextLink: first.odataNextLink ?? undefined }, // PageCollection wants value: T[]
        (p) => {
          seen.push(p.id!);
          return true;
        },
        createItemPhoneCollectionResponseFromDiscriminatorValue,
        errorMappings,
      );
      await iterator.iterate();
      assert.equal(seen.length, 12);
      assert.deepEqual([...seen].sort(), [...ids].sort());
      assert.equal(iterator.getPagingState(), 'Complete');
    });

    test('update (PATCH) and delete, then get is itemNotFound', async () => {
      const item = phonesApi.byItemPhoneId(ids[0]);
      const before = (await item.get())!;
      const updated = (await item.patch({ number: '+1 999 555 0000', isSearchable: false } satisfies ItemPhone))!;
      assert.equal(updated.id, ids[0]);
      assert.equal(updated.number, '+1 999 555 0000');
      assert.equal(updated.isSearchable, false);
      assert.equal(updated.displayName, before.displayName);
      assert.equal(updated.createdDateTime!.getTime(), before.createdDateTime!.getTime());
      assert.ok(updated.lastModifiedDateTime!.getTime() >= before.lastModifiedDateTime!.getTime());
      const reread = (await item.get())!;
      assert.equal(reread.number, '+1 999 555 0000');

      const deleted = await item.delete();
      assert.equal(deleted, undefined);
      assertODataError(await thrown(() => item.get()), 404, 'itemNotFound');
      assertODataError(await thrown(() => item.delete()), 404, 'itemNotFound');
    });
  });

  test('throttled (429 with Retry-After): the SDK\'s default RetryHandler waits and recovers', async () => {
    const throttled = await startTestService(['--rate-limit', '2', '--rate-limit-window-seconds', '1', ...(scheme === 'https' ? ['--tls', 'true'] : [])]);
    try {
      const t = await throttled.token(['--user', 'kiota.busy@contoso.com']);
      const phones = graphClient(throttled.url, t).client.me.profile.phones;
      const started = Date.now();
      // Five creates against a limit of two a second: some are refused with 429 and retried after Retry-After.
      const created = await Promise.all([1, 2, 3, 4, 5].map(async (n) => (await phones.post({ number: `+1 206 555 020${n}` }))!));
      assert.equal(created.length, 5);
      assert.ok(created.every((p) => isGuid(p.id)));
      assert.ok(Date.now() - started >= 900, 'some requests waited for the window');
      await new Promise((r) => setTimeout(r, 1100));
      const all = (await phones.get({ queryParameters: { select: ['number'] } }))!;
      assert.deepEqual(all.value!.map((p) => p.number).sort(), created.map((p) => p.number).sort());
    } finally {
      await throttled.stop();
    }
  });

  test('JSON batching with msgraph-sdk-core\'s BatchRequestContent: each step\'s status and headers', async () => {
    const { client, adapter } = graphClient(svc.url, token);
    const phones = client.me.profile.phones;
    const created = (await phones.post({ number: '+1 425 555 0310' }))!;
    const batch = new BatchRequestContent(adapter, errorMappings);
    batch.addBatchRequest(phones.toGetRequestInformation({ queryParameters: { top: 1 } }), '1');
    batch.addBatchRequest(phones.byItemPhoneId(created.id!).toGetRequestInformation(), '2');
    batch.addBatchRequest(client.users.byUserId(userId).profile.phones.byItemPhoneId('00000000-0000-0000-0000-000000000000').toGetRequestInformation(), '3');
    // /users/TokenToReplace becomes /me, and the adapter's base URL is cut off: URLs relative to /beta, as Graph wants.
    assert.deepEqual(batch.getContent().requests!.map((r) => r.url), [
      '/me/profile/phones?%24top=1',
      `/me/profile/phones/${created.id}`,
      `/users/${userId}/profile/phones/00000000-0000-0000-0000-000000000000`,
    ]);
    const answers = (await batch.postAsync())!;
    assert.deepEqual(Object.fromEntries(await answers.getResponsesStatusCodes()), { '1': 200, '2': 200, '3': 404 });
    const headers = answers.getResponseById('2')!.headers as unknown as { value: Record<string, { value: string }> };
    assert.ok(isGuid(headers.value['request-id']?.value));
    assert.match(headers.value['Content-Type']!.value, /^application\/json/);
    // This version reads each step's body as base64 (getByteArrayValue), so the JSON object bodies that Graph (and
    // the service, test/graph.batch.test.ts) send are not handed back: a client bug, noted in the README.
  });

  describe('Kiota SDK errors', () => {
    let client: ProfilePhonesClient;
    before(() => {
      client = graphClient(svc.url, token).client;
    });

    test('get of an unknown id: ODataError 404 itemNotFound with innerError', async () => {
      const err = await thrown(() => client.me.profile.phones.byItemPhoneId('00000000-0000-0000-0000-000000000000').get());
      assertODataError(err, 404, 'itemNotFound');
      // What the SDK throws is a plain object carrying the status and the response headers (comma-split).
      assert.equal(err instanceof Error, false);
    });

    test('an unknown user: 404 Request_ResourceNotFound', async () => {
      // Reading another user's profile needs User.Read.All (or similar); without it the answer is 403 first.
      const reader = graphClient(svc.url, await svc.token(['--user', UPN, '--scopes', 'User.Read.All'])).client;
      const err = await thrown(() => reader.users.byUserId('nobody.here@contoso.com').profile.phones.get());
      assertODataError(err, 404, 'Request_ResourceNotFound');
    });

    test('a bad $filter: 400 BadRequest naming the position', async () => {
      const err = await thrown(() => client.me.profile.phones.get({ queryParameters: { filter: 'number eq' } }));
      assertODataError(err, 400, 'BadRequest');
      assert.match(err.errorEscaped.message, /\$filter/);
    });

    test('writing with a User.Read token: 403 Authorization_RequestDenied; reading is allowed', async () => {
      const readOnly = await svc.token(['--user', UPN, '--scopes', 'User.Read']);
      const ro = graphClient(svc.url, readOnly).client;
      const page = (await ro.me.profile.phones.get())!;
      assert.ok(Array.isArray(page.value));
      const err = await thrown(() => ro.me.profile.phones.post({ number: '+1 000 555 0000' } satisfies ItemPhone));
      assertODataError(err, 403, 'Authorization_RequestDenied');
    });

    test('a bad token: 401 InvalidAuthenticationToken', async () => {
      const bad = graphClient(svc.url, 'not-a-jwt').client;
      const err = await thrown(() => bad.me.profile.phones.get());
      assertODataError(err, 401, 'InvalidAuthenticationToken');
    });
  });

  test('source: the SDK\'s personDataSources form ({type: string[]}) round-trips, on create and update', async () => {
    // This SDK's model (production Graph beta) types itemFacet.source as personDataSources, whose `type` is a string
    // collection (serializePersonDataSources: writeCollectionOfPrimitiveValues; read back with
    // getCollectionOfPrimitiveValues). The service serves the same type (docs/differences-from-graph.md), so the
    // value survives both ways; the excerpt's older single-string form would deserialise to {} here.
    const { client } = graphClient(svc.url, token);
    const phone = (await client.me.profile.phones.post({ number: '+1 425 555 0197', source: { type: ['User', 'Imported'] } } satisfies ItemPhone))!;
    assert.deepEqual(phone.source?.type, ['User', 'Imported']);
    const again = (await client.me.profile.phones.byItemPhoneId(phone.id!).get())!;
    assert.deepEqual(again.source?.type, ['User', 'Imported']);
    const patched = (await client.me.profile.phones.byItemPhoneId(phone.id!).patch({ source: { type: ['Contacts'] } } satisfies ItemPhone))!;
    assert.deepEqual(patched.source?.type, ['Contacts']);
    const res = await fetch(`${svc.url}/beta/me/profile/phones/${phone.id}?$select=source`, { headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual(((await res.json()) as Record<string, unknown>).source, { type: ['Contacts'] });
  });

  test('allowedAudiences: the wire form is the flags string the SDK writes', async () => {
    // Kiota writes the flags enum as a comma-separated string ("me,family"); Graph sends it back the same way, as
    // does the service (checked here with a raw fetch). This SDK version (kiota-serialization-json preview.109)
    // reads it with getCollectionOfEnumValues, which accepts only a JSON array, so the SDK's model ends up with
    // allowedAudiences = [] with no error: a client bug of the class of microsoft/kiota-python#515 (fixed there
    // by PR #516). The service must keep Graph's string form, so the SDK's round-tripped value is not asserted on.
    const { client } = graphClient(svc.url, token);
    const phone = (await client.me.profile.phones.post({ number: '+1 425 555 0199', allowedAudiences: ['me', 'family'] } satisfies ItemPhone))!;
    const res = await fetch(`${svc.url}/beta/me/profile/phones/${phone.id}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    const wire = (await res.json()) as Record<string, unknown>;
    assert.equal(wire.allowedAudiences, 'me,family');
    // The default, for a phone created without it, is "organization".
    const plain = (await client.me.profile.phones.post({ number: '+1 425 555 0198' } satisfies ItemPhone))!;
    const res2 = await fetch(`${svc.url}/beta/users/${userId}/profile/phones/${plain.id}?$select=allowedAudiences`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(((await res2.json()) as Record<string, unknown>).allowedAudiences, 'organization');
  });
});
}
