// Throttling across instances: two services on one PostgreSQL database count a caller's requests together, so
// RATE_LIMIT holds for the caller whichever instance the load balancer picks; other callers are counted apart;
// ended windows are swept from the table.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadOrCreateDevKey } from '../../src/identity/devIssuer.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { windowWithTimeLeft } from '../support/rateLimit.ts';
import { startTestService, type TestService } from '../support/service.ts';

let db: TestDatabase;
let dataDir: string;
const services: TestService[] = [];

before(async () => {
  db = await createTestDatabase();
  // Both instances trust the same development issuer: one DATA_DIR, its key made before either starts.
  dataDir = mkdtempSync(join(tmpdir(), 'phones-throttle-'));
  await loadOrCreateDevKey(dataDir);
});
after(async () => {
  await Promise.allSettled(services.map((s) => s.stop()));
  rmSync(dataDir, { recursive: true, force: true });
  await db.drop();
});

const start = async (window: number) => {
  const svc = await startTestService(['--database-url', db.url, '--rate-limit', '3', '--rate-limit-window-seconds', String(window)], dataDir);
  services.push(svc);
  return svc;
};

test('RATE_LIMIT=3 across two instances: the fourth request of a caller is 429 on whichever instance gets it', async () => {
  const [a, b] = await Promise.all([start(60), start(60)]);
  const token = await a.token(['--user', 'busy.everywhere@contoso.com']);
  const other = await a.token(['--user', 'someone.else@contoso.com']);
  await windowWithTimeLeft(a.url, 10);
  const statuses = [];
  for (const svc of [a, b, a]) statuses.push((await svc.request('GET', '/beta/me/profile/phones', { token })).status);
  assert.deepEqual(statuses, [200, 200, 200]);
  const fourth = await b.request('GET', '/beta/me/profile/phones', { token });
  assert.equal(fourth.status, 429, fourth.text);
  assert.equal(fourth.json.error.code, 'TooManyRequests');
  const retryAfter = Number(fourth.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  assert.equal((await a.request('GET', '/beta/me/profile/phones', { token })).status, 429);
  // Another caller has its own count.
  assert.equal((await b.request('GET', '/beta/me/profile/phones', { token: other })).status, 200);
  // Callers are stored as hashes, not as their tokens.
  const keys = await db.query<{ key: string }>('select key from rate_limit_hits');
  assert.ok(keys.length >= 2 && keys.every((k) => /^[A-Za-z0-9_-]{43}$/.test(k.key)), JSON.stringify(keys));
});

test('windows that ended are swept: the table keeps about one row per caller active in the last window', async () => {
  const c = await start(1);
  const tokens = await Promise.all([1, 2, 3, 4, 5].map((n) => c.token(['--user', `sweep.${n}@contoso.com`])));
  for (const t of tokens) assert.equal((await c.request('GET', '/beta/me/profile/phones', { token: t })).status, 200);
  const [{ n: before }] = await db.query<{ n: string }>('select count(*) as n from rate_limit_hits where expires_at_ms - window_start_ms = 1000');
  assert.ok(Number(before) >= 5, `rows before: ${before}`);
  await new Promise((r) => setTimeout(r, 2100));
  assert.equal((await c.request('GET', '/beta/me/profile/phones', { token: tokens[0] })).status, 200);
  const [{ n: afterSweep }] = await db.query<{ n: string }>('select count(*) as n from rate_limit_hits where expires_at_ms - window_start_ms = 1000');
  assert.equal(Number(afterSweep), 1);
});

test('RATE_LIMIT_SCOPE=instance: each instance counts on its own, in memory', async () => {
  const [a, b] = await Promise.all(
    [0, 1].map(async () => {
      const svc = await startTestService(['--database-url', db.url, '--rate-limit', '2', '--rate-limit-window-seconds', '60', '--rate-limit-scope', 'instance'], dataDir);
      services.push(svc);
      return svc;
    }),
  );
  const token = await a.token(['--user', 'counted.apart@contoso.com']);
  const statuses = [];
  for (const svc of [a, a, b, b, a]) statuses.push((await svc.request('GET', '/beta/me/profile/phones', { token })).status);
  assert.deepEqual(statuses, [200, 200, 200, 200, 429]);
  const keys = await db.query('select key from rate_limit_hits where expires_at_ms - window_start_ms = 60000');
  const before = keys.length;
  assert.equal((await b.request('GET', '/beta/me/profile/phones', { token })).status, 429);
  assert.equal((await db.query('select key from rate_limit_hits where expires_at_ms - window_start_ms = 60000')).length, before, 'nothing counted in the database');
});
