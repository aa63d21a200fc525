// Schema migrations on the run's store: `npm run migrate` applies them and exits, running it again does
// nothing, and a database that a newer version has migrated is refused, by `migrate` and by the server,
// with a message that says so (exit 1), never used.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { migrations } from '../src/store/migrations.ts';
import { startTestService, type TestService } from './support/service.ts';
import { rawQuery } from './support/storeAccess.ts';

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

const applied = async () => (await rawQuery(svc, 'select name from kysely_migration')).map((r) => String(r.name)).sort();

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
