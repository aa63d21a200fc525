// The service as a process, the way `npm start` runs it: start-up, logs, health, graceful SIGTERM
// with a request in flight, restart persistence, --help, and the token command's output. The processes
// use the run's store (TEST_STORE): SQLite in DATA_DIR, or a fresh PostgreSQL database through DATABASE_URL.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SETTINGS } from '../src/config.ts';
import { createTestDatabase, TEST_STORE, type TestDatabase } from './support/postgres.ts';
import { killLeftovers, startServiceProcess } from './support/process.ts';

const root = new URL('..', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'phones-proc-'));
const database = TEST_STORE === 'postgres' ? await createTestDatabase() : undefined;
/** The store every process of this file uses (a DATABASE_URL of the caller's shell is never used). */
const env = { ...process.env, DATABASE_URL: database?.url ?? '' };
after(async () => {
  killLeftovers(); // a failed test must not leave a server behind
  rmSync(dataDir, { recursive: true, force: true });
  await database?.drop();
});

const startProcess = () => startServiceProcess(['--data-dir', dataDir, '--drain-seconds', '0'], env);

function token(user: string): string {
  const out = spawnSync('npm', ['run', '-s', 'token', '--', '--user', user, '--data-dir', dataDir], { cwd: root, encoding: 'utf8', env });
  assert.equal(out.status, 0, out.stderr);
  return out.stdout.trim();
}

test('`npm run -s token` prints one access token and nothing else on stdout', () => {
  const out = spawnSync('npm', ['run', '-s', 'token', '--', '--user', 'cli.user@contoso.com', '--data-dir', dataDir], { cwd: root, encoding: 'utf8', env });
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/);
});

test('the token command refuses bad use with exit code 2 and a message', () => {
  const noUser = spawnSync('npm', ['run', '-s', 'token', '--', '--data-dir', dataDir], { cwd: root, encoding: 'utf8', env });
  assert.equal(noUser.status, 2);
  assert.match(noUser.stderr, /--user/);
  assert.equal(noUser.stdout, '');
  const unknown = spawnSync('npm', ['run', '-s', 'token', '--', '--user', 'a@b.c', '--bogus', '--data-dir', dataDir], { cwd: root, encoding: 'utf8', env });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /bogus/);
});

test('--help lists every setting, and the README documents each one', () => {
  const out = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve', '--help'], { cwd: root, encoding: 'utf8', env });
  assert.equal(out.status, 0);
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  for (const s of SETTINGS) {
    assert.ok(out.stdout.includes(`--${s.flag}`), `--help lacks --${s.flag}`);
    assert.ok(out.stdout.includes(s.env), `--help lacks ${s.env}`);
    assert.ok(readme.includes(`\`${s.env}\``) && readme.includes(`\`--${s.flag}\``), `README lacks ${s.env} / --${s.flag}`);
  }
});

test('a bad setting stops start-up with a clear message and exit code 2', () => {
  const out = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve', '--port', 'eighty'], { cwd: root, encoding: 'utf8', env });
  assert.equal(out.status, 2);
  assert.match(out.stderr, /PORT must be/);
  const scope = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve', '--rate-limit-scope', 'global'], { cwd: root, encoding: 'utf8', env });
  assert.equal(scope.status, 2);
  assert.match(scope.stderr, /RATE_LIMIT_SCOPE must be shared or instance, got 'global'/);
});

