// Soak check (`npm run soak`, not part of `npm test`): the service as a child process under a steady mixed load
// (creates, lists, gets, patches, deletes over real HTTP on 127.0.0.1) for a fixed time, printing each minute the
// service's resident memory (VmRSS from /proc), the requests answered, p50/p99 latency and errors. The set of phones
// stays bounded (each worker deletes once it holds 20), so memory that grows is the service's, not the data's.
// An answer other than the expected status, or a failed request, is an error and makes the exit code 1.
//
// Flags: --minutes N (default 5; fractions allowed), --store sqlite|postgres (default sqlite),
// --concurrency N (requests in flight, default 8), --seed N (the operation mix).
import { readFileSync } from 'node:fs';
import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { PHONE_TYPES } from '../src/profile/phones/schema.ts';
import { bounded, call, cleanUp, createStore, startService, type StoreKind } from './support.ts';

const { values: flags } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    store: { type: 'string', default: 'sqlite' },
    concurrency: { type: 'string', default: '8' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
  },
  strict: true,
});
const MINUTES = Number(flags.minutes);
if (!(MINUTES > 0 && MINUTES <= 24 * 60)) throw new Error(`--minutes must be more than 0 and at most 1440, got '${flags.minutes}'.`);
if (flags.store !== 'sqlite' && flags.store !== 'postgres') throw new Error(`--store must be sqlite or postgres, got '${flags.store}'.`);
const STORE = flags.store as StoreKind;
const CONCURRENCY = Number(flags.concurrency);
if (!Number.isInteger(CONCURRENCY) || CONCURRENCY < 1 || CONCURRENCY > 256) throw new Error(`--concurrency must be 1-256, got '${flags.concurrency}'.`);
const SEED = Number(flags.seed);
const USERS = ['soak.alice@contoso.com', 'soak.bob@contoso.com', 'soak.carol@contoso.com', 'soak.dave@fabrikam.com'];
const PHONES = '/beta/me/profile/phones';
const MAX_PHONES_PER_WORKER = 20;
const REPORT_EVERY_MS = 60_000;

type Operation = 'create' | 'list' | 'get' | 'patch' | 'delete';
/** The mix, drawn up front from the seed: weights create 20, list 25, get 25, patch 15, delete 15. */
const MIX: Operation[] = fc.sample(
  fc.oneof(
    { arbitrary: fc.constant('create' as const), weight: 20 },
    { arbitrary: fc.constant('list' as const), weight: 25 },
    { arbitrary: fc.constant('get' as const), weight: 25 },
    { arbitrary: fc.constant('patch' as const), weight: 15 },
    { arbitrary: fc.constant('delete' as const), weight: 15 },
  ),
  { seed: SEED, numRuns: 4096 },
);

function rssKiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]);
}

const mb = (kib: number) => (kib / 1024).toFixed(1);

interface Window {
  startedAt: number;
  latency: RecordableHistogram;
  errors: string[];
  peakRssKiB: number;
}
const newWindow = (): Window => ({ startedAt: Date.now(), latency: createHistogram(), errors: [], peakRssKiB: 0 });

