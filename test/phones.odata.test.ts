// OData query options on the phones collection, end to end: $select, $filter, $orderby, $top, $skip,
// $count, paging through @odata.nextLink, and the profile entity with $expand=phones.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { assertGraphError } from './support/assertions.ts';
import { startTestService, type TestService } from './support/service.ts';

let svc: TestService;
let token: string;
let userId: string;
const ME = '/beta/me/profile/phones';
/** name -> id of the fixture phones. */
const ids: Record<string, string> = {};

const fixtures: Record<string, Record<string, unknown>> = {
  car: { number: '+7 499 342 22 13', displayName: 'Car Phone', type: 'mobile', allowedAudiences: 'me,family' },
  home: { number: '+1 425 555 0100', displayName: 'Home', type: 'home', isSearchable: true, source: { type: ['User', 'LinkedIn'] } },
  work: { number: '+1 425 555 0199', displayName: "Bob's desk", type: 'business', allowedAudiences: 'organization', inference: { confidenceScore: 0.9, userHasVerifiedAccuracy: true } },
  fax: { number: '+44 20 7946 0000', type: 'businessFax', isSearchable: false, inference: { confidenceScore: 0.2, userHasVerifiedAccuracy: null }, source: { type: null } },
  bare: { number: '555' },
};

async function get(path: string, t = token) {
  return svc.request('GET', path, { token: t });
}
async function idsOf(path: string): Promise<string[]> {
  const res = await get(path);
  assert.equal(res.status, 200, `${path}: ${res.text}`);
  return res.json.value.map((p: { id: string }) => p.id);
}
const names = (list: string[]) => list.map((id) => Object.keys(ids).find((k) => ids[k] === id));
const filter = (f: string) => `${ME}?$filter=${encodeURIComponent(f)}`;

before(async () => {
  svc = await startTestService();
  token = await svc.token(['--user', 'odata.user@contoso.com', '--scopes', 'User.ReadWrite User.Read.All']);
  userId = decodeJwt(token).oid as string;
  for (const [name, body] of Object.entries(fixtures)) {
    const res = await svc.request('POST', ME, { token, body });
    assert.equal(res.status, 201, res.text);
    ids[name] = res.json.id;
    await new Promise((r) => setTimeout(r, 3)); // distinct createdDateTime
  }
});
after(() => svc.stop());

describe('$select', () => {
  test('on list: only the selected properties plus id, and the context names them', async () => {
    const res = await get(`${ME}?$select=number,type`);
    assert.equal(res.status, 200);
    assert.equal(res.json['@odata.context'], `${svc.url}/beta/$metadata#users('${userId}')/profile/phones(id,type,number)`);
    for (const p of res.json.value) assert.deepEqual(Object.keys(p), ['id', 'type', 'number']);
  });

  test('on get: only the selected properties plus id', async () => {
    const res = await get(`${ME}/${ids.car}?$select=displayName`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, {
      '@odata.context': `${svc.url}/beta/$metadata#users('${userId}')/profile/phones(id,displayName)/$entity`,
      id: ids.car,
      displayName: 'Car Phone',
    });
  });

  test('an unknown property is 400', async () => {
    assertGraphError(await get(`${ME}?$select=number,nope`), 400, 'BadRequest', /nope/);
    assertGraphError(await get(`${ME}/${ids.car}?$select=nope`), 400, 'BadRequest', /nope/);
  });
});

