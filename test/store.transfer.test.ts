// Export and import on the run's store, through `npm run -s export` and `npm run -s import` as an operator
// runs them: the copy answers the API exactly as the original, its export is byte-identical, importing
// twice changes nothing, a bad file is refused with its line and reason before anything is written, and
// the progress bar shows on a terminal only.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../src/config.ts';
import { PROFILE_TABLES } from '../src/profile/collections.ts';
import { openStore } from '../src/store/open.ts';
import { startTestService, type TestService } from './support/service.ts';
import { answers, exported, npmRun as npm } from './support/transfer.ts';

const root = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'phones-transfer-'));
let source: TestService;
let target: TestService;
const tokens: string[] = [];

/** A service with an empty store that trusts the source's development issuer, so the same tokens read both. */
async function emptyCopy(name: string): Promise<TestService> {
  const dir = mkdtempSync(join(tmpdir(), `phones-transfer-${name}-`));
  copyFileSync(join(source.dataDir, 'dev-issuer-key.json'), join(dir, 'dev-issuer-key.json'));
  return startTestService([], dir);
}

before(async () => {
  source = await startTestService();
  const post = async (token: string, body: unknown) => {
    const res = await source.request('POST', '/beta/me/profile/phones', { token, body });
    assert.equal(res.status, 201, res.text);
    return res.json;
  };
  const alice = await source.token(['--user', 'alice@contoso.com', '--name', 'Alice Ångström']);
  // The same name in every token: the directory takes a user's name from the latest token it sees.
  const viaApp = await source.token(['--user', 'alice@contoso.com', '--name', 'Alice Ångström', '--client', 'Export App']);
  const bob = await source.token(['--user', 'bob@contoso.com']);
  const carol = await source.token(['--user', 'carol@fabrikam.com', '--tenant', 'fabrikam']);
  tokens.push(alice, bob, carol);
  const full = await post(alice, {
    displayName: '📞 Bürotelefon "quoted" \\ back',
    number: '+49 30 1234 5678',
    type: 'business',
    allowedAudiences: 'me,family,everyone',
    isSearchable: false,
    inference: { confidenceScore: 0.1 + 0.2, userHasVerifiedAccuracy: true },
    source: { type: ['Outlook', null, 'say "hi" \\ ü 📞'] },
  });
  await post(alice, { number: '1', inference: {}, source: { type: null }, displayName: 'x'.repeat(256) });
  await post(viaApp, { number: '+1 425 555 0100', type: 'mobile', inference: { confidenceScore: -1e-300, userHasVerifiedAccuracy: null } });
  for (let i = 0; i < 12; i++) await post(bob, { number: `+44 20 7946 ${String(i).padStart(4, '0')}`, isSearchable: i % 2 === 0 });
  await post(carol, { number: '+33 1 23 45 67 89', displayName: 'Ĉarol\u{1F600}' });
  const patched = await source.request('PATCH', `/beta/me/profile/phones/${full.id}`, { token: viaApp, body: { type: 'home' } });
  assert.equal(patched.status, 200);

  target = await emptyCopy('target');
});
after(async () => {
  await Promise.allSettled([source?.stop(), target?.stop()]);
  rmSync(work, { recursive: true, force: true });
});

