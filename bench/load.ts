// The load part: every scenario of bench/scenarios.ts, each on a fresh process, in BENCH_ROUNDS alternating rounds
// (round 1 runs every scenario once, then round 2, ...), so that the machine's slow spells fall on all of them alike.
// Per scenario: server CPU per request (median over the rounds, and its multiple of the ceiling's median), the
// database's on PostgreSQL, req/s and p50/p99 latency (medians), and the server's memory: VmRSS idle (after start
// and seeding, after BENCH_IDLE_SECONDS of quiet), the most VmRSS sampled every 250 ms under load, and VmHWM.
import { hasExited } from './children.ts';
import { measure, type Window } from './measure.ts';
import { markdownTable, mb, median, ms, spread, textTable, fmt, type Table } from './report.ts';
import { memory } from './procStats.ts';
import { prepareScenario, type Scenario } from './scenarios.ts';
import { sleep } from './services.ts';

/** Issue 15's memory targets for the service, in MiB. */
export const RSS_TARGET = { idleMiB: 80, loadMiB: 150 };

export interface LoadOptions {
  readonly rounds: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly idleSeconds: number;
  readonly connections: number;
  readonly scenarios: readonly Scenario[];
  readonly log: (line: string) => void;
  readonly interrupted: () => boolean;
}

interface RoundResult {
  readonly window: Window;
  readonly idleRssKiB: number;
  readonly bytes: number;
  readonly problems: string[];
}

export interface ScenarioResult {
  readonly scenario: Scenario;
  readonly rounds: RoundResult[];
}

async function runOnce(s: Scenario, o: LoadOptions): Promise<RoundResult> {
  const prepared = await prepareScenario(s);
  try {
    const { child } = prepared.target;
    await sleep(o.idleSeconds * 1000); // quiet after start and seeding: what the process keeps when nothing happens
    const idleRssKiB = hasExited(child) ? NaN : memory(child.proc.pid!).rssKiB;
    const window = await measure({
      base: prepared.target.base,
      server: child,
      spec: { kind: 'single', request: prepared.req },
      connections: o.connections,
      warmupSeconds: o.warmupSeconds,
      seconds: o.seconds,
      database: s.store === 'postgres',
    });
    if (window.problems.length) o.log(`  FLAGGED: ${window.problems.join('; ')}\n  last output of ${child.name}:\n${child.output()}`);
    return { window, idleRssKiB, bytes: prepared.bytes, problems: window.problems };
  } finally {
    await prepared.close();
  }
}

export async function runLoad(o: LoadOptions): Promise<ScenarioResult[]> {
  const results = o.scenarios.map((scenario) => ({ scenario, rounds: [] as RoundResult[] }));
  for (let round = 1; round <= o.rounds; round++) {
    for (const [i, r] of results.entries()) {
      if (o.interrupted()) throw new Error('interrupted');
      o.log(`[round ${round}/${o.rounds}, ${i + 1}/${results.length}] ${r.scenario.name}`);
      try {
        const one = await runOnce(r.scenario, o);
        const w = one.window;
        o.log(
          `  ${fmt(w.cpuUsPerRequest)} µs/req${w.dbCpuUsPerRequest !== undefined ? ` + database ${fmt(w.dbCpuUsPerRequest)} µs/req` : ''}, ${fmt(w.load.rps)} req/s, p99 ${ms(w.load.latency.p99)} ms, RSS idle ${mb(one.idleRssKiB)} MB, max ${mb(Math.max(...w.rssSamplesKiB))} MB`,
        );
        r.rounds.push(one);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        o.log(`  FLAGGED: ${message}`);
        r.rounds.push({ window: undefined as unknown as Window, idleRssKiB: NaN, bytes: 0, problems: [message.split('\n')[0]!] });
      }
    }
  }
  return results;
}

const ok = (r: RoundResult) => r.problems.length === 0 && r.window !== undefined;
const cpuOf = (r: ScenarioResult) => r.rounds.filter(ok).map((x) => x.window.cpuUsPerRequest);

/** The table of a load run, its multiples of the ceiling's (the reference scenario that is not the stack's floor). */
export function loadTable(results: ScenarioResult[]): Table {
  const ceiling = results.find((r) => r.scenario.store === undefined && !r.scenario.stackFloor);
  const ceilingCpu = ceiling && ceiling.rounds.every(ok) ? median(cpuOf(ceiling)) : NaN;
  const rows = results.map((r) => {
    const good = r.rounds.filter(ok);
    const flagged = r.rounds.length - good.length;
    const cpu = median(cpuOf(r));
    const ratio = cpu / ceilingCpu;
    const isCeiling = r === ceiling;
    const isReference = r.scenario.store === undefined;
    const w = good.map((x) => x.window);
    const idle = Math.max(...good.map((x) => x.idleRssKiB));
    const loadMax = Math.max(...w.map((x) => Math.max(...x.rssSamplesKiB)));
    const hwm = Math.max(...w.map((x) => x.hwmKiB));
    const target = r.scenario.cpuTarget;
    const cpuMet = target === undefined || !Number.isFinite(ratio) ? '-' : ratio <= target ? 'met' : 'not met';
    const rssMet = isReference || !good.length ? '-' : `${idle / 1024 <= RSS_TARGET.idleMiB ? 'met' : 'not met'} / ${loadMax / 1024 <= RSS_TARGET.loadMiB ? 'met' : 'not met'}`;
    const db = w.map((x) => x.dbCpuUsPerRequest).filter((x): x is number => x !== undefined);
    const statuses = new Map<string, number>();
    for (const x of w) for (const [code, n] of Object.entries(x.load.statusCodes)) statuses.set(code, (statuses.get(code) ?? 0) + n);
    const problems = [...new Set(r.rounds.flatMap((x) => x.problems))];
    return [
      r.scenario.name,
      spread(cpuOf(r)),
      isCeiling ? '1' : Number.isFinite(ratio) ? fmt(ratio, 1) : '-',
      target === undefined ? '-' : `≤ ${target}×`,
      cpuMet,
      db.length ? spread(db) : '-',
      fmt(median(w.map((x) => x.load.rps))),
      `${ms(median(w.map((x) => x.load.latency.p50)))} / ${ms(median(w.map((x) => x.load.latency.p99)))}`,
      `${mb(idle)} / ${mb(loadMax)} / ${mb(hwm)}`,
      rssMet,
      flagged || problems.length ? `FLAGGED (${flagged} of ${r.rounds.length} rounds): ${problems.join('; ')}` : `ok (${[...statuses].map(([c, n]) => `${c}×${n}`).join(', ')})`,
    ];
  });
  return {
    header: [
      'scenario',
      'server CPU µs/req: median (min–max)',
      '× ceiling',
      'target',
      'CPU target',
      'database CPU µs/req',
      'req/s',
      'p50 / p99 ms',
      'RSS MB: idle / max under load / HWM',
      `RSS ≤ ${RSS_TARGET.idleMiB} idle / ≤ ${RSS_TARGET.loadMiB} load`,
      'check',
    ],
    rows,
    textColumns: [0, 3, 4, 9, 10],
  };
}

export const loadFlagged = (results: ScenarioResult[]) => results.filter((r) => !r.rounds.every(ok)).map((r) => r.scenario.name);

export function loadText(results: ScenarioResult[]) {
  const t = loadTable(results);
  return { text: textTable(t), markdown: markdownTable(t) };
}
