// Concurrent creates on the run's store. On SQLite they are group-committed (src/store/kyselyFacetStore.ts): the
// inserts of one event-loop turn share one transaction and one disk sync. Either way each create is answered only
// once it is committed, and a row that cannot be written fails alone. On SQLite, a database locked by another
// process past busy_timeout answers every waiting create 503 at once, writes none of them, and recovers.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { loadConfig } from '../src/config.ts';
import { newItem } from '../src/profile/collection.ts';
import { PROFILE_TABLES } from '../src/profile/collections.ts';
import { phones as phoneCollection } from '../src/profile/phones/collection.ts';
import type { ItemPhone } from '../src/profile/phones/schema.ts';
import { openStore } from '../src/store/open.ts';
import type { FacetStore, Store } from '../src/store/types.ts';
import { TEST_STORE } from './support/postgres.ts';
import { startTestService, type TestService } from './support/service.ts';
import { rawQuery } from './support/storeAccess.ts';

let svc: TestService;
let store: Store;
let phoneStore: FacetStore<ItemPhone>;
before(async () => {
  svc = await startTestService();
  // A second store on the same database, as another instance (or the service's own) would use it.
  store = await openStore(loadConfig(['--log-level', 'silent', ...svc.storeArgs]), PROFILE_TABLES);
  phoneStore = store.facets(phoneCollection.table);
});

const newPhone = (body: unknown, actor: Parameters<typeof newItem>[2]) => newItem(phoneCollection, body, actor);
after(async () => {
  await store.close();
  await svc.stop();
});

const actor = { application: null, device: null, user: { displayName: 'Writer', id: 'w' } };

test('100 concurrent inserts, one of them a duplicate key: the 100 others are committed (seen by another connection), the duplicate alone fails', async () => {
  const owner = { tenantId: 'group-commit-tenant', userId: 'group-commit-user' };
  const phones = Array.from({ length: 100 }, (_, i) => newPhone({ number: `+1 555 ${String(i).padStart(4, '0')}` }, actor));
  const duplicate = { ...phones[0]!, number: 'duplicate' };
  const results = await Promise.allSettled([...phones.map((p) => phoneStore.insert(owner, p)), phoneStore.insert(owner, duplicate)]);
  assert.deepEqual(results.slice(0, 100).map((r) => r.status), Array(100).fill('fulfilled'));
  assert.equal(results[100]!.status, 'rejected');
  const rows = await rawQuery(svc, `select number from phones where tenant_id = 'group-commit-tenant' and user_id = 'group-commit-user'`);
  assert.deepEqual(rows.map((r) => r.number).sort(), phones.map((p) => p.number).sort());
});

test('creates through the API, 200 at once: every one 201, every one listed, and all there after a restart', async () => {
  const token = await svc.token(['--user', 'many.creates@contoso.com']);
  const created = await Promise.all(
    Array.from({ length: 200 }, (_, i) => svc.request('POST', '/beta/me/profile/phones', { token, body: { number: `+44 20 7946 ${String(i).padStart(4, '0')}` } })),
  );
  assert.deepEqual([...new Set(created.map((r) => r.status))], [201]);
  const ids = created.map((r) => r.json.id as string).sort();
  assert.equal(new Set(ids).size, 200);
  await svc.restart();
  const listed = await svc.request('GET', '/beta/me/profile/phones?$top=999&$select=id', { token });
  assert.deepEqual(listed.json.value.map((p: { id: string }) => p.id).sort(), ids);
});

if (TEST_STORE === 'sqlite') {
  test('SQLite locked by another process past busy_timeout: a batch of creates fails at once, as unavailable, writing none; the API answers 503 with Retry-After; then creates work again', async () => {
    const owner = { tenantId: 'group-commit-tenant', userId: 'locked-out' };
    // Minting the token and the first request write the user to the directory: done before the lock.
    const token = await svc.token(['--user', 'locked.out@contoso.com']);
    assert.equal((await svc.request('GET', '/beta/me/profile/phones', { token })).status, 200);
    const other = new BetterSqlite3(join(svc.dataDir, 'graph.sqlite'));
    other.exec('begin immediate'); // holds the write lock, as another process's long write would
    let results: PromiseSettledResult<void>[];
    let waited: number;
    let api;
    try {
      const started = Date.now();
      // Three inserts in one turn of the event loop: one batch, so one busy_timeout (5 s), not one per insert.
      results = await Promise.allSettled([1, 2, 3].map((n) => phoneStore.insert(owner, newPhone({ number: `locked ${n}` }, actor))));
      waited = Date.now() - started;
      api = await svc.request('POST', '/beta/me/profile/phones', { token, body: { number: 'locked api' } });
    } finally {
      other.exec('rollback');
      other.close();
    }
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'rejected']);
    assert.ok(results.every((r) => r.status === 'rejected' && store.isUnavailable(r.reason)), String((results[0] as PromiseRejectedResult).reason));
    assert.ok(waited < 9000, `the batch failed after ${waited} ms`);
    assert.deepEqual(await rawQuery(svc, `select id from phones where user_id = 'locked-out'`), []);
    assert.equal(api.status, 503, api.text);
    assert.equal(api.json.error.code, 'serviceNotAvailable');
    assert.match(api.headers.get('retry-after') ?? '', /^\d+$/);

    await phoneStore.insert(owner, newPhone({ number: 'unlocked' }, actor));
    assert.deepEqual(await rawQuery(svc, `select number from phones where user_id = 'locked-out'`), [{ number: 'unlocked' }]);
  });
}
