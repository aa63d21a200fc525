// Benchmark of the service (never part of `npm test`): `npm run bench` runs the load and start-up parts;
// `npm run bench -- --only <part>` (or BENCH_ONLY) runs one part: load, startup, scale or soak;
// `npm run bench -- --profile <scenario>` (or BENCH_PROFILE) profiles one load scenario instead (bench/profile.ts).
//
// Load (bench/load.ts, bench/scenarios.ts): the bare node:http ceiling, the stack's floor (Fastify and pino as the
// service sets them up, answering the same fixed JSON) and the service (`node dist/main.js serve`, the built bundle
// users run) on SQLite and PostgreSQL, each scenario on a fresh process, in alternating rounds. The load
// generator is a process of its own (bench/loader.mjs: autocannon, 50 connections, loopback); the figures are server
// CPU per request from /proc (and the database's), RSS idle and under load, req/s and latency.
// Start-up (bench/startup.ts): time to /health 200 of the built command, time of the token command, in-process start.
// Scale (bench/scale.ts): stores of 10,000 and 1,000,000 phones, seeded directly, and what $skip costs.
// Soak (bench/soak.ts): one service under a mixed load for BENCH_SOAK_SECONDS, its RSS every 10 s.
//
// Every child is stopped at the end of its scenario, on error, on Ctrl+C, and by a watchdog if the run overstays its
// budget; every temporary data dir and bench database is removed. Results are printed and appended to
// bench/RESULTS.md; a scenario with errors, timeouts or unexpected answers is flagged there and makes the run exit 1.
//
// Environment: BENCH_SECONDS (measured seconds per window, default 10), BENCH_WARMUP_SECONDS (load before measuring,
// default 2, not counted), BENCH_ROUNDS (alternating rounds, default 3), BENCH_IDLE_SECONDS (quiet before the idle RSS
// is read, default 2), BENCH_SCENARIOS (comma-separated short names of load scenarios; the ceiling and the stack floor
// always run), BENCH_STARTUP_SAMPLES (start-up rounds, default 10), BENCH_SOAK_SECONDS (default 600), BENCH_ONLY,
// BENCH_PROFILE, BENCH_PROFILE_TOP (entries printed, default 20), BENCH_NOTE (written with the run in RESULTS.md),
// BENCH_RESULTS (file to append to, default bench/RESULTS.md; "-" writes nothing), BENCH_PG_ADMIN_URL (where bench
// databases are created; default TEST_PG_ADMIN_URL or postgres://postgres@127.0.0.1:5432/postgres).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, stopAll } from './children.ts';
import { loadFlagged, loadText, runLoad } from './load.ts';
import { stopLoad } from './measure.ts';
import { runProfile } from './profile.ts';
import { appendResults, autocannonVersion, machine, revision } from './report.ts';
import { SCENARIOS, scenarioByShort } from './scenarios.ts';
import { build, postgresProblem } from './services.ts';
import { runScale, scaleFlagged, scaleText } from './scale.ts';
import { runSoak, soakText } from './soak.ts';
import { runStartup, STARTUP_HEADER, startupTableRows } from './startup.ts';
import { markdownTable, textTable } from './report.ts';

const PARTS = ['load', 'startup', 'scale', 'soak'] as const;
type Part = (typeof PARTS)[number];
/** What `npm run bench` alone runs: the others take long (scale: seeding a million rows; soak: ten minutes). */
const DEFAULT_PARTS: Part[] = ['load', 'startup'];
const CONNECTIONS = 50;

function numberFromEnv(name: string, fallback: number, min: number, integer = false): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) throw new Error(`${name} must be a${integer ? ' whole' : ''} number >= ${min}, got '${raw}'.`);
  return n;
}

