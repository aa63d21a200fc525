// A profile collection is one definition: this file declares a second one, emails (itemEmail, as Graph's profile
// has it; the service does not serve it), and gets all of a collection from it with no other change: its table,
// create, list, get, update, delete, the OData query options and paging, $count, $expand, $metadata and OpenAPI,
// beside phones, on the run's store.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeJwt } from 'jose';
import { edm, type EntityTypeDef } from '../src/graph/edm.ts';
import { graphErrors } from '../src/graph/errors.ts';
import type { ItemFacet } from '../src/model/itemFacet.ts';
import type { ProfileCollection } from '../src/profile/collection.ts';
import { PROFILE_COLLECTIONS } from '../src/profile/collections.ts';
import { itemFacetProperties } from '../src/profile/itemFacet.ts';
import { loadConfig } from '../src/config.ts';
import { createFacetTable } from '../src/store/facetTable.ts';
import { openStore } from '../src/store/open.ts';
import { assertGraphError } from './support/assertions.ts';
import { startTestService, type TestService } from './support/service.ts';

// ---- the definition: everything a collection declares ----

const EMAIL_TYPES = ['unknown', 'work', 'personal', 'main', 'other'] as const;

interface ItemEmail extends ItemFacet {
  address: string;
  displayName: string | null;
  type: string | null;
}

const itemEmailType: EntityTypeDef = {
  name: 'microsoft.graph.itemEmail',
  properties: {
    ...itemFacetProperties,
    address: { type: edm.string(320), nullable: false, settable: true },
    displayName: { type: edm.string(256), nullable: true, settable: true },
    type: { type: { kind: 'enum', name: 'microsoft.graph.emailType', members: EMAIL_TYPES, flags: false }, nullable: true, settable: true },
  },
};

const checkAddress = (address: string | undefined) => {
  if (address !== undefined && !address.includes('@')) throw graphErrors.invalidRequest("The property 'address' must be an email address.");
};

const emails: ProfileCollection<ItemEmail> = {
  segment: 'emails',
  entity: itemEmailType,
  table: {
    name: 'test_emails',
    columns: {
      address: { kind: 'text', column: 'address', required: true },
      displayName: { kind: 'text', column: 'display_name' },
      type: { kind: 'enum', column: 'type', members: EMAIL_TYPES },
    },
    migrations: { '9001_test_emails': (db, dialect) => createFacetTable(db, dialect, emails.table) },
  },
  create(sent) {
    if (sent.address === undefined) throw graphErrors.invalidRequest("The property 'address' is required when creating an itemEmail.");
    checkAddress(sent.address);
    return { address: sent.address, displayName: sent.displayName ?? null, type: sent.type ?? null };
  },
  checkChanges(sent) {
    checkAddress(sent.address);
  },
};

// ---- what the service makes of it ----

const EMAILS = '/beta/me/profile/emails';
let svc: TestService;
let token: string;
let reader: string;
let userId: string;

before(async () => {
  svc = await startTestService([], undefined, undefined, { collections: [...PROFILE_COLLECTIONS, emails] });
  token = await svc.token(['--user', 'two.collections@contoso.com', '--name', 'Two Collections']);
  reader = await svc.token(['--user', 'colleague@contoso.com', '--scopes', 'User.Read.All']);
  userId = decodeJwt(token).oid as string;
});
after(() => svc?.stop());

const post = (body: unknown) => svc.request('POST', EMAILS, { token, body });

test('create answers 201 with the item in the entity type\'s order, an ETag and a Location; the store wrote its own table', async () => {
  const res = await post({ address: 'ada@contoso.com', displayName: 'Work', type: 'work' });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(Object.keys(res.json), ['@odata.context', ...Object.keys(itemEmailType.properties)]);
  assert.equal(res.json['@odata.context'], `${svc.url}/beta/$metadata#users('${userId}')/profile/emails/$entity`);
  assert.equal(res.json.address, 'ada@contoso.com');
  assert.equal(res.json.allowedAudiences, 'organization');
  assert.deepEqual(res.json.createdBy.user, { displayName: 'Two Collections', id: userId });
  assert.equal(res.headers.get('etag'), 'W/"1"');
  assert.equal(res.headers.get('location'), `${svc.url}/beta/users/${userId}/profile/emails/${res.json.id}`);

  const got = await svc.request('GET', `/beta/users/two.collections@contoso.com/profile/emails/${res.json.id}`, { token });
  assert.equal(got.status, 200, got.text);
  assert.deepEqual({ ...got.json, '@odata.context': undefined }, { ...res.json, '@odata.context': undefined });
});