describe('$filter', () => {
  const cases: [string, string[]][] = [
    ["type eq 'mobile'", ['car']],
    ["type ne 'mobile'", ['home', 'work', 'fax', 'bare']],
    ["type eq null", ['bare']],
    ["type in ('home', 'business')", ['home', 'work']],
    ["startswith(number, '+1')", ['home', 'work']],
    ["endswith(number, '0000')", ['fax']],
    ["contains(displayName, 'desk')", ['work']],
    ["contains(displayName, 'Desk')", []],
    ["displayName eq 'Bob''s desk'", ['work']],
    ["displayName eq null", ['fax', 'bare']],
    ["displayName ne null and type ne 'home'", ['car', 'work']],
    ["not (displayName eq 'Home')", ['car', 'work', 'fax', 'bare']],
    ["isSearchable eq true", ['home']],
    ["isSearchable", ['home']],
    ["isSearchable ne true", ['car', 'work', 'fax', 'bare']],
    ["inference/confidenceScore gt 0.5", ['work']],
    ["inference/confidenceScore le 0.9", ['work', 'fax']],
    ["0.5 lt inference/confidenceScore", ['work']],
    ["inference eq null", ['car', 'home', 'bare']],
    ["inference/userHasVerifiedAccuracy eq null", ['car', 'home', 'fax', 'bare']],
    ["source ne null", ['home', 'fax']],
    ["source eq null", ['car', 'work', 'bare']],
    ["not (source eq null) and isSearchable", ['home']],
    ["allowedAudiences has 'family'", ['car']],
    ["allowedAudiences has 'organization'", ['home', 'work', 'fax', 'bare']],
    ["allowedAudiences eq 'family,me'", ['car']],
    ["type eq 'mobile' or type eq 'home' and isSearchable eq true", ['car', 'home']],
    ["(type eq 'mobile' or type eq 'home') and isSearchable eq true", ['home']],
    ["createdDateTime ge 2000-01-01T00:00:00Z", ['car', 'home', 'work', 'fax', 'bare']],
    ["createdDateTime lt 2000-01-01T00:00:00+02:00", []],
    ["createdBy/user/displayName eq 'Odata User'", ['car', 'home', 'work', 'fax', 'bare']],
    ["createdBy/application eq null", ['car', 'home', 'work', 'fax', 'bare']],
    ["type eq microsoft.graph.phoneType'home'", ['home']],
  ];
  for (const [expr, expected] of cases) {
    test(expr, async () => {
      assert.deepEqual(names(await idsOf(filter(expr))), expected);
    });
  }

  test('the id of one phone', async () => {
    assert.deepEqual(await idsOf(filter(`id eq '${ids.fax}'`)), [ids.fax]);
  });

  const bad: [string, RegExp][] = [
    ["type eq", /position/],
    ["type eq 'Mobile'", /Mobile/],
    ["nope eq 1", /nope/],
    ["number eq 5", /number/],
    ["type gt 'home'", /type/],
    ["(type eq 'home'", /position/],
    ["tolower(number) eq 'x'", /tolower/],
    ["number add 1 eq 2", /add|position/],
    ["allowedAudiences has 'friends'", /friends/],
  ];
  // source/type is a collection: it cannot be compared, and lambda operators (any, all) are not supported.
  const collection =
    "The property 'source/type' is of type 'Collection(Edm.String)', a collection, which cannot be compared (position 1 in $filter). Lambda operators (any, all), which test the items of a collection, are not supported.";
  const refusedOnCollection: [string, string][] = [
    ["source/type eq 'User'", collection],
    ["source/type in ('User')", collection],
    ['source/type eq null', collection],
    ["source/type/any(t: t eq 'User')", "The lambda operator 'any' is not supported (position 13 in $filter)."],
    ["source/type/all(t: t ne 'User')", "The lambda operator 'all' is not supported (position 13 in $filter)."],
    ["source/any(t: t/type eq 'User')", "The lambda operator 'any' is not supported (position 8 in $filter)."],
  ];
  for (const [expr, message] of refusedOnCollection) {
    test(`refused: ${expr}`, async () => {
      assertGraphError(await get(filter(expr)), 400, 'BadRequest', message);
      assertGraphError(await get(`${ME}/$count?$filter=${encodeURIComponent(expr)}`), 400, 'BadRequest', message);
    });
  }
  for (const [expr, message] of bad) {
    test(`refused: ${expr}`, async () => {
      assertGraphError(await get(filter(expr)), 400, 'BadRequest', message);
    });
  }
});

