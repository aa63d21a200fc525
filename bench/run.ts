// Load benchmark of the service (never part of `npm test`): `npm run bench`, or `BENCH_SECONDS=5 npm run bench`.
//
// For each scenario it starts the process under test on its own (a bare node:http ceiling, or the service with a
// fresh data dir), mints a token with the project's own `token` command, seeds what the scenario reads, checks one
// request by hand, then drives load with autocannon from this process: 50 connections, loopback only. Every child is
// killed at the end of its scenario, on error, on Ctrl+C, and by a watchdog if the whole run overstays its budget.
// Results are printed and appended to bench/RESULTS.md; a scenario with errors, timeouts or an unexpected status is
// flagged there and makes the run exit 1.
//
// Environment: BENCH_SECONDS (measured seconds per scenario, default 10), BENCH_WARMUP_SECONDS (load before measuring,
// default 2, not counted), BENCH_RESULTS (file to append to, default bench/RESULTS.md; "-" writes nothing).
import autocannon, { type Result } from 'autocannon';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HOST = '127.0.0.1';
const CONNECTIONS = 50;
const SECONDS = numberFromEnv('BENCH_SECONDS', 10, 1);
const WARMUP_SECONDS = numberFromEnv('BENCH_WARMUP_SECONDS', 2, 0);
const RESULTS_FILE = process.env.BENCH_RESULTS === '-' ? undefined : (process.env.BENCH_RESULTS ?? join(ROOT, 'bench', 'RESULTS.md'));
const USER = 'bench@contoso.com';
const SEED_PHONE = JSON.stringify({ displayName: 'Car Phone', number: '+7 499 342 22 13' });
const STARTUP_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

// ---------------------------------------------------------------------------------------------------------------
// Child processes: every one is tracked until it has exited, and killed on any way out of this process.

interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly exited: Promise<void>;
  /** The last few KB of its stdout and stderr, shown when something goes wrong. */
  output(): string;
}

const children = new Set<Child>();
const tempDirs = new Set<string>();

function startChild(name: string, args: string[]): Child {
  const env = { ...process.env };
  // The service's settings come from the flags below only, never from the caller's environment.
  for (const k of ['HOST', 'PORT', 'DATA_DIR', 'PUBLIC_URL', 'LOG_LEVEL', 'SQLITE_SYNCHRONOUS', 'DATABASE_URL']) delete env[k];
  const proc = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-8192);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    proc.once('exit', () => resolve());
    proc.once('error', (err) => {
      keep(Buffer.from(`spawn error: ${err.message}\n`));
      resolve();
    });
  });
  const child: Child = { name, proc, exited, output: () => tail };
  children.add(child);
  void exited.then(() => children.delete(child));
  return child;
}

const hasExited = (c: Child) => c.proc.exitCode !== null || c.proc.signalCode !== null;

async function stopChild(c: Child): Promise<void> {
  if (hasExited(c)) return;
  c.proc.kill('SIGTERM');
  const timer = setTimeout(() => c.proc.kill('SIGKILL'), STOP_GRACE_MS);
  await c.exited;
  clearTimeout(timer);
}

const stopAll = () => Promise.all([...children].map(stopChild));

// Last resort: whatever way this process ends, no child outlives it and no data dir stays behind.
process.on('exit', () => {
  for (const c of children) if (!hasExited(c)) c.proc.kill('SIGKILL');
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

let currentLoad: { stop(): void } | undefined;
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping load and children\n`);
    currentLoad?.stop();
    void stopAll().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

function numberFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number >= ${min}, got '${raw}'.`);
  return n;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `url` until it answers 200, the child dies, or the start-up time runs out. */
async function waitReady(child: Child, url: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (hasExited(child)) throw new Error(`${child.name} exited during start-up (code ${child.proc.exitCode}):\n${child.output()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${child.name} not ready at ${url} after ${STARTUP_TIMEOUT_MS} ms:\n${child.output()}`);
    await sleep(100);
  }
}