const cancelWatchdog = bounded(MINUTES + 3);
let failure: unknown;
let totalRequests = 0;
let totalErrors = 0;
const rssAtReports: number[] = [];
try {
  const store = await createStore(STORE);
  const tokens = await Promise.all(USERS.map((u) => store.token(u)));
  const service = await startService(store);
  process.stdout.write(`soak: ${STORE}, ${CONCURRENCY} requests in flight for ${MINUTES} min, seed ${SEED}, service pid ${service.pid} at ${service.url}\n`);
  const startRss = rssKiB(service.pid);
  process.stdout.write(`start: RSS ${mb(startRss)} MB\n`);

  let window = newWindow();
  const endAt = Date.now() + MINUTES * 60_000;
  let tick = 0;

  const expected: Record<Operation, number> = { create: 201, list: 200, get: 200, patch: 200, delete: 204 };
  const worker = async (w: number) => {
    const token = tokens[w % tokens.length]!;
    const mine: string[] = [];
    let n = w;
    while (Date.now() < endAt) {
      let op = MIX[n++ % MIX.length]!;
      if (mine.length === 0 && op !== 'list') op = 'create';
      if (op === 'create' && mine.length >= MAX_PHONES_PER_WORKER) op = 'delete';
      const target = mine[n % Math.max(1, mine.length)];
      const started = performance.now();
      try {
        const res =
          op === 'create'
            ? await call(service.url, 'POST', PHONES, token, { number: `+1 425 555 ${String(n % 10_000).padStart(4, '0')}`, type: PHONE_TYPES[n % PHONE_TYPES.length], displayName: `soak ${w}/${n}` })
            : op === 'list'
              ? await call(service.url, 'GET', `${PHONES}?$top=10&$orderby=number&$count=true`, token)
              : op === 'get'
                ? await call(service.url, 'GET', `${PHONES}/${target}`, token)
                : op === 'patch'
                  ? await call(service.url, 'PATCH', `${PHONES}/${target}`, token, { displayName: `patched ${n}`, isSearchable: n % 2 === 0 })
                  : await call(service.url, 'DELETE', `${PHONES}/${target}`, token);
        window.latency.record(Math.max(1, Math.round((performance.now() - started) * 1000)));
        if (res.status !== expected[op]) window.errors.push(`${op}: ${res.status} ${res.text.slice(0, 200)}`);
        else if (op === 'create') mine.push(res.json.id);
        else if (op === 'delete') mine.splice(mine.indexOf(target!), 1);
      } catch (err) {
        window.errors.push(`${op}: ${(err as Error).message}`);
      }
    }
  };

  const report = () => {
    const w = window;
    window = newWindow();
    tick++;
    const seconds = Math.round((Date.now() - w.startedAt) / 1000);
    const rss = rssKiB(service.pid);
    rssAtReports.push(rss);
    const count = w.latency.count;
    totalRequests += count;
    totalErrors += w.errors.length;
    const ms = (p: number) => (count ? (w.latency.percentile(p) / 1000).toFixed(1) : '-');
    process.stdout.write(
      `minute ${tick}${seconds < 59 ? ` (${seconds} s)` : ''}: RSS ${mb(rss)} MB (peak ${mb(Math.max(w.peakRssKiB, rss))}), ${count} requests, ` +
        `p50 ${ms(50)} ms, p99 ${ms(99)} ms, ${w.errors.length} errors\n`,
    );
    for (const e of w.errors.slice(0, 5)) process.stdout.write(`  ERROR ${e}\n`);
  };
  const sampler = setInterval(() => {
    window.peakRssKiB = Math.max(window.peakRssKiB, rssKiB(service.pid));
  }, 5_000);
  // The last window is reported once the load has stopped, so a run of whole minutes ends with a whole minute.
  const reporter = setInterval(() => {
    if (endAt - Date.now() > 1000) report();
  }, REPORT_EVERY_MS);
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  clearInterval(reporter);
  clearInterval(sampler);
  report();
  await service.stop();
  process.stdout.write(
    `\nsummary: ${totalRequests} requests in ${MINUTES} min, ${totalErrors} errors; RSS at start ${mb(startRss)} MB, ` +
      `after the first report ${mb(rssAtReports[0]!)} MB, at the end ${mb(rssAtReports.at(-1)!)} MB, highest report ${mb(Math.max(...rssAtReports))} MB\n`,
  );
} catch (err) {
  failure = err;
} finally {
  await cleanUp();
  cancelWatchdog();
}
if (failure) process.stderr.write(`soak failed: ${(failure as Error).stack ?? String(failure)}\n`);
process.exit(failure || totalErrors ? 1 : 0);
