// Runs every test file under test/ with Node's test runner, once per store: SQLite, then PostgreSQL
// (TEST_STORE=postgres; test/postgres/ holds the suites only PostgreSQL has). The two TAP streams are
// joined into one: tests numbered on, one plan, and one closing summary that adds both runs up, since
// the closing "# tests / # pass / # fail" lines are what CI reads. Exits non-zero if either run fails.
//
// Without a PostgreSQL server (TEST_PG_ADMIN_URL, default postgres://postgres@127.0.0.1:5432/postgres) the
// PostgreSQL run is reported as one skipped test saying why, unless CI is set: then it is a failure.
// TEST_STORES=sqlite (or postgres) runs one store only. Arguments filter the files by name.
// A script rather than a shell glob: Node 20 neither expands quoted globs nor finds .ts files itself.
//
// The run makes one development TLS certificate (src/tls.ts) and gives every test process NODE_EXTRA_CA_CERTS
// (trust it) and TEST_TLS_DIR (where the pair is): see trustedCertificate below.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { tsImport } from 'tsx/esm/api';

const root = new URL('.', import.meta.url).pathname;

// The tests of the command and the package run dist/ (scripts/build.mjs; quick when nothing changed since).
if (spawnSync(process.execPath, [join(root, '..', 'scripts', 'build.mjs')], { stdio: 'inherit' }).status !== 0) {
  console.error('the build failed (node scripts/build.mjs)');
  process.exit(1);
}
const files = readdirSync(root, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.ts'))
  .sort();
if (files.length === 0) {
  console.error('no test files found under test/');
  process.exit(1);
}
const only = process.argv.slice(2);
const chosen = (only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files).map((f) => ({
  path: join(root, f),
  postgresOnly: f.startsWith(`postgres${sep}`),
}));

/**
 * The sign-in tests drive the official libraries (@azure/msal-node, @azure/identity), which insist on an https
 * authority, and @azure/identity sends through node https agents of its own: the one way a test process can make
 * them trust the service is NODE_EXTRA_CA_CERTS, read once when the process starts, as an app developer does. So
 * the runner makes one development certificate per run, with the service's own code, before any test process
 * starts; test/support/signIn.ts gives a copy of the pair (TEST_TLS_DIR) to each service it starts. The folder
 * goes when the runner exits, however it exits.
 */
async function trustedCertificate() {
  const dir = mkdtempSync(join(tmpdir(), 'phones-test-tls-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      running?.kill(signal); // the test process would otherwise outlive the folder it uses
      process.exit(128 + constants.signals[signal]);
    });
  }
  const { loadOrCreateDevCertificate } = await tsImport('../src/tls.ts', import.meta.url);
  const { devCertPath } = await loadOrCreateDevCertificate(dir);
  return { NODE_EXTRA_CA_CERTS: devCertPath, TEST_TLS_DIR: dir };
}
let running; // the test process of the store being run
const tlsEnv = await trustedCertificate();

const stores = (process.env.TEST_STORES ?? 'sqlite,postgres').split(',').map((s) => s.trim()).filter(Boolean);
const adminUrl = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const SUMMARY = /^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ([\d.]+)$/;
const totals = { tests: 0, suites: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0, duration_ms: 0 };
const perStore = [];
let numbered = 0;
let failed = false;
const out = (line) => process.stdout.write(`${line}\n`);

/** Runs the files for one store, passing its TAP through renumbered; returns the exit code. */
async function runStore(store, paths) {
  out(`# store: ${store} (${paths.length} files)`);
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', ...paths], {
    env: { ...process.env, ...tlsEnv, TEST_STORE: store },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  running = child;
  const offset = numbered;
  const mine = {};
  for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) {
    const summary = SUMMARY.exec(line);
    if (summary) {
      totals[summary[1]] += Number(summary[2]);
      mine[summary[1]] = Number(summary[2]);
      continue;
    }
    if (line === 'TAP version 13') continue; // printed once, above both runs
    if (/^1\.\.\d+$/.test(line)) continue; // one plan for both runs, at the end
    const result = /^(not ok|ok) (\d+)(.*)$/.exec(line);
    if (result) {
      numbered = offset + Number(result[2]);
      out(`${result[1]} ${numbered}${result[3].replace(/^( - [^#]*?)( #|$)/, `$1 [${store}]$2`)}`);
      continue;
    }
    out(line);
  }
  const code = await new Promise((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  perStore.push(`# ${store}: ${mine.tests ?? 0} tests, ${mine.pass ?? 0} pass, ${mine.fail ?? 0} fail, ${mine.skipped ?? 0} skipped, ${Math.round((mine.duration_ms ?? 0) / 1000)} s`);
  return code;
}

/** One top-level TAP result of our own (the PostgreSQL run that could not happen). */
function report(ok, name, directive = '') {
  numbered++;
  totals.tests++;
  if (directive.startsWith('SKIP')) totals.skipped++; // as node's runner counts a skip: not a pass
  else if (ok) totals.pass++;
  else totals.fail++;
  out(`${ok ? 'ok' : 'not ok'} ${numbered} - ${name}${directive ? ` # ${directive}` : ''}`);
}

async function postgresProblem() {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (err) {
    return err.message || err.errors?.[0]?.message || err.code || String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

out('TAP version 13');
for (const store of stores) {
  const paths = chosen.filter((f) => store === 'postgres' || !f.postgresOnly).map((f) => f.path);
  if (paths.length === 0) continue;
  if (store === 'postgres') {
    const problem = await postgresProblem();
    if (problem) {
      const why = `PostgreSQL not available at ${adminUrl.replace(/:[^:@/]*@/, ':***@')} (${problem})`;
      if (process.env.CI) {
        console.error(`\nFAILED: ${why}. CI must run the suites against PostgreSQL too.\n`);
        report(false, 'the whole suite against PostgreSQL');
        failed = true;
      } else {
        console.error(`\nSKIPPED the PostgreSQL run: ${why}. Start one (or set TEST_PG_ADMIN_URL) to run it; with CI set this is a failure.\n`);
        report(true, 'the whole suite against PostgreSQL', `SKIP ${why}, and CI is not set`);
      }
      continue;
    }
  }
  if ((await runStore(store, paths)) !== 0) failed = true;
}
out(`1..${numbered}`);
for (const line of perStore) out(line);
for (const [k, v] of Object.entries(totals)) out(`# ${k} ${k === 'duration_ms' ? v.toFixed(3) : v}`);
if (!failed && totals.fail > 0) failed = true; // never trust an exit code over the count
process.exit(failed ? 1 : 0);