test('its table compares text by bytes on every store, as the service\'s own tables do: B before a', async () => {
  const owner = await svc.token(['--user', 'byte.order@contoso.com']);
  for (const displayName of ['apple', 'Banana', 'Äpfel', 'banana']) {
    assert.equal((await svc.request('POST', EMAILS, { token: owner, body: { address: 'o@contoso.com', displayName } })).status, 201);
  }
  const sorted = await svc.request('GET', `${EMAILS}?$orderby=displayName&$select=displayName`, { token: owner });
  // UTF-8 bytes: B (0x42) < a (0x61) < b (0x62) < Ä (0xC3 0x84); a locale's collation would say apple, Äpfel, banana, Banana.
  assert.deepEqual(sorted.json.value.map((e: ItemEmail) => e.displayName), ['Banana', 'apple', 'banana', 'Äpfel']);
});

test('its rules and its types are enforced: required, enum members, its own check, unknown properties', async () => {
  assertGraphError(await post({ displayName: 'no address' }), 400, 'invalidRequest', "The property 'address' is required when creating an itemEmail.");
  assertGraphError(await post({ address: 'not-an-address' }), 400, 'invalidRequest', /must be an email address/);
  assertGraphError(await post({ address: 'a@b.c', type: 'mobile' }), 400, 'RequestBodyRead', /not a valid enumeration type constant .* 'microsoft\.graph\.emailType'/);
  assertGraphError(await post({ address: 'a@b.c', number: '+1 555' }), 400, 'RequestBodyRead', /'number' does not exist on type 'microsoft\.graph\.itemEmail'/);
});

test('update and delete, with If-Match; a missing item is an itemEmail not found', async () => {
  const created = (await post({ address: 'grace@contoso.com', type: 'personal' })).json;
  const path = `${EMAILS}/${created.id}`;
  const patched = await svc.request('PATCH', path, { token, body: { displayName: 'Home', type: 'main' }, headers: { 'if-match': 'W/"1"' } });
  assert.equal(patched.status, 200, patched.text);
  assert.deepEqual([patched.json.address, patched.json.displayName, patched.json.type], ['grace@contoso.com', 'Home', 'main']);
  assert.equal(patched.headers.get('etag'), 'W/"2"');
  assertGraphError(await svc.request('PATCH', path, { token, body: { address: 'nope' } }), 400, 'invalidRequest');
  assertGraphError(await svc.request('DELETE', path, { token, headers: { 'if-match': 'W/"1"' } }), 412, 'resourceModified');
  assert.equal((await svc.request('DELETE', path, { token })).status, 204);
  assertGraphError(await svc.request('GET', path, { token }), 404, 'itemNotFound', `The itemEmail with id '${created.id}' was not found in this profile.`);
  assertGraphError(await svc.request('PUT', path, { token, body: {} }), 405, 'Request_BadRequest');
});

test('OData options and paging: $filter on its own properties, $orderby by its enum, $select, $top with nextLink, $count', async () => {
  const owner = await svc.token(['--user', 'paging.emails@contoso.com']);
  for (const [i, type] of ['other', 'work', 'personal', 'work', 'main'].entries()) {
    const res = await svc.request('POST', EMAILS, { token: owner, body: { address: `n${i}@contoso.com`, type } });
    assert.equal(res.status, 201, res.text);
  }
  const list = async (query: string) => {
    const res = await svc.request('GET', `${EMAILS}?${query}`, { token: owner });
    assert.equal(res.status, 200, res.text);
    return res.json;
  };
  const work = (await list(`$filter=${encodeURIComponent("type eq 'work'")}&$select=address`)).value;
  assert.deepEqual(work.map((e: ItemEmail) => Object.keys(e)), [['id', 'address'], ['id', 'address']]); // id is always selected
  assert.deepEqual(work.map((e: ItemEmail) => e.address), ['n1@contoso.com', 'n3@contoso.com']);
  assert.deepEqual((await list(`$filter=${encodeURIComponent("startswith(address,'n4')")}`)).value.map((e: ItemEmail) => e.type), ['main']);
  // emailType's declaration order: unknown, work, personal, main, other.
  assert.deepEqual((await list('$orderby=type,address&$select=type')).value.map((e: ItemEmail) => e.type), ['work', 'work', 'personal', 'main', 'other']);

  const first = await list('$top=2&$count=true&$orderby=address desc');
  assert.equal(first['@odata.count'], 5);
  assert.deepEqual(first.value.map((e: ItemEmail) => e.address), ['n4@contoso.com', 'n3@contoso.com']);
  const next = await svc.request('GET', first['@odata.nextLink'].slice(svc.url.length), { token: owner });
  assert.deepEqual(next.json.value.map((e: ItemEmail) => e.address), ['n2@contoso.com', 'n1@contoso.com']);

  const count = await svc.request('GET', `${EMAILS}/$count?$filter=${encodeURIComponent("type eq 'work'")}`, { token: owner });
  assert.equal(count.text, '2');
  assertGraphError(await svc.request('GET', `${EMAILS}?$filter=${encodeURIComponent("number eq '1'")}`, { token: owner }), 400, 'BadRequest', /number/);
});

