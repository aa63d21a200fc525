// Schema migrations on the run's store: `npm run migrate` applies them and exits, running it again does
// nothing, and a database that a newer version has migrated is refused, by `migrate` and by the server,
// with a message that says so (exit 1), never used.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { tenantIdFor, userIdFor } from '../src/identity/devIssuer.ts';
import { PROFILE_TABLES } from '../src/profile/collections.ts';
import { serviceMigrations } from '../src/store/migrations.ts';
import { postgresDialect } from '../src/store/postgres.ts';
import { sqliteDialect } from '../src/store/sqlite.ts';
import { createTestDatabase, TEST_STORE } from './support/postgres.ts';
import { startTestService, type TestService } from './support/service.ts';
import { rawQuery } from './support/storeAccess.ts';

/** Every migration of this version, as the service runs them on the run's store. */
const migrations = serviceMigrations(TEST_STORE === 'postgres' ? postgresDialect : sqliteDialect, PROFILE_TABLES);

const root = new URL('..', import.meta.url).pathname;
let svc: TestService;
before(async () => {
  svc = await startTestService();
});
after(() => svc.stop());

const run = (args: string[]) =>
  spawnSync(args[0] === 'migrate' ? 'npm' : process.execPath, args[0] === 'migrate' ? ['run', '-s', 'migrate'] : ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...svc.storeEnv, PORT: '0' },
    timeout: 60_000,
  });

const applied = async (on: TestService = svc) => (await rawQuery(on, 'select name from kysely_migration')).map((r) => String(r.name)).sort();

test('every migration is applied once; `npm run migrate` again changes nothing and says where', async () => {
  assert.deepEqual(await applied(), Object.keys(migrations).sort());
  const out = run(['migrate']);
  assert.equal(out.status, 0, out.stderr);
  assert.equal(out.stdout, '');
  assert.match(out.stderr, new RegExp(`^migrated: ${svc.store} at \\S+\\n$`));
  assert.ok(!out.stderr.includes('password'), 'the location never carries a secret');
  assert.deepEqual(await applied(), Object.keys(migrations).sort());
});

test('a database migrated by a newer version is refused by migrate and by serve (exit 1, clear message), and left as it was', async () => {
  await rawQuery(svc, `insert into kysely_migration (name, timestamp) values ('9999_from_a_newer_version', '2030-01-01T00:00:00.000Z')`);
  try {
    for (const args of [['migrate'], ['serve']]) {
      const out = run(args);
      assert.equal(out.status, 1, `${args[0]}: ${out.stderr}`);
      assert.match(
        out.stderr,
        /has schema migrations this version does not know \(9999_from_a_newer_version\): it was used by a newer version of the service\. Downgrading is not supported/,
      );
      assert.ok(!/\n\s+at /.test(out.stderr), `${args[0]}: a message, not a stack trace: ${out.stderr}`);
    }
    assert.deepEqual(await applied(), [...Object.keys(migrations), '9999_from_a_newer_version'].sort());
  } finally {
    await rawQuery(svc, `delete from kysely_migration where name = '9999_from_a_newer_version'`);
  }
  const again = run(['migrate']);
  assert.equal(again.status, 0, again.stderr);
});

/**
 * A store of an older version: migrated up to `migration` (applying every migration before it), with `user` in its
 * directory and whatever `fill` writes through that schema, then started by this version, which migrates the rest,
 * for `check`. Cleaned up either way.
 */
async function fromOlderVersion(
  migration: string,
  user: { upn: string; displayName: string },
  fill: (db: Kysely<any>, owner: { tenantId: string; userId: string }) => Promise<void>,
  check: (svc: TestService) => Promise<void>,
) {
  const dataDir = mkdtempSync(join(tmpdir(), 'phones-migrate-'));
  const database = TEST_STORE === 'postgres' ? await createTestDatabase() : undefined;
  const db = new Kysely<any>({
    dialect: database
      ? new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 1 }) })
      : new SqliteDialect({ database: new BetterSqlite3(join(dataDir, 'graph.sqlite')) }),
  });
  let old: TestService | undefined;
  let destroyed = false;
  try {
    const { error, results } = await new Migrator({ db, provider: { getMigrations: async () => migrations } }).migrateTo(migration);
    if (error) throw error;
    const names = Object.keys(migrations);
    assert.deepEqual(results?.map((r) => r.migrationName), names.slice(0, names.indexOf(migration) + 1));
    const tenantId = tenantIdFor('contoso');
    const userId = userIdFor(tenantId, user.upn);
    await db
      .insertInto('users')
      .values({ tenant_id: tenantId, id: userId, user_principal_name: user.upn, upn_key: user.upn, display_name: user.displayName, created_date_time: '2026-01-01T00:00:00.000Z' })
      .execute();
    await fill(db, { tenantId, userId });
    await db.destroy();
    destroyed = true;
    // The service migrates the database when it starts.
    old = await startTestService(['--database-url', database?.url ?? ''], dataDir);
    await check(old);
  } finally {
    if (!destroyed) await db.destroy().catch(() => undefined);
    await old?.stop(); // removes dataDir; a database given by URL is not its to drop
    await database?.drop();
  }
}