describe('$orderby, $top, $skip, $count', () => {
  test('default order is createdDateTime, then id', async () => {
    assert.deepEqual(names(await idsOf(ME)), ['car', 'home', 'work', 'fax', 'bare']);
  });

  test('several keys, asc and desc; nulls first ascending, last descending', async () => {
    // Ties (the two without a displayName) are broken by the second key.
    assert.deepEqual(names(await idsOf(`${ME}?$orderby=displayName,createdDateTime`)), ['fax', 'bare', 'work', 'car', 'home']);
    assert.deepEqual(names(await idsOf(`${ME}?$orderby=displayName desc,createdDateTime`)), ['home', 'car', 'work', 'fax', 'bare']);
    // true, false, then the three nulls by number ('+1...' < '+7...' < '555' byte-wise).
    assert.deepEqual(names(await idsOf(`${ME}?$orderby=isSearchable desc,number asc`)), ['home', 'fax', 'work', 'car', 'bare']);
  });

  test('$top and $skip', async () => {
    assert.deepEqual(names(await idsOf(`${ME}?$top=2`)), ['car', 'home']);
    assert.deepEqual(names(await idsOf(`${ME}?$top=2&$skip=2`)), ['work', 'fax']);
    assert.deepEqual(names(await idsOf(`${ME}?$skip=4`)), ['bare']);
    const zero = await get(`${ME}?$top=0&$count=true`);
    assert.deepEqual(zero.json.value, []);
    assert.equal(zero.json['@odata.count'], 5);
    assert.equal(zero.json['@odata.nextLink'], undefined);
  });

  test('$count=true adds @odata.count (of all matches, not the page)', async () => {
    const res = await get(`${ME}?$count=true&$top=1&$filter=${encodeURIComponent("type ne null")}`);
    assert.deepEqual(Object.keys(res.json), ['@odata.context', '@odata.count', '@odata.nextLink', 'value']);
    assert.equal(res.json['@odata.count'], 4);
    assert.equal(res.json.value.length, 1);
  });

  test('GET .../phones/$count answers the number as text/plain, with $filter', async () => {
    const all = await get(`${ME}/$count`);
    assert.equal(all.status, 200);
    assert.match(all.headers.get('content-type')!, /^text\/plain/);
    assert.equal(all.text, '5');
    assert.equal((await get(`${ME}/$count?$filter=${encodeURIComponent("type eq 'home'")}`)).text, '1');
    assert.equal((await get(`/beta/users/${userId}/profile/phones/$count`)).text, '5');
  });

  test('$orderby=source/type (a collection) is 400, saying why', async () => {
    assertGraphError(
      await get(`${ME}?$orderby=source/type`),
      400,
      'BadRequest',
      "The property 'source/type' is of type 'Collection(Edm.String)', a collection, which cannot be ordered by (position 1 in $orderby). Lambda operators (any, all), which test the items of a collection, are not supported.",
    );
    assertGraphError(await get(`${ME}?$orderby=${encodeURIComponent('number,source/type desc')}`), 400, 'BadRequest', /'source\/type'.*a collection, which cannot be ordered by \(position 8 in \$orderby\)/);
  });

  test('$select=source answers the collection as stored', async () => {
    const res = await get(`${ME}?$select=source`);
    assert.equal(res.status, 200, res.text);
    const byName = Object.fromEntries(res.json.value.map((p: { id: string; source: unknown }) => [names([p.id])[0], p]));
    assert.deepEqual(byName.home, { id: ids.home, source: { type: ['User', 'LinkedIn'] } });
    assert.deepEqual(byName.fax, { id: ids.fax, source: { type: null } });
    assert.deepEqual(byName.car, { id: ids.car, source: null });
  });

  test('bad values are 400', async () => {
    for (const q of ['$top=-1', '$top=abc', '$top=1000', '$skip=x', '$count=yes', '$orderby=nope', '$orderby=inference', '$orderby=allowedAudiences', '$top=1&$top=2']) {
      assertGraphError(await get(`${ME}?${q}`), 400, 'BadRequest');
    }
  });

  test('option names work percent-encoded and in any case; unsupported options are 400, not ignored', async () => {
    assert.equal((await idsOf(`${ME}?%24top=1`)).length, 1);
    assert.equal((await idsOf(`${ME}?$TOP=1`)).length, 1);
    for (const q of ['$search=car', '$expand=foo', '$format=json', '$apply=x']) {
      assertGraphError(await get(`${ME}?${q}`), 400, 'BadRequest', /not supported/);
    }
    assertGraphError(await get(`${ME}/${ids.car}?$top=1`), 400, 'BadRequest', /not supported/);
    assertGraphError(await svc.request('POST', `${ME}?$select=id`, { token, body: { number: '1' } }), 400, 'BadRequest');
  });
});

