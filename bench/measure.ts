// One measured window: the load generator (bench/loader.mjs) in a process of its own drives the server; as it marks
// the window's start and end (the load running on before and after), the server's CPU time (and the database's) is
// read from /proc, and the server's VmRSS is sampled in between. CPU per request = CPU time in the window / the
// responses that arrived in it.
import { createInterface } from 'node:readline';
import { hasExited, ROOT, startChild, stopChild, type Child } from './children.ts';
import { CLOCK_TICKS_PER_SECOND, cpuTicks, memory, postgresTicks, sampleRss } from './procStats.ts';
import { join } from 'node:path';

export type LoadSpec =
  | { readonly kind: 'single'; readonly request: { method: string; path: string; headers: Record<string, string>; body?: string; expectStatus: number } }
  | { readonly kind: 'chain'; readonly path: string; readonly headers: Record<string, string>; readonly pages: number }
  | { readonly kind: 'mix'; readonly headers: Record<string, string>; readonly createBody: string; readonly patchBody: string };

export interface LoaderResult {
  readonly responses: number;
  readonly rps: number;
  readonly durationSeconds: number;
  readonly latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly statusCodes: Record<string, number>;
  /** Answers other than the one each request expects, by what and status. */
  readonly unexpected: Record<string, number>;
}

export interface Window {
  readonly load: LoaderResult;
  /** Server CPU time in the window, per response, in µs. */
  readonly cpuUsPerRequest: number;
  /** The database's (every postgres process's) CPU time in the window, per response, in µs; when asked for. */
  readonly dbCpuUsPerRequest?: number;
  /** The server's VmRSS samples in the window (KiB), and its VmHWM at the end. */
  readonly rssSamplesKiB: number[];
  readonly hwmKiB: number;
  /** The window's wall time as the runner saw it, in process.hrtime µs (the clock of a CPU profile's timestamps). */
  readonly fromUs: number;
  readonly toUs: number;
  /** Why the window's figures are not a success; empty when they are. */
  readonly problems: string[];
}

export interface MeasureOptions {
  readonly base: string;
  readonly server: Child;
  readonly spec: LoadSpec;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  /** Also the database's CPU time (PostgreSQL scenarios). */
  readonly database?: boolean;
  /** How often the server's VmRSS is sampled in the window (ms). */
  readonly rssEveryMs?: number;
  /** Called with each RSS sample as it is taken, and its seconds into the window (the soak keeps and prints them). */
  readonly onRss?: (kib: number, secondsIn: number) => void;
}

const LOADER = join(ROOT, 'bench', 'loader.mjs');
const hrUs = () => Number(process.hrtime.bigint() / 1000n);

let current: Child | undefined;
/** Stops the load generator of the window under way (Ctrl+C, watchdog). */
export const stopLoad = async () => {
  if (current) await stopChild(current, 'SIGINT');
};

export async function measure(o: MeasureOptions): Promise<Window> {
  const pid = o.server.proc.pid!;
  const spec = { base: o.base, connections: o.connections, warmupSeconds: o.warmupSeconds, seconds: o.seconds, timeout: 10, ...o.spec };
  const loader = startChild('load generator', [LOADER, JSON.stringify(spec)]);
  current = loader;
  let before: { cpu: number; db: number; at: number } | undefined;
  let after: { cpu: number; db: number; at: number } | undefined;
  let rss: ReturnType<typeof sampleRss> | undefined;
  let result: LoaderResult | undefined;
  let rssSamplesKiB: number[] = [];
  const read = () => ({ cpu: cpuTicks(pid), db: o.database ? postgresTicks() : 0, at: hrUs() });
  const lines = createInterface({ input: loader.proc.stdout! });
  lines.on('line', (line) => {
    let msg: { event?: string } & Partial<LoaderResult>;
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      return;
    }
    if (msg.event === 'measuring' && !before && !hasExited(o.server)) {
      before = read();
      rss = sampleRss(pid, o.rssEveryMs ?? 250, o.onRss);
    } else if (msg.event === 'measured' && before && !after) {
      if (!hasExited(o.server)) after = read();
      rssSamplesKiB = rss!.stop();
      result = msg as unknown as LoaderResult;
    }
  });
  await loader.exited;
  current = undefined;
  if (!after) rssSamplesKiB = rss?.stop() ?? [];
  let hwmKiB = 0;
  try {
    hwmKiB = memory(pid).hwmKiB;
  } catch {
    // exited: flagged below
  }
  const problems: string[] = [];
  if (loader.proc.exitCode !== 0 || !result) problems.push(`the load generator failed (exit ${loader.proc.exitCode ?? loader.proc.signalCode}): ${loader.output().trim().slice(-500)}`);
  if (hasExited(o.server)) problems.push(`${o.server.name} exited during the run`);
  const load = result ?? { responses: 0, rps: 0, durationSeconds: 0, latency: { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 }, errors: 0, timeouts: 0, non2xx: 0, statusCodes: {}, unexpected: {} };
  if (load.errors) problems.push(`${load.errors} errors`);
  if (load.timeouts) problems.push(`${load.timeouts} timeouts`);
  if (load.non2xx) problems.push(`${load.non2xx} non-2xx`);
  const unexpected = Object.entries(load.unexpected);
  if (o.spec.kind === 'single') {
    const wanted = o.spec.request.expectStatus;
    for (const [code, n] of Object.entries(load.statusCodes)) if (Number(code) !== wanted) unexpected.push([`status ${code} (not ${wanted})`, n]);
  }
  if (unexpected.length) problems.push(`unexpected answers: ${unexpected.map(([what, n]) => `${what}×${n}`).join(', ')}`);
  if (result && load.responses === 0) problems.push('no responses');
  const us = (ticks: number) => (ticks * 1e6) / CLOCK_TICKS_PER_SECOND;
  const perRequest = (ticks: number) => (load.responses > 0 ? us(ticks) / load.responses : NaN);
  return {
    load,
    cpuUsPerRequest: before && after ? perRequest(after.cpu - before.cpu) : NaN,
    dbCpuUsPerRequest: o.database && before && after ? perRequest(after.db - before.db) : undefined,
    rssSamplesKiB,
    hwmKiB,
    fromUs: before?.at ?? NaN,
    toUs: after?.at ?? NaN,
    problems,
  };
}
