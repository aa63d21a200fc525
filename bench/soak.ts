// The soak part (`npm run bench -- --only soak`): one service on SQLite (`node dist/main.js serve`, a fresh data dir,
// default settings) under a mixed load for BENCH_SOAK_SECONDS: every connection creates a phone, GETs it, lists,
// PATCHes it and DELETEs it, over and over (bench/loader.mjs 'mix'), so the store stays small and memory that grows is
// the service's, not the data's. Its VmRSS is read every 10 s. Issue 15's target: at most 150 MB, and no growth.
//
// "Growth" is judged on the second half of the window (the first holds warm-up: JIT, caches, heap sizing): the
// least-squares line through its samples must rise by at most GROWTH_LIMIT_MIB over that half.
import { hasExited, makeTempDir, removeTempDir, stopChild } from './children.ts';
import { RSS_TARGET } from './load.ts';
import { measure, type Window } from './measure.ts';
import { memory } from './procStats.ts';
import { fmt, markdownTable, mb, ms, textTable, type Table } from './report.ts';
import { createReq, USER, type Target } from './scenarios.ts';
import { mintToken, probe, sleep, startService } from './services.ts';

export const SOAK_EVERY_MS = 10_000;
const GROWTH_LIMIT_MIB = 5;
const SEED = 5;

export interface SoakResult {
  readonly seconds: number;
  readonly idleRssKiB: number;
  readonly window: Window;
  /** RSS samples with their time into the window (s). */
  readonly samples: { at: number; kib: number }[];
  /** The fitted rise over the second half, in MiB (NaN with fewer than 2 samples there). */
  readonly secondHalfRiseMiB: number;
}

/** Least-squares slope of kib over at, times the span of `at`: the fitted rise, in MiB. */
function fittedRise(points: { at: number; kib: number }[]): number {
  if (points.length < 2) return NaN;
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.at, 0) / n;
  const my = points.reduce((s, p) => s + p.kib, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.at - mx) ** 2, 0);
  const sxy = points.reduce((s, p) => s + (p.at - mx) * (p.kib - my), 0);
  if (sxx === 0) return NaN;
  return ((sxy / sxx) * (points[n - 1]!.at - points[0]!.at)) / 1024;
}

export async function runSoak(o: { seconds: number; warmupSeconds: number; idleSeconds: number; connections: number; log: (line: string) => void }): Promise<SoakResult> {
  const dataDir = await makeTempDir();
  let running: Awaited<ReturnType<typeof startService>> | undefined;
  try {
    running = await startService({ name: 'service (soak)', dataDir });
    const token = await mintToken(USER, { dataDir });
    const t: Target = { ...running, token, store: 'sqlite' };
    for (let i = 0; i < SEED; i++) await probe(running.base, createReq(t)); // the list has phones of its own to show
    await sleep(o.idleSeconds * 1000);
    const idleRssKiB = memory(running.child.proc.pid!).rssKiB;
    o.log(`soak: ${o.seconds} s of create / get / list / patch / delete at ${o.connections} connections; RSS idle ${mb(idleRssKiB)} MB, then every ${SOAK_EVERY_MS / 1000} s:`);
    const samples: { at: number; kib: number }[] = [];
    const window = await measure({
      base: running.base,
      server: running.child,
      spec: { kind: 'mix', headers: { authorization: `Bearer ${token}` }, createBody: createReq(t).body!, patchBody: JSON.stringify({ displayName: 'Desk', type: 'business' }) },
      connections: o.connections,
      warmupSeconds: o.warmupSeconds,
      seconds: o.seconds,
      rssEveryMs: SOAK_EVERY_MS,
      onRss: (kib, at) => {
        samples.push({ at, kib });
        o.log(`  ${at.toFixed(0).padStart(5)} s  ${mb(kib)} MB`);
      },
    });
    if (window.problems.length) o.log(`  FLAGGED: ${window.problems.join('; ')}${hasExited(running.child) ? `\n${running.child.output()}` : ''}`);
    const secondHalf = samples.filter((s) => s.at >= o.seconds / 2);
    return { seconds: o.seconds, idleRssKiB, window, samples, secondHalfRiseMiB: fittedRise(secondHalf) };
  } finally {
    if (running) await stopChild(running.child, 'SIGINT');
    await removeTempDir(dataDir);
  }
}

export function soakTable(r: SoakResult): Table {
  const kib = r.samples.map((s) => s.kib);
  const max = Math.max(...kib);
  const rise = r.secondHalfRiseMiB;
  const w = r.window;
  const verdict = [
    `max sampled ≤ ${RSS_TARGET.loadMiB} MB: ${max / 1024 <= RSS_TARGET.loadMiB ? 'met' : 'not met'}`,
    // VmHWM also catches a peak between two samples (10 s apart), and the warm-up's
    `VmHWM ≤ ${RSS_TARGET.loadMiB} MB: ${w.hwmKiB / 1024 <= RSS_TARGET.loadMiB ? 'met' : 'not met'}`,
    !Number.isFinite(rise) ? 'growth: too few samples' : rise <= GROWTH_LIMIT_MIB ? `no growth (≤ ${GROWTH_LIMIT_MIB} MB): met` : `no growth (≤ ${GROWTH_LIMIT_MIB} MB): not met`,
  ].join('; ');
  return {
    title: `Soak: ${fmt(r.seconds)} s of mixed load on SQLite (RSS every ${SOAK_EVERY_MS / 1000} s; growth = rise of the least-squares line through the second half's samples)`,
    header: ['RSS MB idle / first / max / end', 'VmHWM MB', 'second-half rise MB', 'server CPU µs/req', 'req/s', 'p50 / p99 ms', 'target', 'check'],
    rows: [
      [
        `${mb(r.idleRssKiB)} / ${mb(kib[0] ?? NaN)} / ${mb(max)} / ${mb(kib.at(-1) ?? NaN)}`,
        mb(w.hwmKiB),
        fmt(rise, 1),
        fmt(w.cpuUsPerRequest),
        fmt(w.load.rps),
        `${ms(w.load.latency.p50)} / ${ms(w.load.latency.p99)}`,
        verdict,
        w.problems.length ? `FLAGGED: ${w.problems.join('; ')}` : `ok (${Object.entries(w.load.statusCodes).map(([c, n]) => `${c}×${n}`).join(', ')})`,
      ],
    ],
    textColumns: [0, 6, 7],
  };
}

export function soakText(r: SoakResult) {
  const t = soakTable(r);
  const series = `RSS MB at ${r.samples.map((s) => `${s.at.toFixed(0)} s: ${mb(s.kib)}`).join(', ')}`;
  return { text: `${textTable(t)}\n${series}`, markdown: `${markdownTable(t)}\n\n${series}` };
}
