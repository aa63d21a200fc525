// allowedAudiences enforced on reads (src/profile/audience.ts): another reader of the owner's organization (a
// colleague with User.Read.All, an application) sees only the phones shared with organization,
// federatedOrganizations or everyone, in lists, counts, single reads, $expand and $batch alike; the owner and an
// administrator who may change the profile see every phone.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeJwt } from 'jose';
import { startTestService, type TestService } from './support/service.ts';

let svc: TestService;
let owner: string;
let ownerId: string;
const ids: Record<string, string> = {};
/** Each phone's number, by its allowedAudiences. */
const SHARED = {
  organization: 'organization',
  everyone: 'everyone',
  federated: 'federatedOrganizations',
  meAndOrg: 'me,organization',
} as const;
const PRIVATE = {
  me: 'me',
  relations: 'family,contacts,groupMembers',
  future: 'unknownFutureValue',
} as const;
const ALL = { ...SHARED, ...PRIVATE };
const visible = Object.keys(SHARED).sort();
const everything = Object.keys(ALL).sort();

before(async () => {
  svc = await startTestService();
  owner = await svc.token(['--user', 'owner@contoso.com']);
  ownerId = decodeJwt(owner).oid as string;
  for (const [name, audiences] of Object.entries(ALL)) {
    const res = await svc.request('POST', '/beta/me/profile/phones', { token: owner, body: { number: name, allowedAudiences: audiences } });
    assert.equal(res.status, 201, res.text);
    ids[name] = res.json.id;
  }
});
after(() => svc.stop());

const numbers = (res: { json: any }) => (res.json.value as { number: string }[]).map((p) => p.number).sort();

/** Everything a reader can learn of the owner's phones, through every read. */
async function whatIsSeen(token: string, path = `/beta/users/${ownerId}`) {
  const list = await svc.request('GET', `${path}/profile/phones?$count=true`, { token });
  assert.equal(list.status, 200, list.text);
  const count = await svc.request('GET', `${path}/profile/phones/$count`, { token });
  assert.equal(count.status, 200, count.text);
  const expand = await svc.request('GET', `${path}/profile?$expand=phones`, { token });
  assert.equal(expand.status, 200, expand.text);
  const single: Record<string, number> = {};
  for (const [name, id] of Object.entries(ids)) single[name] = (await svc.request('GET', `${path}/profile/phones/${id}`, { token })).status;
  // Paged one at a time through @odata.nextLink.
  const paged: string[] = [];
  let next: string | undefined = `${svc.url}${path}/profile/phones?$top=1&$select=number`;
  while (next) {
    const page = await svc.request('GET', next.slice(svc.url.length), { token });
    assert.equal(page.status, 200, page.text);
    paged.push(...numbers(page));
    next = page.json['@odata.nextLink'];
  }
  return {
    list: numbers(list),
    odataCount: list.json['@odata.count'],
    count: Number(count.text),
    expand: (expand.json.phones as { number: string }[]).map((p) => p.number).sort(),
    readable: Object.keys(single).filter((n) => single[n] === 200).sort(),
    notFound: Object.keys(single).filter((n) => single[n] === 404).sort(),
    paged: paged.sort(),
  };
}

const only = (names: string[]) => ({ list: names, odataCount: names.length, count: names.length, expand: names, readable: names, notFound: everything.filter((n) => !names.includes(n)), paged: names });

test('the owner sees every phone, whatever its audience', async () => {
  assert.deepEqual(await whatIsSeen(owner, '/beta/me'), only(everything));
});

