// Crash check (`npm run chaos`, not part of `npm test`): kill -9 the service while concurrent creates are in
// flight, restart it on the same data, and require every acknowledged create (201) to be there unchanged.
//
// Each trial starts `node --import tsx src/main.ts serve` as a child on 127.0.0.1, keeps --concurrency creates in
// flight (several users, real HTTP) and sends SIGKILL at a random moment (0-400 ms after the first create is
// acknowledged). On SQLite the file must then pass
// PRAGMA integrity_check, before the restart (the state the crash left) and after it. The restarted service must
// answer every acknowledged phone with the body the 201 carried. The data accumulates over the trials of a store, and
// the last trial checks every phone acknowledged in all of them. Any lost write, integrity error or answer other
// than 201 before the kill makes the exit code 1.
//
// Flags: --store sqlite|postgres|both (default both), --trials N (per store; default 20 on SQLite, 5 on PostgreSQL),
// --concurrency N (default 32), --seed N (the trials' kill delays and phone bodies), --max-minutes N (default 15).
import { parseArgs } from 'node:util';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import fc from 'fast-check';
import { SQLITE_FILE } from '../src/store/sqlite.ts';
import { PHONE_TYPES } from '../src/profile/phones/schema.ts';
import { ALLOWED_AUDIENCES } from '../src/model/itemFacet.ts';
import { bounded, call, cleanUp, createStore, startService, withoutContext, type CheckStore, type StoreKind } from './support.ts';

