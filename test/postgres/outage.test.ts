// PostgreSQL going away while the service runs, on a private server of the test's own (the machine's
// shared server is never stopped): requests in between get 503 in Graph's envelope with Retry-After,
// /health says the store is unreachable, and the service recovers without a restart. At start-up, an
// unreachable database is waited for (PG_STARTUP_WAIT_MS), or refused at once with the reason.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadOrCreateDevKey, mintDelegatedToken, tenantIdFor, userIdFor } from '../../src/identity/devIssuer.ts';
import { assertGraphError } from '../support/assertions.ts';
import { createPrivateServer, createTestDatabase, type PrivateServer, type TestDatabase } from '../support/postgres.ts';
import { startTestService, type TestService } from '../support/service.ts';

const root = new URL('../..', import.meta.url).pathname;
let server: PrivateServer;
let db: TestDatabase;
let svc: TestService | undefined;

before(async () => {
  server = await createPrivateServer();
  server.start();
  db = await createTestDatabase(server.adminUrl);
});
after(async () => {
  await svc?.stop().catch(() => undefined);
  server?.destroy();
});

/** Polls until `check` holds, for at most `ms`. */
async function eventually(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`${what}: not within ${ms} ms`);
}

test('while PostgreSQL is down: 503 serviceNotAvailable with Retry-After, /health 503; back up: served again without a restart', { timeout: 120_000 }, async () => {
  svc = await startTestService(['--database-url', db.url, '--pg-connect-timeout-ms', '2000']);
  const token = await svc.token(['--user', 'outage@contoso.com']);
  const created = await svc.request('POST', '/beta/me/profile/phones', { token, body: { number: '+1 206 555 0199' } });
  assert.equal(created.status, 201, created.text);
  const list = () => svc!.request('GET', '/beta/me/profile/phones', { token });
  const before = await list();
  assert.equal(before.status, 200);

  server.stop();
  for (const res of [
    await list(),
    await svc.request('GET', `/beta/me/profile/phones/${created.json.id}`, { token }),
    await svc.request('POST', '/beta/me/profile/phones', { token, body: { number: '+1 206 555 0198' } }),
    await svc.request('PATCH', `/beta/me/profile/phones/${created.json.id}`, { token, body: { type: 'home' } }),
    await svc.request('DELETE', `/beta/me/profile/phones/${created.json.id}`, { token }),
    // A user this instance has not seen yet: the directory write is what fails.
    await svc.request('GET', '/beta/me/profile/phones', { token: await tokenFor(svc, 'newcomer@contoso.com') }),
  ]) {
    assertGraphError(res, 503, 'serviceNotAvailable');
    assert.equal(res.headers.get('retry-after'), '5');
  }
  const health = await svc.request('GET', '/health');
  assert.equal(health.status, 503);
  assert.deepEqual(health.json, { status: 'degraded', store: { kind: 'postgres', state: 'unreachable' } });

  server.start();
  await eventually('the service answers again', 30_000, async () => (await list()).status === 200);
  const afterwards = await list();
  assert.equal(afterwards.text, before.text, 'nothing was lost or changed by the refused requests');
  assert.equal((await svc.request('GET', '/health')).status, 200);
  const more = await svc.request('POST', '/beta/me/profile/phones', { token, body: { number: '+1 206 555 0197' } });
  assert.equal(more.status, 201, more.text);
  await svc.stop();
  svc = undefined;
});

/** A token for a user the directory does not hold yet, minted while the database is down. */
async function tokenFor(s: TestService, upn: string): Promise<string> {
  const tenantId = tenantIdFor('contoso');
  return mintDelegatedToken(await loadOrCreateDevKey(s.dataDir), {
    tenantId,
    userId: userIdFor(tenantId, upn),
    userPrincipalName: upn,
    displayName: 'Newcomer',
    scopes: ['User.ReadWrite'],
    directoryRoles: [],
    lifetimeSeconds: 600,
  });
}

test('start-up while PostgreSQL is down: PG_STARTUP_WAIT_MS=0 exits 1 with the reason; otherwise it waits and serves once the database is back', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'phones-outage-'));
  const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'info' };
  server.stop();
  try {
    const refused = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
      cwd: root,
      env: { ...env, PG_STARTUP_WAIT_MS: '0' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, new RegExp(`^PostgreSQL at postgres://postgres@127\\.0\\.0\\.1:${server.port}/${db.name} cannot be reached \\(.+\\)\\.\\n$`));

    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
      cwd: root,
      env: { ...env, PG_STARTUP_WAIT_MS: '60000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    try {
      const logs: Record<string, unknown>[] = [];
      let buffer = '';
      child.stdout!.on('data', (c: Buffer) => {
        buffer += c.toString();
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          logs.push(JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>);
          buffer = buffer.slice(nl + 1);
        }
      });
      await eventually('a warning that it waits for the database', 20_000, async () =>
        logs.some((l) => l.level === 40 && /cannot be reached .*; trying again/.test(String(l.msg))),
      );
      assert.equal(child.exitCode, null, 'still waiting, not exited');
      server.start();
      let url = '';
      await eventually('listening once the database is back', 30_000, async () => {
        url = String(logs.find((l) => l.msg === 'listening')?.url ?? '');
        return url !== '';
      });
      const health = await fetch(`${url}/health`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok', store: { kind: 'postgres', state: 'ok' } });
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