test('a colleague with User.Read.All sees only what is shared with the organization; the rest is as absent (404)', async () => {
  const colleague = await svc.token(['--user', 'colleague@contoso.com', '--scopes', 'User.Read.All']);
  assert.deepEqual(await whatIsSeen(colleague), only(visible));
  // By userPrincipalName too.
  const byUpn = await svc.request('GET', '/beta/users/owner@contoso.com/profile/phones', { token: colleague });
  assert.deepEqual(numbers(byUpn), visible);
  // The reader's own $filter narrows what it may see; it never widens it.
  const hasMe = await svc.request('GET', `/beta/users/${ownerId}/profile/phones?$filter=allowedAudiences has 'me'&$count=true`, { token: colleague });
  assert.deepEqual(numbers(hasMe), ['meAndOrg']);
  assert.equal(hasMe.json['@odata.count'], 1);
  const orNot = await svc.request('GET', `/beta/users/${ownerId}/profile/phones?$filter=not (allowedAudiences has 'organization') or number eq 'me'`, { token: colleague });
  assert.deepEqual(numbers(orNot), ['everyone', 'federated']);
  // A single phone that is not shared answers exactly like one that does not exist.
  const hidden = await svc.request('GET', `/beta/users/${ownerId}/profile/phones/${ids.me}`, { token: colleague });
  const missing = await svc.request('GET', `/beta/users/${ownerId}/profile/phones/00000000-0000-0000-0000-000000000000`, { token: colleague });
  assert.equal(hidden.json.error.code, missing.json.error.code);
  assert.equal(hidden.json.error.message.replace(ids.me!, '<id>'), missing.json.error.message.replace('00000000-0000-0000-0000-000000000000', '<id>'));
});

test('an application with User.Read.All sees only what is shared with the organization', async () => {
  const app = await svc.token(['--app-only', '--client', 'Directory Sync', '--roles', 'User.Read.All']);
  assert.deepEqual(await whatIsSeen(app), only(visible));
});

test('an administrator who may change the profile (User.ReadWrite.All, admin role) sees every phone', async () => {
  const admin = await svc.token(['--user', 'admin@contoso.com', '--scopes', 'User.ReadWrite.All', '--admin']);
  assert.deepEqual(await whatIsSeen(admin), only(everything));
  // A reader with the admin role but no right to change profiles is a reader like any other.
  const readingAdmin = await svc.token(['--user', 'reading.admin@contoso.com', '--scopes', 'User.Read.All', '--admin']);
  assert.deepEqual(await whatIsSeen(readingAdmin), only(visible));
});

test('$batch: inner reads are filtered like direct ones', async () => {
  const colleague = await svc.token(['--user', 'colleague@contoso.com', '--scopes', 'User.Read.All']);
  const batch = await svc.request('POST', '/beta/$batch', {
    token: colleague,
    body: {
      requests: [
        { id: '1', method: 'GET', url: `/users/${ownerId}/profile/phones` },
        { id: '2', method: 'GET', url: `/users/${ownerId}/profile/phones/${ids.relations}` },
        { id: '3', method: 'GET', url: `/users/${ownerId}/profile/phones/${ids.everyone}` },
      ],
    },
  });
  assert.equal(batch.status, 200, batch.text);
  const [list, hidden, shared] = batch.json.responses;
  assert.deepEqual((list.body.value as { number: string }[]).map((p) => p.number).sort(), visible);
  assert.equal(hidden.status, 404);
  assert.equal(shared.status, 200);
});

test('sharing a phone with the organization shows it to the colleague; taking it back hides it again', async () => {
  const colleague = await svc.token(['--user', 'colleague@contoso.com', '--scopes', 'User.Read.All']);
  const url = `/beta/users/${ownerId}/profile/phones/${ids.me}`;
  assert.equal((await svc.request('GET', url, { token: colleague })).status, 404);
  assert.equal((await svc.request('PATCH', `/beta/me/profile/phones/${ids.me}`, { token: owner, body: { allowedAudiences: 'organization' } })).status, 200);
  assert.equal((await svc.request('GET', url, { token: colleague })).status, 200);
  assert.equal((await svc.request('PATCH', `/beta/me/profile/phones/${ids.me}`, { token: owner, body: { allowedAudiences: 'me' } })).status, 200);
  assert.equal((await svc.request('GET', url, { token: colleague })).status, 404);
});
