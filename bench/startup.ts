// The benchmark's start-up part (bench/run.ts; `npm run bench -- --only startup` runs it alone): how soon the built
// command (dist/main.js, what the package's bin runs) answers /health 200, how long the token command takes, and how
// soon an in-process start answers its first request, beside `node -e 0` measured in the same run as the floor.
//
// One unmeasured warm-up round, then `samples` rounds; a round runs every measurement once, one after another, so
// that the machine's slow spells fall on all of them alike. The table gives the median and the max wall time.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { makeTempDir, removeTempDir, ROOT, startChild, stopChild, type Child } from './children.ts';

const DIST_MAIN = join(ROOT, 'dist', 'main.js');
/** The in-process test helper's entry as the package ships it (src/emulator/testing.ts, built by scripts/build.mjs). */
const DIST_TESTING = join(ROOT, 'dist', 'testing.js');
const PROBE = join(ROOT, 'bench', 'startupProbe.mjs');
const USER = 'bench@contoso.com';
const TIMEOUT_MS = 30_000;

/** The targets of issue 12 ("Fast"), in ms. */
const TARGET = { serve: 1000, token: 300, inProcess: 300 };

export interface StartupRow {
  readonly name: string;
  /** Wall times in ms, one per measured round. */
  readonly samples: number[];
  readonly targetMs?: number;
  /** It starts a new node process, so `node -e 0` is part of its time and the excess over it means something. */
  readonly newProcess: boolean;
  /** Why its figures are not a valid measurement; empty when they are. */
  readonly problems: string[];
  /** Why it was not measured at all (not a failure: what it measures does not exist yet). */
  readonly notMeasured?: string;
}

interface Measurement {
  readonly name: string;
  readonly targetMs?: number;
  readonly newProcess: boolean;
  /** One run; its figure(s) in ms: several when one run measures several rows (see `rows`). */
  once(): Promise<number | number[]>;
  /** Row names when `once` gives several figures; default: [name]. */
  readonly rows?: string[];
  /** Once after the last round. */
  cleanUp?(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Timing one run

/** GET `url` on a connection of its own (none left open to hold up a stop); its status. */
function getStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${url}: no answer in 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** The URL from the service's 'listening' log line (it listens on --port 0). */
function listeningUrl(child: Child): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${child.name}: not listening after ${TIMEOUT_MS} ms:\n${child.output()}`)), TIMEOUT_MS);
    const lines = createInterface({ input: child.proc.stdout! });
    lines.on('line', (line) => {
      let entry: { msg?: string; url?: string };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if (entry.msg !== 'listening') return;
      clearTimeout(timer);
      lines.close();
      resolve(entry.url!);
    });
    void child.exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${child.name} exited (code ${child.proc.exitCode}) before listening:\n${child.output()}`));
    });
  });
}

/** From spawning `node <args>` to its exit; it must exit 0. Its output, for the caller to check. */
async function timeToExit(name: string, args: string[]): Promise<{ ms: number; output: string }> {
  const t0 = performance.now();
  const child = startChild(name, args);
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), TIMEOUT_MS);
  await child.exited;
  const ms = performance.now() - t0;
  clearTimeout(timer);
  if (child.proc.exitCode !== 0) throw new Error(`${name} exited ${child.proc.exitCode ?? child.proc.signalCode}:\n${child.output()}`);
  return { ms, output: child.output() };
}