test('export: a header line, then every user and phone row as JSON lines; off a terminal, stderr has only a summary', () => {
  const out = npm(source, 'export');
  assert.equal(out.status, 0, out.stderr);
  assert.equal(out.stderr, `exported 3 users, 16 phones from ${source.store} at ${out.stderr.split(' at ')[1]}`);
  const lines = out.stdout.split('\n');
  assert.equal(lines.pop(), '', 'every line ends with a newline');
  const [header, ...rows] = lines.map((l) => JSON.parse(l));
  assert.deepEqual(Object.keys(header), ['format', 'schema']);
  assert.equal(header.format, 'graph-profile-phones export');
  assert.deepEqual(rows.map((r) => r.table), [...Array(3).fill('users'), ...Array(16).fill('phones')]);
  for (const r of rows) {
    assert.deepEqual(Object.keys(r), ['table', 'row']);
    assert.ok(typeof r.row.tenant_id === 'string' && typeof r.row.id === 'string', 'keys start with the tenant');
    if (r.table === 'phones') assert.equal(typeof r.row.user_id, 'string');
  }
  const full = rows.find((r) => r.row.display_name?.startsWith('📞'));
  assert.equal(full.row.inference_confidence_score, 0.1 + 0.2, 'doubles are exported exactly');
  assert.equal(full.row.created_by_app_name, null);
  assert.equal(full.row.modified_by_app_name, 'Export App');
  // The version behind the ETag travels too: the full phone was patched once.
  assert.equal(full.row.version, 2);
  assert.ok(rows.filter((r) => r.table === 'phones' && r !== full).every((r) => r.row.version === 1));
});

test('import into an empty store: every answer of the API is the same, the export is byte-identical, importing twice changes nothing', async () => {
  const file = join(work, 'all.jsonl');
  const original = exported(source);
  writeFileSync(file, original);
  const imported = npm(target, 'import', [file]);
  assert.equal(imported.status, 0, imported.stderr);
  assert.equal(imported.stdout, '');
  assert.match(imported.stderr, new RegExp(`^imported 3 users, 16 phones into ${target.store} at \\S+\\n$`));

  for (const t of tokens) assert.deepEqual(await answers(target, t), await answers(source, t));
  assert.equal(exported(target), original);

  // Import is an upsert by primary key: the file's rows replace what differs, and nothing else changes.
  const [alice] = tokens;
  const someone = (await target.request('GET', '/beta/me/profile/phones', { token: alice! })).json.value[0];
  const changed = await target.request('PATCH', `/beta/me/profile/phones/${someone.id}`, { token: alice, body: { displayName: 'changed after import' } });
  assert.equal(changed.status, 200);
  const again = npm(target, 'import', [file]);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(exported(target), original);
  for (const t of tokens) assert.deepEqual(await answers(target, t), await answers(source, t));
});