/** The project's own token command, for the server's data dir. */
function mintToken(dataDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', 'token', '--user', USER, '--data-dir', dataDir],
      { cwd: ROOT, timeout: 30_000 },
      (err, stdout, stderr) => {
        const token = stdout.trim();
        if (err || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) reject(new Error(`token command failed: ${err ? err.message : `no token on stdout\n${stderr}`}`));
        else resolve(token);
      },
    );
  });
}

interface Req {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  expectStatus: number;
}

/** Sends `req` once and checks its status: the load below must measure the answer we mean, not an error page. */
async function probe(base: string, req: Req): Promise<{ bytes: number; json: unknown }> {
  const res = await fetch(base + req.path, { method: req.method, headers: req.headers, body: req.body, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (res.status !== req.expectStatus) throw new Error(`${req.method} ${req.path}: expected ${req.expectStatus}, got ${res.status}: ${text.slice(0, 500)}`);
  return { bytes: Buffer.byteLength(text), json: JSON.parse(text) };
}

function load(base: string, req: Req, seconds: number, title: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: base + req.path, method: req.method, headers: req.headers, body: req.body, connections: CONNECTIONS, duration: seconds, timeout: 10, title },
      (err, result) => {
        currentLoad = undefined;
        if (err) reject(err);
        else resolve(result);
      },
    );
    currentLoad = instance;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Scenarios

interface Target {
  base: string;
  child: Child;
  token: string;
}

interface Scenario {
  name: string;
  short: string;
  /** Starts the process under test; returns it with its base URL (and a token when it is the service). */
  start(dataDir: string): Promise<Target>;
  /** Seeds what the scenario needs and returns the one request to repeat. */
  prepare(t: Target): Promise<Req>;
}

async function startCeiling(): Promise<Target> {
  const port = await freePort();
  const child = startChild('ceiling', ['--import', 'tsx', 'bench/ceiling.ts', String(port)]);
  const base = `http://${HOST}:${port}`;
  await waitReady(child, `${base}/`);
  return { base, child, token: '' };
}

function startService(synchronous: 'full' | 'normal') {
  return async (dataDir: string): Promise<Target> => {
    const port = await freePort();
    const args = ['--import', 'tsx', 'src/main.ts', 'serve', '--host', HOST, '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn'];
    const child = startChild(`service (synchronous=${synchronous})`, [...args, '--sqlite-synchronous', synchronous]);
    const base = `http://${HOST}:${port}`;
    await waitReady(child, `${base}/health`);
    return { base, child, token: await mintToken(dataDir) };
  };
}

const auth = (t: Target) => ({ authorization: `Bearer ${t.token}` });
const createReq = (t: Target): Req => ({
  method: 'POST',
  path: '/beta/me/profile/phones',
  headers: { ...auth(t), 'content-type': 'application/json' },
  body: SEED_PHONE,
  expectStatus: 201,
});

async function seedPhones(t: Target, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(((await probe(t.base, createReq(t))).json as { id: string }).id);
  return ids;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'ceiling: bare node:http, fixed JSON',
    short: 'ceiling',
    start: startCeiling,
    prepare: async () => ({ method: 'GET', path: '/beta/me/profile/phones/205254a2-875a-48fc-b1f1-2886d3ffc428', headers: {}, expectStatus: 200 }),
  },
  {
    name: 'GET one phone',
    short: 'GET one',
    start: startService('full'),
    prepare: async (t) => {
      const [id] = await seedPhones(t, 1);
      return { method: 'GET', path: `/beta/me/profile/phones/${id}`, headers: auth(t), expectStatus: 200 };
    },
  },
  {
    name: 'GET list of 5 phones',
    short: 'GET list',
    start: startService('full'),
    prepare: async (t) => {
      await seedPhones(t, 5);
      const req: Req = { method: 'GET', path: '/beta/me/profile/phones', headers: auth(t), expectStatus: 200 };
      const { json } = await probe(t.base, req);
      const n = (json as { value?: unknown[] }).value?.length;
      if (n !== 5) throw new Error(`list: expected 5 phones, got ${n}`);
      return req;
    },
  },
  { name: 'POST create, synchronous=full', short: 'POST', start: startService('full'), prepare: async (t) => createReq(t) },
  { name: 'POST create, synchronous=normal', short: 'POST', start: startService('normal'), prepare: async (t) => createReq(t) },
];

