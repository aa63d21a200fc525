// Stopping the service the way an orchestrator does (SIGTERM behind a load balancer) while clients keep it busy:
// /health turns 503 at once, requests go on being served for DRAIN_SECONDS, then the listener closes and every
// request a client had already sent is answered: none is reset or refused with 503. A second signal, or the
// shutdown timeout, still ends it. The processes use the run's store (TEST_STORE).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client, Pool } from 'undici';
import { createTestDatabase, TEST_STORE } from './support/postgres.ts';
import { killLeftovers, startServiceProcess, type ServiceProcess } from './support/process.ts';

const root = new URL('..', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'phones-shutdown-'));
const database = TEST_STORE === 'postgres' ? await createTestDatabase() : undefined;
const env = { ...process.env, DATABASE_URL: database?.url ?? '' };
const PHONES = 1000;
let token: string;
let busyUser: string;

before(async () => {
  const mint = (user: string) => {
    const out = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', 'token', '--user', user, '--data-dir', dataDir], { cwd: root, encoding: 'utf8', env });
    assert.equal(out.status, 0, out.stderr);
    return out.stdout.trim();
  };
  token = mint('writer@contoso.com');
  busyUser = mint('busy@contoso.com');
  // A user with 1,000 phones: each GET ?$top=999 of theirs is a large answer (about half a megabyte).
  const svc = await startServiceProcess(['--data-dir', dataDir, '--drain-seconds', '0'], env);
  const pool = new Pool(svc.url, { connections: 20 });
  try {
    for (let i = 0; i < PHONES; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, j) => {
          const res = await pool.request({
            method: 'POST',
            path: '/beta/me/profile/phones',
            headers: { authorization: `Bearer ${busyUser}`, 'content-type': 'application/json' },
            body: JSON.stringify({ number: `+1 425 555 ${String(i + j).padStart(4, '0')}`, displayName: 'x'.repeat(200) }),
          });
          await res.body.text();
          assert.equal(res.statusCode, 201);
        }),
      );
    }
  } finally {
    await pool.close();
    svc.child.kill('SIGTERM');
    assert.equal(await svc.exited, 0);
  }
});
after(async () => {
  killLeftovers();
  rmSync(dataDir, { recursive: true, force: true });
  await database?.drop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Tally {
  answered: Map<number, number>;
  /** Requests that were sent on a connection and got no answer (reset, closed, timed out): each is a defect. */
  lost: string[];
  /** Requests that could not even connect because the listener had closed: never sent, so not lost. */
  refused: number;
}

/**
 * `clients` keep-alive connections, each sending one request after another (creates, and large lists) until the
 * closed listener refuses it a new connection.
 */
function keepBusy(url: string, clients: number) {
  // A client each (one connection, one request at a time), so that a request is on its socket once sent.
  const connections = Array.from({ length: clients }, () => new Client(url, { pipelining: 1 }));
  const tally: Tally = { answered: new Map(), lost: [], refused: 0 };
  let ready = 0;
  const perClient = new Array<number>(clients).fill(0);
  let allConnected: () => void;
  const connected = new Promise<void>((r) => (allConnected = r));
  const worker = async (n: number) => {
    // Connected before the load starts: under load Node accepts about one new connection per turn of its event
    // loop, and these clients stand for connections that are open and busy when the signal comes.
    await (await connections[n]!.request({ method: 'GET', path: '/health' })).body.text();
    if (++ready === clients) allConnected();
    await connected;
    for (let i = 0; ; i++) {
      const list = (n + i) % 2 === 0;
      try {
        const res = await connections[n]!.request({
          method: list ? 'GET' : 'POST',
          path: list ? '/beta/me/profile/phones?$top=999' : '/beta/me/profile/phones',
          headers: { authorization: `Bearer ${list ? busyUser : token}`, ...(list ? {} : { 'content-type': 'application/json' }) },
          ...(list ? {} : { body: JSON.stringify({ number: `+44 20 7946 ${n}${i}` }) }),
        });
        const text = await res.body.text();
        tally.answered.set(res.statusCode, (tally.answered.get(res.statusCode) ?? 0) + 1);
        perClient[n]!++;
        if (res.statusCode !== (list ? 200 : 201)) tally.lost.push(`${res.statusCode} ${text.slice(0, 200)}`);
        else if (list) assert.equal(JSON.parse(text).value.length, 999);
      } catch (err) {
        if ((err as { code?: string }).code === 'ECONNREFUSED') {
          tally.refused++;
          return;
        }
        tally.lost.push(`${(err as { code?: string }).code}: ${(err as Error).message}`);
        return;
      }
    }
  };
  const done = Promise.all(Array.from({ length: clients }, (_, n) => worker(n))).finally(() => Promise.all(connections.map((c) => c.destroy())));
  const answers = () => [...tally.answered.values()].reduce((a, b) => a + b, 0);
  /** Resolves once every client has had an answer under load: all connections open and busy. */
  const busy = async () => {
    while (perClient.some((n) => n === 0)) await sleep(50);
  };
  return { tally, done, answers, busy };
}

test('SIGTERM under load: /health 503 at once, served through the drain, every request sent is answered, exit 0', { timeout: 120_000 }, async () => {
  const svc = await startServiceProcess(['--data-dir', dataDir, '--drain-seconds', '2'], env);
  // The load balancer's probe and one more client, each on a connection of its own, open before the load.
  const probe = new Client(svc.url);
  const other = new Client(svc.url);
  for (const c of [probe, other]) assert.equal((await c.request({ method: 'GET', path: '/health' })).statusCode, 200);
  const { tally, done, answers, busy } = keepBusy(svc.url, 50);
  await busy();
  svc.child.kill('SIGTERM');
  // The probe sees 503 as soon as the signal is handled (a busy event loop handles it after the work at hand)...
  let health: { status: string } | undefined;
  for (let i = 0; i < 100 && health?.status !== 'stopping'; i++) {
    const res = await probe.request({ method: 'GET', path: '/health' });
    health = (await res.body.json()) as { status: string };
    assert.equal(res.statusCode, health.status === 'ok' ? 200 : 503);
    if (health.status === 'ok') await sleep(20);
  }
  assert.equal(health?.status, 'stopping');
  // ...while the API goes on answering through the drain.
  const duringDrain = await other.request({ method: 'GET', path: '/beta/me/profile/phones?$top=1', headers: { authorization: `Bearer ${token}` } });
  await duringDrain.body.text();
  assert.equal(duringDrain.statusCode, 200);
  const atSignal = answers();

  assert.equal(await svc.exited, 0, svc.stderr());
  await done;
  await Promise.all([probe.destroy(), other.destroy()]);
  assert.deepEqual(tally.lost, [], 'no request that was sent went unanswered or was refused with 503');
  const total = answers();
  assert.ok(total > atSignal, `requests were still served after the signal (${atSignal} -> ${total})`);
  assert.equal(tally.refused, 50, 'each client stopped only when the closed listener refused a new connection');
  const messages = svc.lines.map((l) => l.msg);
  assert.ok(messages.includes('stopped'), messages.join(' | '));
});

test('SIGTERM with DRAIN_SECONDS=0 under load: every request already sent is answered, none reset', { timeout: 120_000 }, async () => {
  for (let round = 0; round < 2; round++) {
    const svc = await startServiceProcess(['--data-dir', dataDir, '--drain-seconds', '0'], env);
    const { tally, done, busy } = keepBusy(svc.url, 50);
    await busy();
    svc.child.kill('SIGTERM');
    assert.equal(await svc.exited, 0, svc.stderr());
    await done;
    assert.deepEqual(tally.lost, [], `round ${round}: no request that was sent went unanswered`);
    assert.ok((tally.answered.get(200) ?? 0) > 0 && (tally.answered.get(201) ?? 0) > 0);
  }
});

test('a second SIGTERM during the drain ends the process at once', { timeout: 60_000 }, async () => {
  const svc = await startServiceProcess(['--data-dir', dataDir, '--drain-seconds', '60', '--shutdown-timeout-seconds', '120'], env);
  svc.child.kill('SIGTERM');
  await waitForHealth(svc, 503);
  const started = Date.now();
  svc.child.kill('SIGTERM');
  assert.equal(await svc.exited, 1);
  assert.ok(Date.now() - started < 10_000, 'did not wait for the drain');
  assert.match(svc.stderr(), /second SIGTERM/);
});

test('SIGINT (a person at a terminal) does not wait for the drain', { timeout: 60_000 }, async () => {
  const svc = await startServiceProcess(['--data-dir', dataDir, '--drain-seconds', '60', '--shutdown-timeout-seconds', '120'], env);
  const started = Date.now();
  svc.child.kill('SIGINT');
  assert.equal(await svc.exited, 0);
  assert.ok(Date.now() - started < 10_000, 'did not wait for the drain');
});

test('the shutdown timeout ends a process whose request never finishes arriving: exit 1', { timeout: 60_000 }, async () => {
  const svc = await startServiceProcess(['--data-dir', dataDir, '--drain-seconds', '0', '--shutdown-timeout-seconds', '2'], env);
  const { port, hostname } = new URL(svc.url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  await new Promise((r) => socket.once('connect', r));
  // A body announced and never sent: the request stays in flight.
  socket.write(`POST /beta/me/profile/phones HTTP/1.1\r\nhost: ${hostname}\r\nauthorization: Bearer ${token}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{`);
  await sleep(300);
  const started = Date.now();
  svc.child.kill('SIGTERM');
  assert.equal(await svc.exited, 1);
  const took = Date.now() - started;
  assert.ok(took >= 1900 && took < 10_000, `ended by the timeout, after ${took} ms`);
  socket.destroy();
});

test('shutdown settings are checked: the timeout must exceed the drain', () => {
  const out = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve', '--drain-seconds', '30', '--shutdown-timeout-seconds', '30'], { cwd: root, encoding: 'utf8', env });
  assert.equal(out.status, 2);
  assert.match(out.stderr, /SHUTDOWN_TIMEOUT_SECONDS \(30\) must exceed DRAIN_SECONDS \(30\)/);
});

async function waitForHealth(svc: ServiceProcess, status: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${svc.url}/health`).catch(() => undefined);
    if (res?.status === status) return;
    await sleep(50);
  }
  assert.fail(`/health never answered ${status}`);
}
