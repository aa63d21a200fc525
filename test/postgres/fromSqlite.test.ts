// Moving from SQLite to PostgreSQL, as docs/deployment.md tells it: export from a SQLite service, import
// into a PostgreSQL one, and the same API answers identically (apart from the host in the links and the
// per-database signature of a $skiptoken); the PostgreSQL export is byte for byte the SQLite one. Rows are
// ordered by bytes on both, although this test database's own collation is ICU en-US.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { answers, exported, npmRun } from '../support/transfer.ts';

const work = mkdtempSync(join(tmpdir(), 'phones-move-'));
let sqlite: TestService;
let postgres: TestService;
let db: TestDatabase;
const tokens: string[] = [];
/** Phone ids whose order differs between byte order and a locale's. */
const CRAFTED_IDS = ['ab', 'Ä', 'a', '_', 'B', 'a-b'];

before(async () => {
  sqlite = await startTestService(['--database-url', '']);
  const post = async (token: string, body: unknown) => {
    const res = await sqlite.request('POST', '/beta/me/profile/phones', { token, body });
    assert.equal(res.status, 201, res.text);
  };
  const alice = await sqlite.token(['--user', 'alice@contoso.com']);
  const bob = await sqlite.token(['--user', 'bob@contoso.com', '--client', 'Mover']);
  const carol = await sqlite.token(['--user', 'carol@fabrikam.com', '--tenant', 'fabrikam']);
  const order = await sqlite.token(['--user', 'order@contoso.com']);
  tokens.push(alice, bob, carol, order);
  await post(alice, {
    displayName: 'Bürotelefon 📞',
    number: '+49 30 1234 5678',
    type: 'business',
    allowedAudiences: ['me', 'contacts', 'federatedOrganizations'],
    isSearchable: true,
    inference: { confidenceScore: 0.7, userHasVerifiedAccuracy: false },
    source: { type: ['LinkedIn', null, 'Ünïcode "quoted"'] },
  });
  for (let i = 0; i < 13; i++) await post(bob, { number: `+1 425 555 01${String(i).padStart(2, '0')}`, type: i % 3 ? 'mobile' : null });
  await post(carol, { number: '+33 1 23 45 67 89', inference: {} });

  // Phones with the same createdDateTime whose ids a locale orders differently from bytes, and a user
  // who lost its UPN to another account (upn_key null): written into SQLite with import.
  const base = exported(sqlite).trimEnd().split('\n');
  const template = JSON.parse(base.find((l) => l.includes('"table":"phones"'))!);
  const orderUser = JSON.parse(base.find((l) => l.includes('order@contoso.com'))!);
  const crafted = [
    base[0]!,
    JSON.stringify({ table: 'users', row: { ...orderUser.row, id: '00000000-0000-4000-8000-000000000001', upn_key: null, display_name: 'Former Order' } }),
    ...CRAFTED_IDS.map((id, i) =>
      JSON.stringify({
        table: 'phones',
        row: {
          ...template.row,
          tenant_id: orderUser.row.tenant_id,
          user_id: orderUser.row.id,
          id,
          created_date_time: '2026-01-01T00:00:00.0000000Z',
          last_modified_date_time: '2026-01-01T00:00:00.0000000Z',
          display_name: ['b', 'B', 'a', 'Á', '_', 'A'][i],
        },
      }),
    ),
  ];
  const craftedFile = join(work, 'crafted.jsonl');
  writeFileSync(craftedFile, `${crafted.join('\n')}\n`);
  const out = npmRun(sqlite, 'import', [craftedFile]);
  assert.equal(out.status, 0, out.stderr);

  db = await createTestDatabase();
  const pgDir = mkdtempSync(join(tmpdir(), 'phones-move-pg-'));
  copyFileSync(join(sqlite.dataDir, 'dev-issuer-key.json'), join(pgDir, 'dev-issuer-key.json'));
  postgres = await startTestService(['--database-url', db.url], pgDir);
});
after(async () => {
  await Promise.allSettled([sqlite?.stop(), postgres?.stop()]);
  await db?.drop();
  rmSync(work, { recursive: true, force: true });
});

test('SQLite -> export -> import into PostgreSQL: the API answers the same, the export is byte-identical', { timeout: 120_000 }, async () => {
  assert.equal(sqlite.store, 'sqlite');
  assert.equal(postgres.store, 'postgres');
  const file = join(work, 'all.jsonl');
  const fromSqlite = exported(sqlite);
  writeFileSync(file, fromSqlite);
  const out = npmRun(postgres, 'import', [file]);
  assert.equal(out.status, 0, out.stderr);
  assert.equal(out.stderr, `imported 5 users, 21 phones into postgres at ${db.url}\n`); // the URL has no password to hide

  for (const t of tokens) assert.deepEqual(await answers(postgres, t), await answers(sqlite, t));
  assert.equal(exported(postgres), fromSqlite);

  // The order both answer in is byte order ('B' < '_' < 'a' < 'a-b' < 'ab' < 'Ä'), not the database's locale.
  const order = tokens[3]!;
  for (const svc of [sqlite, postgres]) {
    const res = await svc.request('GET', '/beta/me/profile/phones', { token: order });
    assert.deepEqual(
      res.json.value.map((p: { id: string }) => p.id),
      [...CRAFTED_IDS].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))),
      svc.store,
    );
  }
  const [icu] = await db.query<{ before: boolean }>(`select 'B' > 'a' as before`);
  assert.equal(icu!.before, true, "control: the database's own collation is not byte order");

  const twice = npmRun(postgres, 'import', [file]);
  assert.equal(twice.status, 0, twice.stderr);
  assert.equal(exported(postgres), fromSqlite, 'importing twice changes nothing');
});