/** From spawning the service to its first /health 200; then it is stopped (SIGINT: at once) and must exit 0. */
async function timeToHealthy(name: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  const child = startChild(name, [DIST_MAIN, '--port', '0', ...args]);
  let ms: number;
  try {
    const url = await listeningUrl(child);
    // The service says 'listening' once ready, so its first /health is normally the 200; a 503 would be asked again.
    for (;;) {
      const status = await getStatus(`${url}/health`);
      if (status === 200) break;
      if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`${name}: /health ${status} after ${TIMEOUT_MS} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
    ms = performance.now() - t0;
  } finally {
    await stopChild(child, 'SIGINT');
  }
  if (child.proc.exitCode !== 0) throw new Error(`${name} exited ${child.proc.exitCode ?? child.proc.signalCode} when stopped:\n${child.output()}`);
  return ms;
}

// ---------------------------------------------------------------------------------------------------------------
// In-process starts. THE PLACE FOR THE IN-PROCESS TEST HELPER: measureInProcess takes a name and a start() whose
// result can close(); inProcessHelper measures startGraphPhones (dist/testing.js) once it exists.

export interface InProcessStart {
  /** Starts the service in this process; resolves once it is listening. */
  (): Promise<{ readonly url: string; close(): Promise<void> }>;
}

/** In the bench's own process: from calling `start` to the first answer (GET /health 200); close() is not timed. */
export function measureInProcess(name: string, start: InProcessStart, targetMs?: number): Measurement {
  return {
    name,
    targetMs,
    newProcess: false,
    async once() {
      const t0 = performance.now();
      const running = await start();
      try {
        const status = await getStatus(`${running.url}/health`);
        if (status !== 200) throw new Error(`${name}: /health answered ${status}`);
        return performance.now() - t0;
      } finally {
        await running.close();
      }
    },
  };
}

/**
 * startGraphPhones({ inMemory: true }) in a fresh node process per run (bench/startupProbe.mjs): the first start,
 * from just before the import of dist/testing.js (module load included) to the first answer, and a later start in
 * the same process. Undefined while dist/testing.js does not exist.
 */
function inProcessHelper(): Measurement | undefined {
  if (!existsSync(DIST_TESTING)) return undefined;
  const first = 'startGraphPhones({ inMemory: true }), fresh process: import + start to first answer';
  const later = 'startGraphPhones({ inMemory: true }), a later start in the same process';
  return {
    name: first,
    rows: [first, later],
    targetMs: TARGET.inProcess,
    newProcess: false, // timed inside the process, after node's own start
    async once() {
      const { output } = await timeToExit('startGraphPhones probe', [PROBE, pathToFileURL(DIST_TESTING).href]);
      const line = output.split('\n').findLast((l) => l.startsWith('{"firstMs"'));
      if (!line) throw new Error(`startGraphPhones probe printed no figures:\n${output}`);
      const figures = JSON.parse(line) as { firstMs: number; laterMs: number };
      return [figures.firstMs, figures.laterMs];
    },
  };
}

/** What startGraphPhones will wrap, until it exists: startService (src/serve.ts) in memory, in the bench's process. */
const serviceInBenchProcess = measureInProcess('startService in memory, in the bench process (src via tsx; module load not timed)', async () => {
  const [{ startService }, { loadConfig }] = await Promise.all([import('../src/serve.ts'), import('../src/config.ts')]);
  const service = await startService(loadConfig(['--in-memory', '--port', '0', '--log-level', 'silent'], {}));
  return { url: service.url, close: () => service.stop() };
});

// ---------------------------------------------------------------------------------------------------------------

function measurements(): { list: Measurement[]; notMeasured: StartupRow[] } {
  let restartDir: string | undefined;
  let tokenDir: string | undefined;
  const list: Measurement[] = [
    {
      name: '`node -e 0` (the floor: a node process and nothing else)',
      newProcess: true,
      once: async () => (await timeToExit('node -e 0', ['-e', '0'])).ms,
    },
    {
      name: '`node dist/main.js --port 0 --data-dir <new empty dir>` to /health 200 (SQLite, new key)',
      targetMs: TARGET.serve,
      newProcess: true,
      async once() {
        const dir = await makeTempDir();
        try {
          return await timeToHealthy('service (new data dir)', ['--data-dir', dir]);
        } finally {
          await removeTempDir(dir);
        }
      },
    },
    {
      name: '`node dist/main.js --port 0 --data-dir <dir of the warm-up>` to /health 200 (SQLite, a restart)',
      targetMs: TARGET.serve,
      newProcess: true,
      async once() {
        restartDir ??= await makeTempDir();
        return timeToHealthy('service (existing data dir)', ['--data-dir', restartDir]);
      },
      cleanUp: async () => void (restartDir && (await removeTempDir(restartDir))),
    },
    {
      name: '`node dist/main.js --port 0 --in-memory` to /health 200',
      targetMs: TARGET.serve,
      newProcess: true,
      once: () => timeToHealthy('service (in memory)', ['--in-memory']),
    },
    {
      name: '`node dist/main.js token --user <upn> --data-dir <dir>` (an existing key) to exit',
      targetMs: TARGET.token,
      newProcess: true,
      async once() {
        tokenDir ??= await makeTempDir(); // the warm-up run makes the key and the database
        const { ms, output } = await timeToExit('token', [DIST_MAIN, 'token', '--user', USER, '--data-dir', tokenDir]);
        if (!/^[\w-]+\.[\w-]+\.[\w-]+$/m.test(output)) throw new Error(`token: no token printed:\n${output}`);
        return ms;
      },
      cleanUp: async () => void (tokenDir && (await removeTempDir(tokenDir))),
    },
    serviceInBenchProcess,
  ];
  const helper = inProcessHelper();
  const notMeasured: StartupRow[] = [];
  if (helper) list.push(helper);
  else {
    notMeasured.push({
      name: 'startGraphPhones({ inMemory: true }) (in-process test helper)',
      samples: [],
      targetMs: TARGET.inProcess,
      newProcess: false,
      problems: [],
      notMeasured: 'dist/testing.js does not exist yet (src/emulator/testing.ts not written)',
    });
  }
  return { list, notMeasured };
}

export interface StartupOptions {
  /** Measured rounds (after one warm-up round). */
  readonly samples: number;
  readonly log: (line: string) => void;
  /** Checked between runs: true stops the part early (Ctrl+C). */
  readonly interrupted: () => boolean;
}

export async function runStartup({ samples, log, interrupted }: StartupOptions): Promise<StartupRow[]> {
  // dist/ as the package ships it (quick when nothing changed since the last build).
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed (node scripts/build.mjs)');

  const { list, notMeasured } = measurements();
  const figures = new Map(list.map((m) => [m, [] as number[][]]));
  const problems = new Map(list.map((m) => [m, [] as string[]]));
  try {
    for (let round = 0; round <= samples; round++) {
      if (interrupted()) throw new Error('interrupted');
      log(round === 0 ? '  warm-up round' : `  round ${round}/${samples}`);
      for (const m of list) {
        if (problems.get(m)!.length) continue; // one failure makes the row invalid; its later runs would say nothing
        try {
          const result = await m.once();
          if (round > 0) figures.get(m)!.push(Array.isArray(result) ? result : [result]);
        } catch (err) {
          problems.get(m)!.push(err instanceof Error ? err.message.split('\n')[0]! : String(err));
          log(`  FLAGGED ${m.name}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
  } finally {
    for (const m of list) await m.cleanUp?.();
  }

  const rows: StartupRow[] = [];
  for (const m of list) {
    (m.rows ?? [m.name]).forEach((name, i) => {
      rows.push({ name, samples: figures.get(m)!.map((f) => f[i]!), targetMs: m.targetMs, newProcess: m.newProcess, problems: problems.get(m)! });
    });
  }
  return [...rows, ...notMeasured];
}

// ---------------------------------------------------------------------------------------------------------------
// Reporting

export const STARTUP_HEADER = ['start-up', 'median ms', 'max ms', 'median over `node -e 0`', 'target ms', 'max within target', 'check'];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const ms = (n: number) => (n < 10 ? n.toFixed(1) : Math.round(n).toLocaleString('en-US'));

/** Table cells, in STARTUP_HEADER's order; the first row must be the floor. */
export function startupTableRows(rows: StartupRow[]): string[][] {
  const floor = rows[0]!;
  const floorMedian = floor.samples.length && !floor.problems.length ? median(floor.samples) : undefined;
  return rows.map((r) => {
    if (r.notMeasured) return [r.name, '-', '-', '-', r.targetMs ? ms(r.targetMs) : '-', '-', `NOT MEASURED: ${r.notMeasured}`];
    const valid = r.problems.length === 0 && r.samples.length > 0;
    const med = valid ? median(r.samples) : undefined;
    const max = valid ? Math.max(...r.samples) : undefined;
    return [
      r.name,
      med === undefined ? '-' : ms(med),
      max === undefined ? '-' : ms(max),
      r === floor ? '0' : !r.newProcess ? 'n/a (no new process)' : med === undefined || floorMedian === undefined ? '-' : ms(med - floorMedian),
      r.targetMs ? ms(r.targetMs) : '-',
      r.targetMs === undefined || max === undefined ? '-' : max <= r.targetMs ? 'yes' : 'no',
      valid ? `ok (${r.samples.length} runs)` : `FLAGGED: ${r.problems.join('; ') || 'no runs'}`,
    ];
  });
}