describe('paging', () => {
  test('the default page is 10, with an absolute @odata.nextLink that continues where it stopped', async () => {
    const t = await svc.token(['--user', 'pager@contoso.com']);
    const created: string[] = [];
    for (let i = 0; i < 23; i++) created.push((await svc.request('POST', ME, { token: t, body: { number: String(i) } })).json.id);
    const seen: string[] = [];
    let next: string | undefined = `${svc.url}${ME}`;
    let pages = 0;
    while (next) {
      const res = await fetch(next, { headers: { authorization: `Bearer ${t}` } });
      const json = (await res.json()) as { value: { id: string }[]; '@odata.nextLink'?: string };
      assert.ok(json.value.length <= 10);
      seen.push(...json.value.map((p) => p.id));
      next = json['@odata.nextLink'];
      if (next) assert.ok(next.startsWith(`${svc.url}${ME}?`) && next.includes('$skiptoken='), next);
      pages++;
    }
    assert.equal(pages, 3);
    assert.deepEqual(seen, created);
  });

  test('nextLink keeps $filter, $orderby, $select, $top and $count', async () => {
    const res = await get(`${ME}?$top=1&$orderby=number desc&$select=number&$count=true&$filter=${encodeURIComponent("type ne null")}`);
    const next = new URL(res.json['@odata.nextLink']);
    assert.equal(next.searchParams.get('$top'), '1');
    assert.equal(next.searchParams.get('$orderby'), 'number desc');
    assert.equal(next.searchParams.get('$select'), 'number');
    assert.equal(next.searchParams.get('$filter'), 'type ne null');
    const second = await fetch(next, { headers: { authorization: `Bearer ${token}` } });
    const json = (await second.json()) as { value: { number: string }[]; '@odata.count': number };
    assert.equal(json['@odata.count'], 4);
    assert.deepEqual(Object.keys(json.value[0]!), ['id', 'number']);
  });

  test('a tampered $skiptoken, or one used by someone else or with another query, is 400', async () => {
    const res = await get(`${ME}?$top=2`);
    const next = new URL(res.json['@odata.nextLink']);
    const tokenValue = next.searchParams.get('$skiptoken')!;
    const [payload, mac] = tokenValue.split('.');
    const forged = `${Buffer.from(JSON.stringify(['1999-01-01T00:00:00.0000000Z', 'x'])).toString('base64url')}.${mac}`;
    for (const t of [forged, `${payload}.AAAA`, 'garbage', '']) {
      assertGraphError(await get(`${ME}?$top=2&$skiptoken=${encodeURIComponent(t)}`), 400, 'BadRequest', /skiptoken/);
    }
    const other = await svc.token(['--user', 'someone.else@contoso.com']);
    assertGraphError(await get(`${ME}?$top=2&$skiptoken=${tokenValue}`, other), 400, 'BadRequest', /skiptoken/);
    assertGraphError(await get(`/beta/users/${userId}/profile/phones?$top=2&$skiptoken=${tokenValue}`, other), 403, 'Authorization_RequestDenied');
    assertGraphError(await get(`${ME}?$top=2&$orderby=number&$skiptoken=${tokenValue}`), 400, 'BadRequest', /skiptoken/);
    assertGraphError(await get(`${ME}?$top=2&$skip=1&$skiptoken=${tokenValue}`), 400, 'BadRequest', /skip/);
  });

  test('PUBLIC_URL is used for nextLink, Location and @odata.context', async () => {
    const behindProxy = await startTestService(['--public-url', 'https://graph.example.com/']);
    try {
      const t = await behindProxy.token(['--user', 'proxied@contoso.com']);
      const created = await behindProxy.request('POST', ME, { token: t, body: { number: '1' } });
      assert.ok(created.headers.get('location')!.startsWith('https://graph.example.com/beta/users/'));
      await behindProxy.request('POST', ME, { token: t, body: { number: '2' } });
      const list = await behindProxy.request('GET', `${ME}?$top=1`, { token: t });
      assert.ok(list.json['@odata.context'].startsWith('https://graph.example.com/beta/$metadata#users('));
      assert.ok(list.json['@odata.nextLink'].startsWith(`https://graph.example.com${ME}?$top=1&$skiptoken=`));
    } finally {
      await behindProxy.stop();
    }
  });

  test('1,000 phones with $top=7: each exactly once, also while another client creates and deletes', async () => {
    const t = await svc.token(['--user', 'thousand@contoso.com']);
    const existing: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const res = await svc.request('POST', ME, { token: t, body: { number: `+1 555 ${String(i).padStart(4, '0')}` } });
      existing.push(res.json.id);
    }
    const churn: string[] = [];
    let stop = false;
    const churner = (async () => {
      for (let i = 0; !stop && i < 2000; i++) {
        const res = await svc.request('POST', ME, { token: t, body: { number: `churn ${i}` } });
        churn.push(res.json.id);
        if (churn.length > 3) await svc.request('DELETE', `${ME}/${churn.shift()}`, { token: t });
      }
    })();
    const seen: string[] = [];
    let next: string | undefined = `${svc.url}${ME}?$top=7&$orderby=number`;
    while (next) {
      const res = await fetch(next, { headers: { authorization: `Bearer ${t}` } });
      assert.equal(res.status, 200);
      const json = (await res.json()) as { value: { id: string }[]; '@odata.nextLink'?: string };
      assert.ok(json.value.length <= 7);
      seen.push(...json.value.map((p) => p.id));
      next = json['@odata.nextLink'];
    }
    stop = true;
    await churner;
    const existingSet = new Set(existing);
    const seenExisting = seen.filter((id) => existingSet.has(id));
    assert.equal(new Set(seen).size, seen.length, 'a row was served twice');
    assert.equal(seenExisting.length, 1000, 'a row that existed throughout was skipped');
  });
});