test('a bad file is refused with its line and the reason (exit 2), and nothing of it is written', async () => {
  const original = exported(source);
  const [header, userLine, ...rest] = original.trimEnd().split('\n');
  const phoneLine = rest.at(-1)!;
  const phone = JSON.parse(phoneLine);
  const withRow = (change: (row: Record<string, unknown>) => void) => {
    const copy = structuredClone(phone);
    change(copy.row);
    return JSON.stringify(copy);
  };
  const newUser = JSON.stringify({ table: 'users', row: { ...JSON.parse(userLine!).row, id: 'not-yet-there' } });
  const oldHeader = JSON.stringify({ format: 'graph-profile-phones export', schema: ['0001_users_and_phones', '0002_postgres_byte_order_text', '0003_service_secrets'] });
  const cases: [string, string[], RegExp][] = [
    ['no header', [userLine!], /:1: not the header of an export/],
    ['a newer schema', [JSON.stringify({ format: 'graph-profile-phones export', schema: ['0001_users_and_phones', '9999_future'] })], /:1: the file was exported by a newer version of the service \(schema 9999_future\)/],
    ['not JSON', [header!, newUser, '{"table": "phones",'], /:3: not a JSON value\.$/m],
    ['an unknown table', [header!, newUser, '{"table":"emails","row":{}}'], /:3: "table" must be one of users, phones\.$/m],
    ['an unknown member', [header!, newUser, JSON.stringify({ ...phone, extra: 1 })], /:3: unknown member 'extra'\.$/m],
    ['a missing column', [header!, newUser, withRow((r) => delete r.number)], /:3: phones\.number is missing\.$/m],
    ['an unknown column', [header!, newUser, withRow((r) => (r.colour = 'red'))], /:3: phones has no column 'colour'\.$/m],
    ['a number where text belongs', [header!, newUser, withRow((r) => (r.number = 5551234))], /:3: phones\.number must be a string\.$/m],
    ['null in a required column', [header!, newUser, withRow((r) => (r.number = null))], /:3: phones\.number may not be null\.$/m],
    ['NUL in text', [header!, newUser, withRow((r) => (r.display_name = 'a\u0000b'))], /:3: phones\.display_name contains NUL \(U\+0000\)\.$/m],
    ['a lone surrogate', [header!, newUser, withRow((r) => (r.display_name = '\ud800'))], /:3: phones\.display_name contains an unpaired surrogate\.$/m],
    ['a fraction where an integer belongs', [header!, newUser, withRow((r) => (r.allowed_audiences = 1.5))], /:3: phones\.allowed_audiences must be a 32-bit integer\.$/m],
    ['a string where a number belongs', [header!, newUser, withRow((r) => (r.inference_confidence_score = '0.5'))], /:3: phones\.inference_confidence_score must be a finite number\.$/m],
    ['source_types not a JSON array', [header!, newUser, withRow((r) => (r.source_types = '"User"'))], /:3: phones\.source_types must be a JSON array of strings \(or null\)\.$/m],
    ['source_types not JSON', [header!, newUser, withRow((r) => (r.source_types = '[User]'))], /:3: phones\.source_types must be a JSON array of strings \(or null\)\.$/m],
    ['a number in source_types', [header!, newUser, withRow((r) => (r.source_types = '["User",5]'))], /:3: phones\.source_types must be a JSON array of strings \(or null\)\.$/m],
    ['NUL in source_types', [header!, newUser, withRow((r) => (r.source_types = '["a\\u0000b"]'))], /:3: phones\.source_types contains NUL \(U\+0000\)\.$/m],
    ['an old export (before 0004) with source_types', [oldHeader, newUser, withRow(() => undefined)], /:3: phones\.source_type is missing/m],
    ['an old export (before 0004) with a number in source_type', [oldHeader, newUser, withRow((r) => { delete r.source_types; r.source_type = 5; })], /:3: phones\.source_type must be a string\.$/m],
    ['an empty file', [], /is empty: an export starts with its header line/],
  ];
  const before = exported(target);
  for (const [what, lines, expected] of cases) {
    const file = join(work, 'bad.jsonl');
    writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
    const out = npm(target, 'import', [file]);
    assert.equal(out.status, 2, `${what}: ${out.stderr}`);
    assert.match(out.stderr, expected, what);
    assert.ok(out.stderr.startsWith(file) || what === 'an empty file', `${what}: names the file: ${out.stderr}`);
    assert.ok(!/\n\s+at /.test(out.stderr), `${what}: a message, not a stack trace`);
  }
  const missing = npm(target, 'import', [join(work, 'no-such-file.jsonl')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read .*no-such-file\.jsonl \(ENOENT\)/);
  const noFile = npm(target, 'import');
  assert.equal(noFile.status, 2);
  assert.match(noFile.stderr, /Usage: npm run -s import -- <file\.jsonl>/);
  assert.equal(exported(target), before, 'nothing of a refused file was written');
});

test('on a terminal, export and import draw a progress bar on stderr; the exported data is the same', () => {
  const file = join(work, 'tty.jsonl');
  // script(1) gives the command a terminal; stdout of export still goes to the file.
  const inTerminal = (command: string) =>
    spawnSync('script', ['-qec', command, '/dev/null'], { cwd: root, encoding: 'utf8', env: { ...process.env, ...target.storeEnv }, timeout: 120_000 });
  const ex = inTerminal(`npm run -s export > ${file}`);
  assert.equal(ex.status, 0, ex.stdout);
  assert.match(ex.stdout, /export \[[█░]+\] 100% \| 19\/19 rows/);
  const im = inTerminal(`npm run -s import -- ${file}`);
  assert.equal(im.status, 0, im.stdout);
  assert.match(im.stdout, /import \[[█░]+\] 100% \| 19\/19 rows/);
  assert.equal(exported(target), exported(source));
});

test('a file larger than one batch (1,206 rows) is imported and exported back byte for byte, in key order', async () => {
  const fresh = await startTestService();
  try {
    const [header, , , , phoneLine] = exported(source).split('\n');
    const template = JSON.parse(phoneLine!).row;
    const tenant = 'tenant-large';
    const lines = [header!];
    for (const u of ['user-1', 'user-2', 'user-3']) {
      lines.push(JSON.stringify({ table: 'users', row: { tenant_id: tenant, id: u, user_principal_name: `${u}@large.example`, upn_key: `${u}@large.example`, display_name: u, created_date_time: '2026-01-01T00:00:00.000Z' } }));
    }
    for (const u of ['user-1', 'user-2', 'user-3']) {
      for (let i = 0; i < 401; i++) {
        lines.push(JSON.stringify({ table: 'phones', row: { ...template, tenant_id: tenant, user_id: u, id: `phone-${String(i).padStart(4, '0')}`, number: `+1 555 ${i}` } }));
      }
    }
    const file = join(work, 'large.jsonl');
    const text = `${lines.join('\n')}\n`;
    writeFileSync(file, text);
    const out = npm(fresh, 'import', [file]);
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stderr, /^imported 3 users, 1203 phones into /);
    assert.equal(exported(fresh), text);
  } finally {
    await fresh.stop();
  }
});