const { values: flags } = parseArgs({
  options: {
    store: { type: 'string', default: 'both' },
    trials: { type: 'string' },
    concurrency: { type: 'string', default: '32' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    'max-minutes': { type: 'string', default: '15' },
  },
  strict: true,
});
const positive = (name: string, raw: string | undefined) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number, got '${raw}'.`);
  return n;
};
if (!['sqlite', 'postgres', 'both'].includes(flags.store!)) throw new Error(`--store must be sqlite, postgres or both, got '${flags.store}'.`);
const STORES: StoreKind[] = flags.store === 'both' ? ['sqlite', 'postgres'] : [flags.store as StoreKind];
const DEFAULT_TRIALS: Record<StoreKind, number> = { sqlite: 20, postgres: 5 };
const CONCURRENCY = positive('concurrency', flags.concurrency);
const SEED = Number(flags.seed);
const USERS = ['chaos.alice@contoso.com', 'chaos.bob@contoso.com', 'chaos.carol@contoso.com', 'chaos.dave@fabrikam.com'];
/** Creates one trial may start at most, however late the kill comes. */
const MAX_CREATES_PER_TRIAL = 5000;
const PHONES = '/beta/me/profile/phones';

/** Valid itemPhone bodies: every one should be acknowledged until the kill. */
const phoneBody = fc.record(
  {
    displayName: fc.option(fc.string({ unit: 'grapheme', maxLength: 40 }), { nil: null }),
    number: fc.stringMatching(/^\+[1-9]\d{0,2}( \d{2,4}){2,4}$/),
    type: fc.option(fc.constantFrom(...PHONE_TYPES), { nil: null }),
    allowedAudiences: fc.subarray([...ALLOWED_AUDIENCES.filter((a) => a !== 'unknownFutureValue' && a !== 'me')], { minLength: 1 }).map((a) => a.join(',')),
    isSearchable: fc.option(fc.boolean(), { nil: null }),
    inference: fc.option(fc.record({ confidenceScore: fc.double({ min: 0, max: 1, noNaN: true }), userHasVerifiedAccuracy: fc.boolean() }), { nil: null }),
  },
  { requiredKeys: ['number'] },
);
const trialPlan = fc.record({ killAfterMs: fc.integer({ min: 0, max: 400 }), bodies: fc.array(phoneBody, { minLength: 64, maxLength: 64 }) });

interface Acknowledged {
  user: number;
  id: string;
  body: Record<string, unknown>;
}

interface Totals {
  trials: number;
  acknowledged: number;
  lost: number;
  integrityErrors: number;
  unexpected: number;
}

function integrityCheck(store: CheckStore): string {
  // Read-only: a read-write connection would recover and checkpoint the WAL itself on close, and the restarted
  // service would then never meet the state the crash left.
  const db = new BetterSqlite3(join(store.dataDir, SQLITE_FILE), { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
    return rows.map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}

/** The phones of `acks` that the service does not answer exactly as acknowledged, each with a readable line. */
async function missing(base: string, tokens: string[], acks: Acknowledged[]): Promise<Array<{ id: string; line: string }>> {
  const problems: Array<{ id: string; line: string }> = [];
  const queue = [...acks];
  const worker = async () => {
    for (let a = queue.shift(); a; a = queue.shift()) {
      const res = await call(base, 'GET', `${PHONES}/${a.id}`, tokens[a.user]!);
      if (res.status !== 200) problems.push({ id: a.id, line: `${USERS[a.user]} ${a.id}: GET answered ${res.status} ${res.text.slice(0, 200)}` });
      else if (!isDeepStrictEqual(withoutContext(res.json), withoutContext(a.body))) {
        problems.push({
          id: a.id,
          line: `${USERS[a.user]} ${a.id}: differs\n  acknowledged ${JSON.stringify(withoutContext(a.body))}\n  now          ${JSON.stringify(withoutContext(res.json))}`,
        });
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return problems;
}

async function runStore(kind: StoreKind, trials: number, totals: Totals): Promise<void> {
  const store = await createStore(kind);
  try {
    const tokens: string[] = [];
    for (const upn of USERS) tokens.push(await store.token(upn));
    const plans = fc.sample(trialPlan, { seed: SEED + (kind === 'postgres' ? 1 : 0), numRuns: trials });
    const everything: Acknowledged[] = [];
    // Each phone found missing is counted once, however many later checks miss it again.
    const lost = new Set<string>();
    let lostLater = 0;
    for (let t = 0; t < trials; t++) {
      const plan = plans[t]!;
      const service = await startService(store);
      const acks: Acknowledged[] = [];
      const unexpected: string[] = [];
      let started = 0;
      let killed = false;
      let firstAck: () => void = () => undefined;
      const acknowledged = new Promise<void>((resolve) => (firstAck = resolve));
      const worker = async () => {
        while (!killed && started < MAX_CREATES_PER_TRIAL) {
          const n = started++;
          const user = n % USERS.length;
          const body = plan.bodies[n % plan.bodies.length]!;
          try {
            const res = await call(service.url, 'POST', PHONES, tokens[user]!, body);
            if (res.status === 201 && typeof res.json?.id === 'string') {
              acks.push({ user, id: res.json.id, body: res.json });
              firstAck();
            }
            else if (!killed) unexpected.push(`POST answered ${res.status}: ${res.text.slice(0, 200)}`);
          } catch (err) {
            // After the kill, a create without an answer was never acknowledged: it may or may not be stored.
            if (!killed) unexpected.push(`POST failed before the kill: ${(err as Error).message}`);
          }
        }
      };
      const load = Promise.all(Array.from({ length: CONCURRENCY }, worker));
      // The delay counts from the first acknowledgement: the first creates of a fresh process are slow (compiling),
      // and a kill before any answer would test nothing.
      const noAck = setTimeout(() => {
        unexpected.push('no create acknowledged within 10 s');
        firstAck();
      }, 10_000);
      await acknowledged;
      clearTimeout(noAck);
      await new Promise((r) => setTimeout(r, plan.killAfterMs));
      const inFlight = started - acks.length - unexpected.length;
      killed = true;
      service.kill('SIGKILL');
      await service.exited;
      await load;

      let integrity = 'n/a';
      if (kind === 'sqlite') {
        const before = integrityCheck(store);
        integrity = `before restart ${before}`;
        if (before !== 'ok') totals.integrityErrors++;
      }
      const restartedAt = Date.now();
      const restarted = await startService(store);
      const restartMs = Date.now() - restartedAt;
      const problems = await missing(restarted.url, tokens, acks);
      for (const p of problems) lost.add(p.id);
      // Phones of earlier trials that were there after their own restart must still be there after the last.
      const later = t === trials - 1 ? (await missing(restarted.url, tokens, everything)).filter((p) => !lost.has(p.id)) : [];
      lostLater = later.length;
      everything.push(...acks);
      if (kind === 'sqlite') {
        const after = integrityCheck(store);
        integrity += `, after ${after}`;
        if (after !== 'ok') totals.integrityErrors++;
      }
      await restarted.stop();

      totals.trials++;
      totals.acknowledged += acks.length;
      totals.lost += problems.length + later.length;
      totals.unexpected += unexpected.length;
      process.stdout.write(
        `${kind} trial ${t + 1}/${trials}: killed ${plan.killAfterMs} ms after the first 201 with ${inFlight} creates in flight; ` +
          `${acks.length} acknowledged, ${problems.length} lost; integrity ${integrity}; restart ${restartMs} ms` +
          `${unexpected.length ? `; ${unexpected.length} unexpected answers` : ''}\n`,
      );
      for (const p of [...problems, ...later]) process.stdout.write(`  LOST ${p.line}\n`);
      for (const u of unexpected.slice(0, 5)) process.stdout.write(`  UNEXPECTED ${u}\n`);
    }
    process.stdout.write(
      `${kind}: ${everything.length} phones acknowledged over ${trials} trials; after the last restart, ` +
        `${lostLater} of those that had survived their own trial's restart were missing or changed\n`,
    );
  } finally {
    await store.remove();
  }
}

const cancelWatchdog = bounded(positive('max-minutes', flags['max-minutes']));
const totals: Totals = { trials: 0, acknowledged: 0, lost: 0, integrityErrors: 0, unexpected: 0 };
process.stdout.write(`chaos: seed ${SEED}, ${CONCURRENCY} concurrent creates, stores ${STORES.join(', ')} (rerun with --seed ${SEED})\n`);
let failure: unknown;
try {
  for (const kind of STORES) await runStore(kind, flags.trials !== undefined ? positive('trials', flags.trials) : DEFAULT_TRIALS[kind], totals);
} catch (err) {
  failure = err;
} finally {
  await cleanUp();
  cancelWatchdog();
}
process.stdout.write(
  `\nsummary: ${totals.trials} trials, ${totals.acknowledged} acknowledged writes, ${totals.lost} lost writes, ` +
    `${totals.integrityErrors} integrity errors, ${totals.unexpected} unexpected answers before a kill\n`,
);
if (failure) process.stderr.write(`chaos run failed: ${(failure as Error).stack ?? String(failure)}\n`);
process.exit(failure || totals.lost || totals.integrityErrors || totals.unexpected ? 1 : 0);