describe('the profile entity', () => {
  test('GET /me/profile answers the profile; $expand=phones brings the phones inline', async () => {
    const plain = await get('/beta/me/profile');
    assert.equal(plain.status, 200);
    assert.deepEqual(plain.json, { '@odata.context': `${svc.url}/beta/$metadata#users('${userId}')/profile/$entity`, id: userId });
    const expanded = await get('/beta/me/profile?$expand=phones');
    assert.deepEqual(Object.keys(expanded.json), ['@odata.context', 'id', 'phones@odata.context', 'phones']);
    assert.equal(expanded.json['phones@odata.context'], `${svc.url}/beta/$metadata#users('${userId}')/profile/phones`);
    assert.deepEqual(expanded.json.phones.map((p: { id: string }) => p.id), Object.values(ids));
  });

  test('$expand=phones($select=number) and /users/{id}/profile', async () => {
    const res = await get(`/beta/users/${userId}/profile?$expand=phones($select=number)`);
    assert.equal(res.status, 200);
    for (const p of res.json.phones) assert.deepEqual(Object.keys(p), ['id', 'number']);
  });

  test('unsupported expansions and options are 400; other methods 405', async () => {
    assertGraphError(await get('/beta/me/profile?$expand=emails'), 400, 'BadRequest', /phones/);
    assertGraphError(await get('/beta/me/profile?$expand=phones($top=1)'), 400, 'BadRequest');
    assertGraphError(await get('/beta/me/profile?$filter=id eq 1'), 400, 'BadRequest');
    assertGraphError(await svc.request('DELETE', '/beta/me/profile', { token }), 405, 'Request_BadRequest');
  });
});

test("in a query string '+' is a space, as on Graph: a literal plus is written %2B", async () => {
  const t = await svc.token(['--user', 'plus.sign@contoso.com']);
  const created = await svc.request('POST', ME, { token: t, body: { number: '+1 425 555 0100' } });
  assert.equal(created.status, 201);
  const encoded = await get(`${ME}?$filter=number eq '%2B1 425 555 0100'`, t);
  assert.deepEqual(encoded.json.value.map((p: { id: string }) => p.id), [created.json.id]);
  const raw = await get(`${ME}?$filter=number eq '+1 425 555 0100'`, t);
  assert.equal(raw.status, 200);
  assert.deepEqual(raw.json.value, [], "'+1 425...' reads as ' 1 425...'");
  const spaced = await get(`${ME}?$filter=number eq ' 1 425 555 0100'`, t);
  assert.deepEqual(spaced.json.value, []);
});