// ---------------------------------------------------------------------------------------------------------------
// Running and reporting

interface Row {
  name: string;
  short: string;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  bytes: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statuses: string;
  /** Why this scenario's numbers are not a success; empty when they are. */
  problems: string[];
}

async function runScenario(s: Scenario, index: number): Promise<Row> {
  const dataDir = await mkdtemp(join(os.tmpdir(), 'gpp-bench-'));
  tempDirs.add(dataDir);
  let target: Target | undefined;
  try {
    process.stderr.write(`[${index + 1}/${SCENARIOS.length}] ${s.name}: starting\n`);
    target = await s.start(dataDir);
    const req = await s.prepare(target);
    const { bytes } = await probe(target.base, req);
    if (WARMUP_SECONDS > 0) {
      const w = await load(target.base, req, WARMUP_SECONDS, `${s.name} (warm-up)`);
      if (w.errors || w.timeouts || w.non2xx) process.stderr.write(`  warm-up: ${w.errors} errors, ${w.timeouts} timeouts, ${w.non2xx} non-2xx\n`);
    }
    if (interrupted) throw new Error('interrupted');
    process.stderr.write(`  measuring ${SECONDS} s at ${CONNECTIONS} connections\n`);
    const r = await load(target.base, req, SECONDS, s.name);
    const problems: string[] = [];
    if (r.errors) problems.push(`${r.errors} errors`);
    if (r.timeouts) problems.push(`${r.timeouts} timeouts`);
    if (r.non2xx) problems.push(`${r.non2xx} non-2xx`);
    const unexpected = Object.entries(r.statusCodeStats).filter(([code]) => Number(code) !== req.expectStatus);
    if (unexpected.length) problems.push(`unexpected status ${unexpected.map(([c, { count }]) => `${c}×${count}`).join(', ')}`);
    if (hasExited(target.child)) problems.push(`${target.child.name} exited during the run`);
    if (r.requests.total === 0) problems.push('no responses');
    if (problems.length) process.stderr.write(`  FLAGGED: ${problems.join('; ')}\n  last output of ${target.child.name}:\n${target.child.output()}\n`);
    return {
      name: s.name,
      short: s.short,
      rps: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      requests: r.requests.total,
      bytes,
      errors: r.errors,
      timeouts: r.timeouts,
      non2xx: r.non2xx,
      statuses: Object.entries(r.statusCodeStats).map(([c, { count }]) => `${c}×${count}`).join(', '),
      problems,
    };
  } finally {
    if (target) await stopChild(target.child);
    await stopAll();
    await rm(dataDir, { recursive: true, force: true });
    tempDirs.delete(dataDir);
  }
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** autocannon's latency histogram has 1 ms resolution: 0 means under a millisecond. */
const ms = (n: number) => (n < 1 ? '<1' : fmt(n));

function tableRows(rows: Row[]): string[][] {
  const ceiling = rows[0]!;
  return rows.map((r) => [
    r.name,
    fmt(r.rps),
    `${ms(r.p50)} / ${ms(r.p99)}`,
    `${r.errors + r.timeouts} / ${r.non2xx}`,
    r === ceiling ? '1' : r.problems.length || ceiling.problems.length || !(ceiling.rps > 0) ? 'n/a (flagged)' : fmt(r.rps / ceiling.rps, 2),
    r.problems.length ? `FLAGGED: ${r.problems.join('; ')}` : `ok (${r.statuses})`,
  ]);
}
const HEADER = ['scenario', 'req/s (mean)', 'latency p50 / p99 ms', 'errors / non-2xx', 'ratio to ceiling', 'check'];

function textTable(rows: string[][]): string {
  const all = [HEADER, ...rows];
  const widths = HEADER.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 || i === r.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function markdownTable(rows: string[][]): string {
  const line = (r: string[]) => `| ${r.join(' | ')} |`;
  return [line(HEADER), `|${HEADER.map((_, i) => (i === 0 || i === HEADER.length - 1 ? '---' : '---:')).join('|')}|`, ...rows.map(line)].join('\n');
}

function machine(): string {
  let nproc = String(os.availableParallelism());
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // availableParallelism it is
  }
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `nproc ${nproc} (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${os.platform()} ${os.arch()} ${os.release()}`;
}

function revision(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'package.json', 'package-lock.json'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3));
    return dirty.length ? `${head} with uncommitted changes in ${dirty.join(', ')}` : head;
  } catch {
    return 'unknown (no git)';
  }
}

