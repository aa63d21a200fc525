// The built command (dist/main.js, what the package's bin runs) as a person types it: settings alone mean serve,
// true/false settings work as bare flags, and --in-memory writes nothing to disk.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Agent, fetch } from 'undici';
import { loadConfig, parseCommandLine } from '../src/config.ts';
import { killLeftovers, startServiceProcess, type ServiceProcess } from './support/process.ts';

const root = new URL('..', import.meta.url).pathname;
const run = promisify(execFile);
const emptyFolder = () => mkdtempSync(join(tmpdir(), 'phones-cli-'));
/** The environment without the settings a developer's shell might hold. */
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DATA_DIR|DATABASE_URL|IN_MEMORY|TLS|HOST|PORT)$/.test(k)));
const insecure = new Agent({ connect: { rejectUnauthorized: false } });

after(killLeftovers);

async function stop(p: ServiceProcess) {
  p.child.kill('SIGINT');
  assert.equal(await p.exited, 0);
}

describe('true/false settings as flags', () => {
  test('a bare flag means true; true and false may follow; --flag=value works', () => {
    assert.equal(loadConfig(['--tls'], {}).tls, true);
    assert.equal(loadConfig(['--tls', 'true'], {}).tls, true);
    assert.equal(loadConfig(['--tls', 'false'], {}).tls, false);
    assert.equal(loadConfig(['--tls=false'], {}).tls, false);
    assert.equal(loadConfig(['--tls', '--port', '9000'], {}).port, 9000);
    assert.equal(loadConfig(['--in-memory'], {}).inMemory, true);
    assert.equal(loadConfig(['--allow-dev-identity-on-network', '--host', '0.0.0.0'], {}).allowDevIdentityOnNetwork, true);
    // The flag wins over the environment, either way.
    assert.equal(loadConfig(['--tls', 'false'], { TLS: 'true' }).tls, false);
    assert.equal(loadConfig(['--in-memory'], { IN_MEMORY: 'false' }).inMemory, true);
    assert.equal(loadConfig([], { IN_MEMORY: 'true' }).inMemory, true);
  });

  test('a value other than true or false is refused, saying so', () => {
    assert.throws(() => loadConfig(['--tls', 'yes'], {}), /TLS must be true or false, got 'yes'/);
    assert.throws(() => loadConfig(['--tls=yes'], {}), /TLS must be true or false, got 'yes'/);
  });

  test("a command's own true/false flags work the same way (token --admin, --app-only)", () => {
    const options = { admin: { type: 'boolean', default: false }, 'app-only': { type: 'boolean' } } as const;
    assert.deepEqual(parseCommandLine(['--admin'], { options }, {}).values, { admin: true });
    assert.deepEqual(parseCommandLine(['--admin', 'false', '--app-only', 'true'], { options }, {}).values, { admin: false, 'app-only': true });
    assert.deepEqual(parseCommandLine(['--admin=true', '--tls'], { options }, {}).values, { admin: true });
    assert.deepEqual(parseCommandLine([], { options }, {}).values, { admin: false });
    assert.throws(() => parseCommandLine(['--admin', 'maybe'], { options }, {}), /--admin must be true or false, got 'maybe'/);
  });

  test('--in-memory cannot be used with PostgreSQL', () => {
    assert.throws(() => loadConfig(['--in-memory', '--database-url', 'postgres://x@127.0.0.1/db'], {}), /IN_MEMORY .* cannot be used with DATABASE_URL/);
  });

  test('`--tls` alone serves HTTPS from the built command, with settings alone meaning serve', async () => {
    const folder = emptyFolder();
    const p = await startServiceProcess(['--tls', '--in-memory', '--log-level', 'info'], cleanEnv(), { built: true, cwd: folder });
    try {
      assert.match(p.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${p.url}/health`, { dispatcher: insecure });
      assert.equal(res.status, 200);
    } finally {
      await stop(p);
    }
    assert.deepEqual(readdirSync(folder), [], 'an in-memory certificate: no file written');
  });
});

describe('--in-memory', () => {
  test('nothing is written to disk, and the data is gone when the process ends', async () => {
    const folder = emptyFolder();
    const env = cleanEnv();
    const first = await startServiceProcess(['--in-memory'], env, { built: true, cwd: folder });
    const token = await mintThroughControlApi(first.url);
    const created = await fetch(`${first.url}/beta/me/profile/phones`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ number: '+1 425 555 0100', type: 'mobile' }),
    });
    assert.equal(created.status, 201);
    const list = await fetch(`${first.url}/beta/me/profile/phones`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(((await list.json()) as { value: unknown[] }).value.length, 1);
    await stop(first);
    assert.deepEqual(readdirSync(folder), [], 'no data file, no key file, no ./data folder');

    const second = await startServiceProcess([], { ...env, IN_MEMORY: 'true' }, { built: true, cwd: folder });
    try {
      const again = await fetch(`${second.url}/beta/me/profile/phones`, { headers: { authorization: `Bearer ${await mintThroughControlApi(second.url)}` } });
      assert.equal(again.status, 200);
      assert.deepEqual(((await again.json()) as { value: unknown[] }).value, []);
    } finally {
      await stop(second);
    }
    assert.deepEqual(readdirSync(folder), []);
  });

  test('with DATA_DIR given, the token key is kept there (so `token --data-dir` works) but no database file', async () => {
    const folder = emptyFolder();
    const dataDir = join(folder, 'keys');
    const p = await startServiceProcess(['--in-memory', '--data-dir', dataDir], cleanEnv(), { built: true, cwd: folder });
    try {
      const { stdout } = await run(process.execPath, [join(root, 'dist/main.js'), 'token', '--user', 'adele@contoso.com', '--in-memory', '--data-dir', dataDir], { cwd: folder, env: cleanEnv() });
      const res = await fetch(`${p.url}/beta/me/profile/phones`, { headers: { authorization: `Bearer ${stdout.trim()}` } });
      assert.equal(res.status, 200);
    } finally {
      await stop(p);
    }
    assert.deepEqual(readdirSync(folder), ['keys']);
    assert.deepEqual(readdirSync(dataDir), ['dev-issuer-key.json']);
  });

  test('the token command says where to get tokens when the key is in memory', async () => {
    const folder = emptyFolder();
    await assert.rejects(
      run(process.execPath, [join(root, 'dist/main.js'), 'token', '--user', 'adele@contoso.com', '--in-memory'], { cwd: folder, env: cleanEnv() }),
      (err: { code: number; stderr: string }) => {
        assert.equal(err.code, 2);
        assert.match(err.stderr, /POST \/_emulator\/tokens/);
        return true;
      },
    );
    assert.deepEqual(readdirSync(folder), []);
  });
});

describe('--seed', () => {
  const seed = (phones: unknown[]) => JSON.stringify({ tenants: [{ name: 'contoso', users: [{ userPrincipalName: 'adele@contoso.com', displayName: 'Adele Vance', phones }] }] });

  test('creates the file\'s users and phones before the service listens', async () => {
    const folder = emptyFolder();
    writeFileSync(join(folder, 'seed.json'), seed([{ number: '+1 425 555 0100', type: 'mobile' }]));
    const p = await startServiceProcess(['--in-memory', '--seed', 'seed.json'], cleanEnv(), { built: true, cwd: folder });
    try {
      const res = await fetch(`${p.url}/beta/me/profile/phones`, { headers: { authorization: `Bearer ${await mintThroughControlApi(p.url)}` } });
      const { value } = (await res.json()) as { value: { number: string; createdBy: { user: { displayName: string } } }[] };
      assert.deepEqual(value.map((v) => [v.number, v.createdBy.user.displayName]), [['+1 425 555 0100', 'Adele Vance']]);
    } finally {
      await stop(p);
    }
  });

  test('a bad seed stops the start-up with exit 2, naming the place; so does a missing file or entra mode', async () => {
    const folder = emptyFolder();
    writeFileSync(join(folder, 'bad.json'), seed([{ number: '+1 425 555 0100' }, { number: '+1 425 555 0101', type: 'cell' }]));
    writeFileSync(join(folder, 'broken.json'), '{"tenants": [');
    const cases: [string[], RegExp][] = [
      [['--seed', 'bad.json'], /SEED: .*bad\.json: tenants\[0\]\.users\[0\]\.phones\[1\]\.type: /],
      [['--seed', 'broken.json'], /SEED: cannot read .*broken\.json as JSON/],
      [['--seed', 'missing.json'], /SEED: cannot read .*missing\.json as JSON \(ENOENT\)/],
      [['--seed', 'bad.json', '--identity', 'entra', '--entra-tenants', '*'], /SEED creates development users: it needs IDENTITY=development/],
    ];
    for (const [args, message] of cases) {
      await assert.rejects(
        run(process.execPath, [join(root, 'dist/main.js'), '--in-memory', '--port', '0', ...args], { cwd: folder, env: cleanEnv() }),
        (err: { code: number; stderr: string }) => {
          assert.equal(err.code, 2, err.stderr);
          assert.match(err.stderr, message);
          return true;
        },
      );
    }
  });
});

/** A token from the running service's control API (an in-memory service's key is out of the command's reach). */
async function mintThroughControlApi(url: string): Promise<string> {
  const res = await fetch(`${url}/_emulator/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'adele@contoso.com' }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { access_token: string }).access_token;
}
