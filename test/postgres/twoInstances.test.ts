// Two instances of the service on one PostgreSQL database, as behind a load balancer: they start at once
// against an empty database and migrate it exactly once; what one writes the other reads, changes and
// deletes; concurrent creates and updates through both lose nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadOrCreateDevKey } from '../../src/identity/devIssuer.ts';
import { PROFILE_TABLES } from '../../src/profile/collections.ts';
import { serviceMigrations } from '../../src/store/migrations.ts';
import { postgresDialect } from '../../src/store/postgres.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { unseenUserToken } from '../support/tokens.ts';

let db: TestDatabase;
let a: TestService;
let b: TestService;
let dataDir: string;
let token: string;

before(async () => {
  db = await createTestDatabase();
  // Both instances must trust the same token issuer: one DATA_DIR (its key made before either starts).
  dataDir = mkdtempSync(join(tmpdir(), 'phones-two-'));
  await loadOrCreateDevKey(dataDir);
});
after(async () => {
  await Promise.allSettled([a?.stop(), b?.stop()]);
  rmSync(dataDir, { recursive: true, force: true });
  await db.drop();
});

test('both start at once against an empty database; each migration is applied exactly once', { timeout: 60_000 }, async () => {
  assert.deepEqual(await db.query(`select table_name from information_schema.tables where table_schema = 'public'`), []);
  [a, b] = await Promise.all([
    startTestService(['--database-url', db.url], dataDir),
    startTestService(['--database-url', db.url], dataDir),
  ]);
  const applied = await db.query<{ name: string; n: string }>('select name, count(*) as n from kysely_migration group by name order by name');
  assert.deepEqual(
    applied.map((r) => [r.name, Number(r.n)]),
    Object.keys(serviceMigrations(postgresDialect, PROFILE_TABLES)).map((name) => [name, 1]),
  );
  // Byte order for every text column, whatever the database's collation (this one's is ICU en-US).
  const notC = await db.query(
    `select table_name, column_name, collation_name from information_schema.columns
     where table_schema = 'public' and table_name in ('users', 'phones') and data_type = 'text' and collation_name is distinct from 'C'`,
  );
  assert.deepEqual(notC, []);
  for (const svc of [a, b]) assert.equal((await svc.request('GET', '/health')).status, 200);
  token = await a.token(['--user', 'shared@contoso.com']);
});

test('a phone created through one instance is read, changed and deleted through the other', { timeout: 60_000 }, async () => {
  const created = await a.request('POST', '/beta/me/profile/phones', { token, body: { number: '+1 425 555 0100', displayName: 'Desk' } });
  assert.equal(created.status, 201, created.text);
  const path = `/beta/me/profile/phones/${created.json.id}`;

  const readB = await b.request('GET', path, { token });
  assert.equal(readB.status, 200, readB.text);
  const strip = ({ '@odata.context': _c, ...rest }: Record<string, unknown>) => rest;
  assert.deepEqual(strip(readB.json), strip(created.json));

  const changedB = await b.request('PATCH', path, { token, body: { type: 'business' } });
  assert.equal(changedB.status, 200, changedB.text);
  const readA = await a.request('GET', path, { token });
  assert.equal(readA.json.type, 'business');
  assert.equal(readA.json.lastModifiedDateTime, changedB.json.lastModifiedDateTime);

  assert.equal((await b.request('DELETE', path, { token })).status, 204);
  assert.equal((await a.request('GET', path, { token })).status, 404);
  assert.equal((await a.request('DELETE', path, { token })).status, 404);
});

test('concurrent creates and updates through both instances lose nothing', { timeout: 60_000 }, async () => {
  // Users neither instance has seen yet: their first requests race to add them to the directory.
  const users = await Promise.all(['race.one@contoso.com', 'race.two@contoso.com'].map((upn) => unseenUserToken(dataDir, upn)));
  const PER_USER = 30;
  const creates = users.flatMap((t) =>
    Array.from({ length: PER_USER }, (_, i) =>
      (i % 2 ? a : b).request('POST', '/beta/me/profile/phones', { token: t, body: { number: `+1 555 ${String(i).padStart(4, '0')}` } }),
    ),
  );
  const results = await Promise.all(creates);
  for (const r of results) assert.equal(r.status, 201, r.text);

  for (const [u, t] of users.entries()) {
    const expected = results.slice(u * PER_USER, (u + 1) * PER_USER).map((r) => r.json.id).sort();
    // Page by page, each @odata.nextLink followed on the other instance than the one that made it.
    for (const order of [[a, b], [b, a]]) {
      const listed = await listAll(order, t);
      assert.deepEqual(listed.map((p) => p.id).sort(), expected, 'every phone created is listed');
    }
  }

  // Each phone gets two PATCHes at once, one through each instance, of different properties: both stay.
  const [t1] = users;
  const mine = results.slice(0, PER_USER).map((r) => r.json.id as string);
  const patches = mine.flatMap((id, i) => [
    a.request('PATCH', `/beta/me/profile/phones/${id}`, { token: t1, body: { displayName: `name ${i}` } }),
    b.request('PATCH', `/beta/me/profile/phones/${id}`, { token: t1, body: { type: 'mobile', isSearchable: true } }),
  ]);
  for (const r of await Promise.all(patches)) assert.equal(r.status, 200, r.text);
  for (const p of await listAll([b], t1!)) {
    const i = mine.indexOf(p.id);
    assert.deepEqual([p.displayName, p.type, p.isSearchable], [`name ${i}`, 'mobile', true], `phone ${i} kept both changes`);
  }
  const counted = await db.query<{ n: string }>('select count(*) as n from users where upn_key like $1', ['race.%']);
  assert.equal(Number(counted[0]!.n), 2, 'each racing user is in the directory once');
});

test('20 new users whose first requests arrive at once through both instances: no 5xx, each in the directory once', { timeout: 120_000 }, async () => {
  // Each round: users neither instance has seen, each sending its first two requests at the same moment, one
  // to each instance, so both add the same user to the directory at once.
  for (let round = 0; round < 10; round++) {
    const upns = Array.from({ length: 20 }, (_, i) => `first.${round}.${i}@contoso.com`);
    const tokens = await Promise.all(upns.map((upn) => unseenUserToken(dataDir, upn)));
    const answers = await Promise.all(
      tokens.flatMap((t, i) => [
        a.request('POST', '/beta/me/profile/phones', { token: t, body: { number: `+1 555 ${i}` } }),
        b.request(i % 2 ? 'GET' : 'POST', '/beta/me/profile/phones', { token: t, ...(i % 2 ? {} : { body: { number: `+1 556 ${i}` } }) }),
      ]),
    );
    for (const r of answers) assert.ok(r.status === 200 || r.status === 201, `round ${round}: ${r.status} ${r.text}`);
    const counted = await db.query<{ n: string }>('select count(*) as n from users where upn_key like $1', [`first.${round}.%`]);
    assert.equal(Number(counted[0]!.n), 20, `round ${round}: each user is in the directory once`);
  }
});

/** Every phone of the token's user, following @odata.nextLink from page to page, taking the instances in turn. */
async function listAll(instances: TestService[], token: string): Promise<any[]> {
  const all: any[] = [];
  let path: string | undefined = '/beta/me/profile/phones';
  for (let i = 0; path; i++) {
    const svc = instances[i % instances.length]!;
    const page = await svc.request('GET', path, { token });
    assert.equal(page.status, 200, page.text);
    all.push(...page.json.value);
    const next: string | undefined = page.json['@odata.nextLink'];
    if (next) assert.ok(next.startsWith(svc.url), next);
    path = next?.slice(svc.url.length);
  }
  return all;
}