const { values: flags } = parseArgs({ options: { only: { type: 'string' }, profile: { type: 'string' } }, strict: true });
const ONLY = (flags.only ?? (process.env.BENCH_ONLY || undefined)) as Part | undefined;
if (ONLY !== undefined && !PARTS.includes(ONLY)) throw new Error(`--only must be one of ${PARTS.join(', ')}, got '${ONLY}'.`);
const PROFILE = flags.profile ?? (process.env.BENCH_PROFILE || undefined);
if (PROFILE !== undefined) scenarioByShort(PROFILE); // a wrong name fails before anything starts
if (PROFILE !== undefined && ONLY !== undefined) throw new Error('--profile runs one scenario on its own: give it without --only.');
const SECONDS = numberFromEnv('BENCH_SECONDS', 10, 1);
const WARMUP_SECONDS = numberFromEnv('BENCH_WARMUP_SECONDS', 2, 0);
const ROUNDS = numberFromEnv('BENCH_ROUNDS', 3, 1, true);
const IDLE_SECONDS = numberFromEnv('BENCH_IDLE_SECONDS', 2, 0);
const STARTUP_SAMPLES = numberFromEnv('BENCH_STARTUP_SAMPLES', 10, 1, true);
const SOAK_SECONDS = numberFromEnv('BENCH_SOAK_SECONDS', 600, 10);
const PROFILE_TOP = numberFromEnv('BENCH_PROFILE_TOP', 20, 1, true);
const RESULTS_FILE = process.env.BENCH_RESULTS === '-' ? undefined : (process.env.BENCH_RESULTS || join(ROOT, 'bench', 'RESULTS.md'));
const SCENARIO_FILTER = (process.env.BENCH_SCENARIOS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
for (const s of SCENARIO_FILTER) scenarioByShort(s);
const LOAD_SCENARIOS = SCENARIOS.filter((s) => s.store === undefined || SCENARIO_FILTER.length === 0 || SCENARIO_FILTER.includes(s.short));

let interrupted = false;
const log = (line: string) => process.stderr.write(`${line}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    log(`\n${signal}: stopping load and children`);
    void stopLoad()
      .then(() => stopAll())
      .finally(() => process.exit(130));
  });
}

interface Output {
  readonly text: string;
  readonly markdown: string;
}

async function main(): Promise<number> {
  const started = new Date();
  const parts = PROFILE ? [] : ONLY ? [ONLY] : DEFAULT_PARTS;
  const perWindow = SECONDS + WARMUP_SECONDS + IDLE_SECONDS + 60;
  const budgetMs =
    1000 *
    ((PROFILE ? perWindow + 120 : 0) +
      (parts.includes('load') ? ROUNDS * LOAD_SCENARIOS.length * perWindow : 0) +
      (parts.includes('startup') ? (STARTUP_SAMPLES + 1) * 8 * 30 + 120 : 0) +
      // two stores: seeding (a few minutes at most), then 2 × 5 jobs and 4 $skip jobs per round
      (parts.includes('scale') ? 2 * (900 + ROUNDS * 14 * perWindow) : 0) +
      (parts.includes('soak') ? SOAK_SECONDS + perWindow + 120 : 0));
  const watchdog = setTimeout(() => {
    log(`watchdog: the run took longer than ${budgetMs / 1000} s; stopping`);
    void stopLoad()
      .then(() => stopAll())
      .finally(() => process.exit(1));
  }, budgetMs);
  watchdog.unref();
  const machineNote = machine(); // before the run: its load average is the one the run started in
  const rev = revision(); // before the run too: the commit built and measured, whatever is committed meanwhile
  build(); // dist/ as the package ships it: what every part runs
  const needsPg =
    (PROFILE && scenarioByShort(PROFILE).store === 'postgres') || (parts.includes('load') && LOAD_SCENARIOS.some((s) => s.store === 'postgres')) || parts.includes('scale');
  if (needsPg) {
    const problem = await postgresProblem();
    if (problem) throw new Error(`PostgreSQL is not available (${problem}); set BENCH_PG_ADMIN_URL, or BENCH_SCENARIOS to SQLite scenarios only.`);
  }

  const outputs: Output[] = [];
  const flagged: string[] = [];
  const how: string[] = [];
  const ac = await autocannonVersion();

  if (PROFILE) {
    const p = await runProfile(PROFILE, { seconds: SECONDS, warmupSeconds: WARMUP_SECONDS, connections: CONNECTIONS, top: PROFILE_TOP, log });
    outputs.push({ text: p.text, markdown: p.markdown });
    if (p.window.problems.length) flagged.push(p.scenario);
    how.push(`profile: node --cpu-prof, warm-up ${WARMUP_SECONDS} s, then ${SECONDS} s measured; autocannon ${ac} in its own process, ${CONNECTIONS} connections`);
  }
  if (parts.includes('load')) {
    const results = await runLoad({
      rounds: ROUNDS,
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      idleSeconds: IDLE_SECONDS,
      connections: CONNECTIONS,
      scenarios: LOAD_SCENARIOS,
      log,
      interrupted: () => interrupted,
    });
    outputs.push(loadText(results));
    flagged.push(...loadFlagged(results));
    const bytes = [...new Map(results.flatMap((r) => r.rounds.filter((x) => x.bytes).map((x) => [r.scenario.short, `${r.scenario.short} ${x.bytes} B`] as const))).values()];
    how.push(
      `load: ${ROUNDS} alternating round(s); per scenario a fresh process, ${IDLE_SECONDS} s idle, warm-up ${WARMUP_SECONDS} s, then ${SECONDS} s measured; autocannon ${ac} in its own process, ${CONNECTIONS} connections; response bodies: ${bytes.join(', ')}`,
    );
  }
  if (parts.includes('startup')) {
    log(`start-up: ${STARTUP_SAMPLES} rounds after a warm-up round`);
    const rows = await runStartup({ samples: STARTUP_SAMPLES, log, interrupted: () => interrupted });
    const t = { header: STARTUP_HEADER, rows: startupTableRows(rows), textColumns: [0, STARTUP_HEADER.length - 1] };
    outputs.push({ text: textTable(t), markdown: markdownTable(t) });
    flagged.push(...rows.filter((r) => r.problems.length).map((r) => r.name));
    how.push(
      `start-up: one warm-up round, then ${STARTUP_SAMPLES} rounds of every measurement in turn; wall time from spawning node (or calling start) to the first /health 200 (or the exit of \`node -e 0\` and of \`token\`)`,
    );
  }
  if (parts.includes('scale')) {
    const result = await runScale({ stores: ['sqlite', 'postgres'], rounds: ROUNDS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS, connections: CONNECTIONS, log, interrupted: () => interrupted });
    outputs.push(scaleText(result));
    flagged.push(...scaleFlagged(result));
    how.push(
      `scale: stores seeded directly (bench/seedStore.ts), then ${ROUNDS} alternating round(s) of every job on the 10k and at once on the 1M store, and the $skip jobs; per window warm-up ${WARMUP_SECONDS} s, then ${SECONDS} s measured; autocannon ${ac} in its own process, ${CONNECTIONS} connections`,
    );
  }
  if (parts.includes('soak')) {
    const result = await runSoak({ seconds: SOAK_SECONDS, warmupSeconds: WARMUP_SECONDS, idleSeconds: IDLE_SECONDS, connections: CONNECTIONS, log });
    outputs.push(soakText(result));
    if (result.window.problems.length) flagged.push('soak');
    how.push(`soak: one service on SQLite, warm-up ${WARMUP_SECONDS} s, then ${SOAK_SECONDS} s measured; autocannon ${ac} in its own process, ${CONNECTIONS} connections`);
  }
  clearTimeout(watchdog);

  const env = [
    (PROFILE || parts.includes('load') || parts.includes('scale')) && `BENCH_SECONDS=${SECONDS}`,
    (PROFILE || parts.includes('load') || parts.includes('scale') || parts.includes('soak')) && `BENCH_WARMUP_SECONDS=${WARMUP_SECONDS}`,
    (parts.includes('load') || parts.includes('scale')) && `BENCH_ROUNDS=${ROUNDS}`,
    parts.includes('load') && SCENARIO_FILTER.length > 0 && `BENCH_SCENARIOS=${SCENARIO_FILTER.join(',')}`,
    parts.includes('startup') && `BENCH_STARTUP_SAMPLES=${STARTUP_SAMPLES}`,
    parts.includes('soak') && `BENCH_SOAK_SECONDS=${SOAK_SECONDS}`,
  ].filter(Boolean);
  const args = PROFILE ? ` --profile ${PROFILE}` : ONLY ? ` --only ${ONLY}` : '';
  const command = `${env.join(' ')} ${process.env.npm_lifecycle_event === 'bench' ? `npm run bench${args ? ` --${args}` : ''}` : `node --import tsx bench/run.ts${args}`}`;
  const details = [
    `- date: ${started.toISOString()}`,
    `- machine: ${machineNote}`,
    `- command: \`${command}\` (${how.join('. ')})`,
    `- service: commit ${rev.text} (dist/ built from it by scripts/build.mjs)`,
  ];

  process.stdout.write(`\n${outputs.map((o) => o.text).join('\n\n')}\n\n${details.join('\n')}\n`);
  if (flagged.length) process.stdout.write(`\nFLAGGED (not valid measurements): ${flagged.join('; ')}\n`);

  if (RESULTS_FILE) {
    const which = PROFILE ? ` (profile of ${PROFILE})` : ONLY ? ` (${ONLY} only)` : '';
    const heading = `## Run of ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC${which}${flagged.length ? ' (FLAGGED: not all measurements succeeded)' : ''}`;
    const file = await appendResults(RESULTS_FILE, { heading, details, body: outputs.map((o) => o.markdown).join('\n\n') }, rev.head);
    process.stdout.write(`\nappended to ${file}\n`);
  }
  return flagged.length ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (err: unknown) => {
    await stopLoad();
    await stopAll();
    log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  },
);
