// Benchmark of the service (never part of `npm test`): `npm run bench`, or `BENCH_SECONDS=5 npm run bench`. Two parts;
// `npm run bench -- --only load` (or `--only startup`, or BENCH_ONLY=...) runs one of them.
//
// Load: for each scenario it starts the process under test on its own (a bare node:http ceiling, or the service with a
// fresh data dir), mints a token with the project's own `token` command, seeds what the scenario reads, checks one
// request by hand, then drives load with autocannon from this process: 50 connections, loopback only. Every child is
// killed at the end of its scenario, on error, on Ctrl+C, and by a watchdog if the whole run overstays its budget.
// Results are printed and appended to bench/RESULTS.md; a scenario with errors, timeouts or an unexpected status is
// flagged there and makes the run exit 1.
//
// Start-up (bench/startup.ts): time to /health 200 of the built command, time of the token command, in-process start,
// beside `node -e 0`; a failed measurement is flagged the same way.
//
// Environment: BENCH_SECONDS (measured seconds per scenario, default 10), BENCH_WARMUP_SECONDS (load before measuring,
// default 2, not counted), BENCH_STARTUP_SAMPLES (measured rounds of the start-up part, default 10, after one warm-up
// round), BENCH_ONLY (load or startup), BENCH_RESULTS (file to append to, default bench/RESULTS.md; "-" writes nothing).
import autocannon, { type Result } from 'autocannon';
import { execFile, execFileSync } from 'node:child_process';
import { appendFile, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { hasExited, makeTempDir, removeTempDir, ROOT, startChild, stopAll, stopChild, type Child } from './children.ts';
import { runStartup, STARTUP_HEADER, startupTableRows, type StartupRow } from './startup.ts';

const PARTS = ['load', 'startup'] as const;
type Part = (typeof PARTS)[number];
const ONLY = onlyPart();
const HOST = '127.0.0.1';
const CONNECTIONS = 50;
const SECONDS = numberFromEnv('BENCH_SECONDS', 10, 1);
const WARMUP_SECONDS = numberFromEnv('BENCH_WARMUP_SECONDS', 2, 0);
const STARTUP_SAMPLES = numberFromEnv('BENCH_STARTUP_SAMPLES', 10, 1);
const RESULTS_FILE = process.env.BENCH_RESULTS === '-' ? undefined : (process.env.BENCH_RESULTS ?? join(ROOT, 'bench', 'RESULTS.md'));
const USER = 'bench@contoso.com';
const SEED_PHONE = JSON.stringify({ displayName: 'Car Phone', number: '+7 499 342 22 13' });
const STARTUP_TIMEOUT_MS = 30_000;

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

/** --only <part> (or BENCH_ONLY): one part of the benchmark; undefined: both. */
function onlyPart(): Part | undefined {
  const { values } = parseArgs({ options: { only: { type: 'string' } }, strict: true });
  const only = values.only ?? (process.env.BENCH_ONLY || undefined);
  if (only !== undefined && !PARTS.includes(only as Part)) throw new Error(`--only must be ${PARTS.join(' or ')}, got '${only}'.`);
  return only as Part | undefined;
}

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
  const dataDir = await makeTempDir();
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
    await removeTempDir(dataDir);
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

/** The first and last columns (names, checks) are text, left-aligned; the others are figures. */
function textTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 || i === r.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function markdownTable(header: string[], rows: string[][]): string {
  const line = (r: string[]) => `| ${r.join(' | ')} |`;
  return [line(header), `|${header.map((_, i) => (i === 0 || i === header.length - 1 ? '---' : '---:')).join('|')}|`, ...rows.map(line)].join('\n');
}

function machine(): string {
  let nproc = String(os.availableParallelism());
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // availableParallelism it is
  }
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  return `nproc ${nproc} (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${os.platform()} ${os.arch()} ${os.release()}; load average at start ${load}`;
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

The start-up part (bench/startup.ts) has a table of its own: wall times to the first /health 200 (or to exit), the
median and the slowest of its rounds, beside \`node -e 0\` measured in the same rounds, and the targets they are held to.
`;

async function main(): Promise<number> {
  const started = new Date();
  const parts = ONLY ? [ONLY] : [...PARTS];
  const budgetMs =
    (parts.includes('load') ? SCENARIOS.length * (SECONDS + WARMUP_SECONDS + 90) * 1000 : 0) +
    (parts.includes('startup') ? (STARTUP_SAMPLES + 1) * 8 * 30_000 + 120_000 : 0);
  const watchdog = setTimeout(() => {
    process.stderr.write(`watchdog: the run took longer than ${budgetMs / 1000} s; stopping\n`);
    currentLoad?.stop();
    void stopAll().finally(() => process.exit(1));
  }, budgetMs);
  watchdog.unref();
  const machineNote = machine(); // before the run: its load average is the one the run started in

  const rows: Row[] = [];
  if (parts.includes('load')) for (const [i, s] of SCENARIOS.entries()) rows.push(await runScenario(s, i));
  let startupRows: StartupRow[] = [];
  if (parts.includes('startup')) {
    process.stderr.write(`start-up: ${STARTUP_SAMPLES} rounds after a warm-up round\n`);
    startupRows = await runStartup({ samples: STARTUP_SAMPLES, log: (line) => process.stderr.write(`${line}\n`), interrupted: () => interrupted });
  }
  clearTimeout(watchdog);

  const loadTable = tableRows(rows);
  const startupTable = startupRows.length ? startupTableRows(startupRows) : [];
  const flagged = [...rows.filter((r) => r.problems.length).map((r) => r.name), ...startupRows.filter((r) => r.problems.length).map((r) => r.name)];
  const envPrefix = [parts.includes('load') && `BENCH_SECONDS=${SECONDS}`, parts.includes('startup') && `BENCH_STARTUP_SAMPLES=${STARTUP_SAMPLES}`].filter(Boolean).join(' ');
  const command =
    process.env.npm_lifecycle_event === 'bench'
      ? `${envPrefix} npm run bench${ONLY ? ` -- --only ${ONLY}` : ''}`
      : `${envPrefix} node --import tsx bench/run.ts${ONLY ? ` --only ${ONLY}` : ''}`;
  const how = [
    parts.includes('load') && `load: warm-up ${WARMUP_SECONDS} s, then ${SECONDS} s measured per scenario; autocannon ${await autocannonVersion()}, ${CONNECTIONS} connections`,
    parts.includes('startup') &&
      `start-up: one warm-up round, then ${STARTUP_SAMPLES} rounds of every measurement in turn; wall time from spawning node (or calling start) to the first /health 200 (or the exit of \`node -e 0\` and of \`token\`); dist/ built by scripts/build.mjs`,
  ].filter(Boolean);
  const details = [
    `- date: ${started.toISOString()}`,
    `- machine: ${machineNote}`,
    `- command: \`${command}\` (${how.join('. ')})`,
    `- service: commit ${revision()}${rows.length ? `; response bodies: ${[...new Map(rows.map((r) => [r.short, `${r.short} ${r.bytes} B`])).values()].join(', ')}` : ''}`,
  ];
  const tables = [
    rows.length ? { text: textTable(HEADER, loadTable), markdown: markdownTable(HEADER, loadTable) } : undefined,
    startupTable.length ? { text: textTable(STARTUP_HEADER, startupTable), markdown: markdownTable(STARTUP_HEADER, startupTable) } : undefined,
  ].filter((t) => t !== undefined);

  process.stdout.write(`\n${tables.map((t) => t.text).join('\n\n')}\n\n${details.join('\n')}\n`);
  if (flagged.length) process.stdout.write(`\nFLAGGED (not valid measurements): ${flagged.join('; ')}\n`);

  if (RESULTS_FILE) {
    const exists = await stat(RESULTS_FILE).then(() => true, () => false);
    const which = ONLY === 'startup' ? ' (start-up only)' : ONLY === 'load' ? ' (load only)' : '';
    const heading = `## Run of ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC${which}${flagged.length ? ' (FLAGGED: not all measurements succeeded)' : ''}`;
    await appendFile(RESULTS_FILE, `${exists ? '' : RESULTS_INTRO}\n${heading}\n\n${details.join('\n')}\n\n${tables.map((t) => t.markdown).join('\n\n')}\n`);
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