test('0004_phones_source_types: a database of the previous version keeps every source, now as a list ("User" -> ["User"]; {type: null} and null as they were)', async () => {
  const upn = 'migrated.user@contoso.com';
  const tricky = 'say "hi" \\ back\nnew line\ttab\u0001 ünï 📞 \u2028';
  await fromOlderVersion(
    // The schema of the previous version: every migration before 0004.
    '0003_service_secrets',
    { upn, displayName: 'Migrated User' },
    async (db, { tenantId, userId }) => {
      const sources: [string, number, string | null][] = [
        ['a-user', 1, 'User'],
        ['b-type-null', 1, null],
        ['c-no-source', 0, null],
        ['d-tricky', 1, tricky],
        ['e-empty', 1, ''],
      ];
      await db
        .insertInto('phones')
        .values(
          sources.map(([id, present, type], i) => ({
            tenant_id: tenantId,
            user_id: userId,
            id,
            created_date_time: `2026-01-01T00:00:0${i}.0000000Z`,
            last_modified_date_time: `2026-01-01T00:00:0${i}.0000000Z`,
            created_by_user_id: userId,
            created_by_user_name: 'Migrated User',
            created_by_app_id: null,
            created_by_app_name: null,
            modified_by_user_id: userId,
            modified_by_user_name: 'Migrated User',
            modified_by_app_id: null,
            modified_by_app_name: null,
            allowed_audiences: 16,
            inference_present: 0,
            inference_confidence_score: null,
            inference_user_has_verified_accuracy: null,
            is_searchable: null,
            source_present: present,
            source_type: type,
            display_name: null,
            number: `+1 555 010${i}`,
            type: null,
          })),
        )
        .execute();
    },
    async (old) => {
      assert.deepEqual(await applied(old), Object.keys(migrations).sort());
      const columns = Object.keys((await rawQuery(old, 'select * from phones'))[0]!);
      assert.ok(columns.includes('source_types') && !columns.includes('source_type'), columns.join(', '));
      const stored = Object.fromEntries((await rawQuery(old, 'select id, source_present, source_types from phones')).map((r) => [r.id, [Number(r.source_present), r.source_types]]));
      // The JSON text is what the service itself writes (JSON.stringify), escaping included.
      assert.deepEqual(stored, {
        'a-user': [1, '["User"]'],
        'b-type-null': [1, null],
        'c-no-source': [0, null],
        'd-tricky': [1, JSON.stringify([tricky])],
        'e-empty': [1, '[""]'],
      });

      const token = await old.token(['--user', upn, '--name', 'Migrated User']);
      const list = await old.request('GET', '/beta/me/profile/phones', { token });
      assert.equal(list.status, 200, list.text);
      assert.deepEqual(
        list.json.value.map((p: { id: string; source: unknown }) => [p.id, p.source]),
        [
          ['a-user', { type: ['User'] }],
          ['b-type-null', { type: null }],
          ['c-no-source', null],
          ['d-tricky', { type: [tricky] }],
          ['e-empty', { type: [''] }],
        ],
      );
      const withoutSource = await old.request('GET', `/beta/me/profile/phones?$filter=${encodeURIComponent('source eq null')}`, { token });
      assert.deepEqual(withoutSource.json.value.map((p: { id: string }) => p.id), ['c-no-source']);
      // The migrated phones take the new form on update, like any other.
      const patched = await old.request('PATCH', '/beta/me/profile/phones/a-user', { token, body: { source: { type: ['User', 'LinkedIn'] } } });
      assert.equal(patched.status, 200, patched.text);
      assert.deepEqual(patched.json.source, { type: ['User', 'LinkedIn'] });
    },
  );
});

test('0006_phones_version: phones of the previous version start at version 1 (their ETag), and count on from there', async () => {
  const upn = 'unversioned.user@contoso.com';
  await fromOlderVersion(
    '0005_rate_limit_hits',
    { upn, displayName: 'Unversioned' },
    async (db, { tenantId, userId }) => {
      await db
        .insertInto('phones')
        .values({
          tenant_id: tenantId,
          user_id: userId,
          id: 'before-versions',
          created_date_time: '2026-01-01T00:00:00.0000000Z',
          last_modified_date_time: '2026-01-01T00:00:00.0000000Z',
          allowed_audiences: 16,
          inference_present: 0,
          source_present: 0,
          number: '+1 555 0100',
        })
        .execute();
    },
    async (old) => {
      assert.deepEqual((await rawQuery(old, 'select version from phones')).map((r) => Number(r.version)), [1]);
      const token = await old.token(['--user', upn, '--name', 'Unversioned']);
      const got = await old.request('GET', '/beta/me/profile/phones/before-versions', { token });
      assert.equal(got.status, 200, got.text);
      const tag = got.headers.get('etag')!;
      const patched = await old.request('PATCH', '/beta/me/profile/phones/before-versions', { token, body: { displayName: 'now versioned' }, headers: { 'if-match': tag } });
      assert.equal(patched.status, 200, patched.text);
      assert.deepEqual((await rawQuery(old, 'select version from phones')).map((r) => Number(r.version)), [2]);
      const stale = await old.request('PATCH', '/beta/me/profile/phones/before-versions', { token, body: { displayName: 'stale' }, headers: { 'if-match': tag } });
      assert.equal(stale.status, 412);
    },
  );
});