async function autocannonVersion(): Promise<string> {
  try {
    return (JSON.parse(await readFile(join(ROOT, 'node_modules', 'autocannon', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

const RESULTS_INTRO = `# Benchmark results

Appended by \`npm run bench\` (bench/run.ts), one section per run. Each scenario runs against its own freshly started
process (the bare node:http ceiling of bench/ceiling.ts, or the service with an empty data dir), loaded by autocannon
from the bench process over 127.0.0.1 with 50 connections.

**The machine is noisy** (shared 2-core VMs; whole runs differ by up to about 2x): absolute req/s do not compare between
runs or machines. Only the ratios to the ceiling measured in the same run compare. A row marked FLAGGED had errors,
timeouts or unexpected statuses and is not a valid measurement.

On 2 cores the ceiling is bound by the load generator, not by the bare server (which idled about a third of the time
under load in a CPU profile): it is the most one autocannon process drives here, and the ratios are relative to that.
`;

async function main(): Promise<number> {
  const started = new Date();
  const budgetMs = SCENARIOS.length * (SECONDS + WARMUP_SECONDS + 90) * 1000;
  const watchdog = setTimeout(() => {
    process.stderr.write(`watchdog: the run took longer than ${budgetMs / 1000} s; stopping\n`);
    currentLoad?.stop();
    void stopAll().finally(() => process.exit(1));
  }, budgetMs);
  watchdog.unref();

  const rows: Row[] = [];
  for (const [i, s] of SCENARIOS.entries()) rows.push(await runScenario(s, i));
  clearTimeout(watchdog);

  const table = tableRows(rows);
  const flagged = rows.filter((r) => r.problems.length);
  const command =
    process.env.npm_lifecycle_event === 'bench' ? `BENCH_SECONDS=${SECONDS} npm run bench` : `BENCH_SECONDS=${SECONDS} node --import tsx bench/run.ts`;
  const details = [
    `- date: ${started.toISOString()}`,
    `- machine: ${machine()}`,
    `- command: \`${command}\` (warm-up ${WARMUP_SECONDS} s, then ${SECONDS} s measured per scenario; autocannon ${await autocannonVersion()}, ${CONNECTIONS} connections)`,
    `- service: commit ${revision()}; response bodies: ${[...new Map(rows.map((r) => [r.short, `${r.short} ${r.bytes} B`])).values()].join(', ')}`,
  ];

  process.stdout.write(`\n${textTable(table)}\n\n${details.join('\n')}\n`);
  if (flagged.length) process.stdout.write(`\nFLAGGED (not valid measurements): ${flagged.map((r) => r.name).join('; ')}\n`);

  if (RESULTS_FILE) {
    const exists = await stat(RESULTS_FILE).then(() => true, () => false);
    const heading = `## Run of ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC${flagged.length ? ' (FLAGGED: not all scenarios succeeded)' : ''}`;
    await appendFile(RESULTS_FILE, `${exists ? '' : RESULTS_INTRO}\n${heading}\n\n${details.join('\n')}\n\n${markdownTable(table)}\n`);
    process.stdout.write(`\nappended to ${relative(process.cwd(), RESULTS_FILE) || RESULTS_FILE}\n`);
  }
  return flagged.length ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (err: unknown) => {
    currentLoad?.stop();
    await stopAll();
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