test('serves, logs JSON with the request-id, finishes an in-flight request on SIGTERM, exits 0, keeps the data', async () => {
  const first = await startProcess();
  const t = token('lifecycle@contoso.com');
  const health = await fetch(`${first.url}/health`);
  assert.equal(health.status, 200);

  const created = await fetch(`${first.url}/beta/me/profile/phones`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
    body: JSON.stringify({ number: '+1 206 555 0100' }),
  });
  assert.equal(created.status, 201);
  const requestId = created.headers.get('request-id');
  await new Promise((r) => setTimeout(r, 100));
  const logged = first.lines.find((l) => l.requestId === requestId);
  assert.ok(logged, 'a log line carries the request-id');
  assert.equal(logged.statusCode, 201);

  // A POST whose body is still arriving when SIGTERM comes must be answered, not cut off.
  const { port, hostname } = new URL(first.url);
  const body = JSON.stringify({ number: '+1 206 555 0111' });
  const socket = connect(Number(port), hostname);
  await new Promise((r) => socket.once('connect', r));
  let answer = '';
  socket.on('data', (c) => (answer += c.toString()));
  const closed = new Promise((r) => socket.once('close', r));
  socket.write(
    `POST /beta/me/profile/phones HTTP/1.1\r\nhost: ${hostname}\r\nauthorization: Bearer ${t}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
  );
  await new Promise((r) => setTimeout(r, 200));
  first.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 200));
  // write, not end: a client that half-closes (FIN) makes Node's HTTP server abort a request still in its
  // handler, and on PostgreSQL the handler is still waiting for the database when the FIN arrives. The
  // server closes the connection itself once it has answered (Connection: close while stopping).
  socket.write(body.slice(5));
  await closed;
  assert.match(answer, /^HTTP\/1\.1 201 /);
  assert.equal(await first.exited, 0);
  assert.ok(first.lines.some((l) => l.msg === 'stopped'));

  const second = await startProcess();
  try {
    const list = await fetch(`${second.url}/beta/me/profile/phones`, { headers: { authorization: `Bearer ${t}` } });
    const json = (await list.json()) as { value: { number: string }[] };
    assert.deepEqual(json.value.map((p) => p.number), ['+1 206 555 0100', '+1 206 555 0111']);
  } finally {
    second.child.kill('SIGINT');
    assert.equal(await second.exited, 0);
  }
});

/** The bash block that follows `<!-- walkthrough:NAME -->` in the README. */
function readmeBlock(name: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const match = new RegExp(`<!-- walkthrough:${name} -->\\s*\`\`\`bash\\n([\\s\\S]*?)\`\`\``).exec(readme);
  assert.ok(match, `README has no walkthrough:${name} block`);
  return match[1]!;
}

test("the README's walk-through works as written: token, create with curl, list, restart, list", async () => {
  const walkDir = mkdtempSync(join(tmpdir(), 'phones-walk-'));
  // The walk-through starts from an empty store.
  const walkDb: TestDatabase | undefined = TEST_STORE === 'postgres' ? await createTestDatabase() : undefined;
  const walkEnv = { ...process.env, DATA_DIR: walkDir, DATABASE_URL: walkDb?.url ?? '' };
  const run = (script: string, url: string, env: Record<string, string> = {}) => {
    // The README talks to 127.0.0.1:8080; the test's server listens on a free port instead.
    const out = spawnSync('bash', ['-euo', 'pipefail', '-c', script.replaceAll('http://127.0.0.1:8080', url)], {
      cwd: root,
      encoding: 'utf8',
      env: { ...walkEnv, ...env },
    });
    assert.equal(out.status, 0, out.stderr);
    return out.stdout;
  };
  const serve = () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve', '--port', '0'], {
      cwd: root,
      env: walkEnv,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((r) => child.on('exit', r));
    const url = new Promise<string>((resolve) => {
      let buf = '';
      child.stdout!.on('data', (c: Buffer) => {
        buf += c.toString();
        const m = /"url":"([^"]+)","store"/.exec(buf);
        if (m) resolve(m[1]!);
      });
    });
    return { child, exited, url };
  };
  const children: ChildProcess[] = [];
  try {
    const first = serve();
    children.push(first.child);
    // The create block sets TOKEN; print it at the end so the list block can reuse it.
    const out = run(`${readmeBlock('create')}\necho; echo "TOKEN=$TOKEN"`, await first.url);
    // curl prints each body without a newline: split the two JSON documents apart.
    const [created, listed] = out.replace(/}\{"@odata/g, '}\n{"@odata').split('\n').filter((l) => l.startsWith('{'));
    assert.equal(JSON.parse(created!).displayName, 'Car Phone');
    assert.equal(JSON.parse(listed!).value.length, 1);
    const tokenValue = /TOKEN=(\S+)/.exec(out)![1]!;
    first.child.kill('SIGINT');
    await first.exited;

    const second = serve();
    children.push(second.child);
    const again = JSON.parse(run(readmeBlock('list'), await second.url, { TOKEN: tokenValue }));
    assert.equal(again.value.length, 1);
    assert.equal(again.value[0].number, '+7 499 342 22 13');
    second.child.kill('SIGTERM');
    await second.exited;
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(walkDir, { recursive: true, force: true });
    await walkDb?.drop();
  }
});