test('an export of the previous version (source_type, one string) imports: "User" becomes ["User"], {type: null} and null stay as they were', async () => {
  const fresh = await emptyCopy('old');
  try {
    const lines = exported(source).trimEnd().split('\n');
    const header = JSON.parse(lines[0]!);
    assert.ok(header.schema.includes('0004_phones_source_types'));
    const users = lines.slice(1).filter((l) => l.includes('"table":"users"'));
    const template = JSON.parse(lines.find((l) => l.includes('"display_name":"x'))!).row; // alice's, with {type: null}
    // What the previous version wrote: its schema in the header, and source_type (one string or null) in each phone row.
    const oldRow = (id: string, present: number, type: string | null) => {
      const { source_types: _dropped, ...row } = { ...template, id, source_present: present, source_type: type };
      return JSON.stringify({ table: 'phones', row });
    };
    const tricky = 'say "hi" \\ back\nünï 📞';
    const old = [
      JSON.stringify({ format: header.format, schema: header.schema.filter((m: string) => m !== '0004_phones_source_types') }),
      ...users,
      oldRow('old-user', 1, 'User'),
      oldRow('old-type-null', 1, null),
      oldRow('old-no-source', 0, null),
      oldRow('old-tricky', 1, tricky),
    ];
    assert.ok(old.slice(-4).every((l) => l.includes('"source_type":') && !l.includes('source_types')));
    const file = join(work, 'previous-version.jsonl');
    writeFileSync(file, `${old.join('\n')}\n`);
    const out = npm(fresh, 'import', [file]);
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stderr, /^imported 3 users, 4 phones into /);

    const [alice] = tokens;
    const sources: Record<string, unknown> = {};
    for (const id of ['old-user', 'old-type-null', 'old-no-source', 'old-tricky']) {
      const res = await fresh.request('GET', `/beta/me/profile/phones/${id}`, { token: alice! });
      assert.equal(res.status, 200, res.text);
      sources[id] = res.json.source;
    }
    assert.deepEqual(sources, { 'old-user': { type: ['User'] }, 'old-type-null': { type: null }, 'old-no-source': null, 'old-tricky': { type: [tricky] } });

    // Exported again, the rows are in the current schema, with the list written as the service writes it.
    const again = exported(fresh).trimEnd().split('\n');
    assert.deepEqual(JSON.parse(again[0]!).schema, header.schema);
    const rows = Object.fromEntries(again.slice(1).map((l) => JSON.parse(l)).filter((r) => r.table === 'phones').map((r) => [r.row.id, r.row]));
    assert.equal(rows['old-user'].source_types, '["User"]');
    assert.equal(rows['old-tricky'].source_types, JSON.stringify([tricky]));
    assert.equal(rows['old-type-null'].source_types, null);
    assert.ok(!('source_type' in rows['old-user']));
  } finally {
    await fresh.stop();
  }
});