test('allowedAudiences applies to its items as to phones: a colleague sees only what is shared with the organization', async () => {
  const shared = (await post({ address: 'shared@contoso.com' })).json;
  const own = (await post({ address: 'private@contoso.com', allowedAudiences: 'me' })).json;
  const seen = await svc.request('GET', `/beta/users/${userId}/profile/emails?$top=999`, { token: reader });
  assert.equal(seen.status, 200, seen.text);
  const ids = seen.json.value.map((e: ItemEmail) => e.id);
  assert.ok(ids.includes(shared.id) && !ids.includes(own.id), seen.text);
});

test('$expand brings it inline beside phones; each collection on its own', async () => {
  const owner = await svc.token(['--user', 'expand.emails@contoso.com']);
  const email = (await svc.request('POST', EMAILS, { token: owner, body: { address: 'x@contoso.com' } })).json;
  const phone = (await svc.request('POST', '/beta/me/profile/phones', { token: owner, body: { number: '+1 555 0100' } })).json;
  const both = await svc.request('GET', `/beta/me/profile?$expand=phones,emails($select=address)`, { token: owner });
  assert.equal(both.status, 200, both.text);
  assert.deepEqual(Object.keys(both.json), ['@odata.context', 'id', 'phones@odata.context', 'phones', 'emails@odata.context', 'emails']);
  assert.deepEqual(both.json.phones.map((p: { id: string }) => p.id), [phone.id]);
  assert.deepEqual(both.json.emails, [{ id: email.id, address: email.address }]);
  assert.match(both.json['emails@odata.context'], /\/profile\/emails\(id,address\)$/);
  const one = await svc.request('GET', `/beta/me/profile?$expand=emails`, { token: owner });
  assert.deepEqual(Object.keys(one.json), ['@odata.context', 'id', 'emails@odata.context', 'emails']);
  assertGraphError(await svc.request('GET', '/beta/me/profile?$expand=addresses', { token: owner }), 400, 'BadRequest', /served here are: phones, emails\./);
});

test('$metadata publishes the entity type, its enum and the profile\'s navigation property', async () => {
  const res = await svc.request('GET', '/beta/$metadata');
  assert.equal(res.status, 200);
  assert.match(res.text, /<EntityType Name="itemEmail" BaseType="graph\.itemFacet">/);
  assert.match(res.text, /<Property Name="address" Type="Edm\.String" Nullable="false" \/>/);
  assert.match(res.text, /<EnumType Name="emailType">/);
  assert.match(res.text, /<NavigationProperty Name="emails" Type="Collection\(graph\.itemEmail\)" ContainsTarget="true" \/>/);
  assert.match(res.text, /<NavigationProperty Name="phones" Type="Collection\(graph\.itemPhone\)" ContainsTarget="true" \/>/);
});

test('OpenAPI describes its paths and its type beside phones\'', async () => {
  const doc = (await svc.request('GET', '/beta/openapi.json')).json;
  for (const root of ['/beta/me/profile', '/beta/users/{user-id}/profile']) {
    for (const path of [`${root}/emails`, `${root}/emails/{itemEmail-id}`, `${root}/emails/$count`, `${root}/phones`, `${root}/phones/{itemPhone-id}`]) {
      assert.ok(doc.paths[path], `${path} is missing`);
    }
  }
  assert.equal(doc.paths['/beta/me/profile/emails'].post.operationId, 'me.profile.CreateEmails');
  assert.deepEqual(Object.keys(doc.components.schemas['microsoft.graph.itemEmail'].allOf[1].properties), ['address', 'displayName', 'type']);
  assert.ok(doc.components.schemas['microsoft.graph.itemEmailCollectionResponse']);
});

test('export reads its rows after the users\', and import checks and writes them back (the store opened as the commands open it)', async () => {
  const owner = await svc.token(['--user', 'export.emails@contoso.com']);
  const email = (await svc.request('POST', EMAILS, { token: owner, body: { address: 'kept@contoso.com', type: 'other' } })).json;
  const store = await openStore(loadConfig(['--log-level', 'silent', ...svc.storeArgs]), [...PROFILE_COLLECTIONS, emails].map((c) => c.table));
  try {
    const records = await store.transfer.snapshot(async (view) => {
      const all = [];
      for await (const r of view.rows()) all.push(r);
      return all;
    });
    const tables = [...new Set(records.map((r) => r.table))];
    assert.deepEqual(tables, ['users', 'phones', 'test_emails']);
    const row = records.find((r) => r.table === 'test_emails' && r.row.id === email.id)!.row;
    assert.deepEqual([row.address, row.type, row.display_name], ['kept@contoso.com', 'other', null]);

    const check = await store.transfer.recordChecker();
    assert.throws(() => check({ table: 'test_emails', row: { ...row, address: null } }), /test_emails\.address may not be null/);
    await store.transfer.upsert([check({ table: 'test_emails', row: { ...row, display_name: 'Imported' } })]);
    const read = await svc.request('GET', `${EMAILS}/${email.id}`, { token: owner });
    assert.equal(read.json.displayName, 'Imported');
  } finally {
    await store.close();
  }
});