test('an export made before phones had a version (0006) imports: every phone at version 1, and the ETag follows from there', async () => {
  const fresh = await emptyCopy('unversioned');
  try {
    const lines = exported(source).trimEnd().split('\n');
    const header = JSON.parse(lines[0]!);
    const old = [
      JSON.stringify({ format: header.format, schema: header.schema.filter((m: string) => m !== '0006_phones_version') }),
      ...lines.slice(1).map((l) => {
        const record = JSON.parse(l);
        if (record.table === 'phones') delete record.row.version;
        return JSON.stringify(record);
      }),
    ];
    assert.ok(old.slice(1).every((l) => !l.includes('"version"')));
    const file = join(work, 'unversioned.jsonl');
    writeFileSync(file, `${old.join('\n')}\n`);
    const out = npm(fresh, 'import', [file]);
    assert.equal(out.status, 0, out.stderr);

    const rows = exported(fresh).trimEnd().split('\n').slice(1).map((l) => JSON.parse(l)).filter((r) => r.table === 'phones');
    assert.equal(rows.length, 16);
    assert.ok(rows.every((r) => r.row.version === 1));
    const [alice] = tokens;
    const one = (await fresh.request('GET', '/beta/me/profile/phones', { token: alice! })).json.value[0];
    const got = await fresh.request('GET', `/beta/me/profile/phones/${one.id}`, { token: alice! });
    const patched = await fresh.request('PATCH', `/beta/me/profile/phones/${one.id}`, { token: alice!, body: {}, headers: { 'if-match': got.headers.get('etag')! } });
    assert.equal(patched.status, 200, patched.text);
    assert.notEqual(patched.headers.get('etag'), got.headers.get('etag'));

    // Without the upgrade the row would be refused: a file of the current schema must name the column.
    const current = [lines[0]!, ...old.slice(1)];
    writeFileSync(file, `${current.join('\n')}\n`);
    const refused = npm(fresh, 'import', [file]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /phones\.version is missing\.$/m);
  } finally {
    await fresh.stop();
  }
});

test('export reads one snapshot: what the service writes while it runs is in neither the count nor the rows', async () => {
  // The store as `npm run export` opens it, beside the running service that goes on writing.
  const store = await openStore(loadConfig(['--log-level', 'silent', ...source.storeArgs]), PROFILE_TABLES);
  const bob = tokens[1]!;
  let during: string | undefined;
  try {
    const seen = await store.transfer.snapshot(async (view) => {
      const counted = await view.count();
      const created = await source.request('POST', '/beta/me/profile/phones', { token: bob, body: { number: '+44 20 7946 9999' } });
      assert.equal(created.status, 201, created.text);
      during = created.json.id;
      const rows: string[] = [];
      for await (const r of view.rows()) rows.push(String(r.row.id));
      return { counted, rows };
    });
    assert.equal(seen.rows.length, seen.counted);
    assert.ok(!seen.rows.includes(during!), 'the phone written during the export is not in it');
    // Outside that snapshot the phone is there.
    const now = await store.transfer.snapshot(async (view) => {
      const ids: string[] = [];
      for await (const r of view.rows()) ids.push(String(r.row.id));
      return ids;
    });
    assert.equal(now.length, seen.counted + 1);
    assert.ok(now.includes(during!));
  } finally {
    await store.close();
    if (during) assert.equal((await source.request('DELETE', `/beta/me/profile/phones/${during}`, { token: bob })).status, 204);
  }
});
