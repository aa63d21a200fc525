// The scale part (`npm run bench -- --only scale`): does a request cost the same in a big store as in a small one?
// On SQLite, then on PostgreSQL, three stores are seeded directly (bench/seedStore.ts): 10,000 phones (100 users ×
// 100), 1,000,000 phones (10,000 users × 100), and one user with 100,000 phones (the most $skip may skip). A service
// runs on each. For the user whose id is in the middle of the store's key order, at both sizes: the list (default
// page), GET one, $filter on an indexed property (createdDateTime ge/lt: half of the user's phones), $orderby=
// displayName, and following @odata.nextLink from the first page ($top=10) to the last (10 pages; each connection
// repeats whole chains). Then $skip = 0, 1,000, 10,000 and 99,990 on the 100,000 phones, and the same last page
// reached by the nextLink of the page before it (keyset paging). Each is one window as in the load part (server CPU
// per request, the database's on PostgreSQL, p99), in alternating rounds; the table gives medians and the ratio
// 1M / 10k against issue 15's 1.3×.
import { hasExited, makeTempDir, removeTempDir, stopChild } from './children.ts';
import { measure, type LoadSpec, type Window } from './measure.ts';
import { fmt, markdownTable, mb, median, ms, spread, textTable, type Table } from './report.ts';
import { memory } from './procStats.ts';
import { PHONES, SEED_PHONE, type StoreKind } from './scenarios.ts';
import { seedPostgres, seedSqlite, seedUser, TENANT_ID, type SeedUser } from './seedStore.ts';
import { createDatabase, mintToken, probe, startService, tokenClaims, type BenchDatabase, type Req, type Running } from './services.ts';

export const SCALE_TARGET = 1.3;
const SKIPS = [0, 1_000, 10_000, 99_990];
const CHAIN_PAGES = 10;

interface StorePlan {
  readonly label: '10k' | '1M' | 'skip';
  readonly users: number;
  readonly phonesPerUser: number;
}

const PLANS: StorePlan[] = [
  { label: '10k', users: 100, phonesPerUser: 100 },
  { label: '1M', users: 10_000, phonesPerUser: 100 },
  { label: 'skip', users: 1, phonesPerUser: 100_000 },
];

interface ScaleStore {
  readonly kind: StoreKind;
  readonly plan: StorePlan;
  readonly subject: SeedUser;
  readonly dataDir: string;
  readonly database?: BenchDatabase;
  running?: Running;
  token?: string;
  idleRssKiB?: number;
  seedSeconds?: number;
}

export interface ScaleOptions {
  readonly stores: readonly StoreKind[];
  readonly rounds: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly log: (line: string) => void;
  readonly interrupted: () => boolean;
}

const upnOf = (plan: StorePlan, i: number) => (plan.label === 'skip' ? 'skip.owner@contoso.com' : `scale.user${String(i).padStart(5, '0')}@contoso.com`);

/** The users of a plan, and the one whose id sorts in the middle of them (the store's key order starts with it). */
function usersOf(plan: StorePlan): { users: SeedUser[]; subject: SeedUser } {
  const users = Array.from({ length: plan.users }, (_, i) => seedUser(upnOf(plan, i)));
  const byId = [...users].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { users, subject: byId[Math.floor(byId.length / 2)]! };
}

const storeArgs = (s: ScaleStore) => ({ dataDir: s.dataDir, databaseUrl: s.database?.url });
const auth = (s: ScaleStore) => ({ authorization: `Bearer ${s.token}` });

async function start(s: ScaleStore): Promise<void> {
  s.running = await startService({ name: `service (${s.kind}, ${s.plan.label})`, ...storeArgs(s) });
  s.token = await mintToken(s.subject.upn, storeArgs(s));
  const claims = tokenClaims(s.token);
  // The rows were inserted with the ids the issuer derives from the UPN: a token for another id would see no phones.
  if (claims.oid !== s.subject.id || claims.tid !== TENANT_ID) {
    throw new Error(`the token for ${s.subject.upn} names user ${String(claims.oid)} in ${String(claims.tid)}, not the seeded ${s.subject.id} in ${TENANT_ID}`);
  }
}

/** Migrates an empty store with the service, writes the template phone through it, stops it, seeds, starts it again. */
async function buildStore(kind: StoreKind, plan: StorePlan, log: (line: string) => void): Promise<ScaleStore> {
  const { users, subject } = usersOf(plan);
  const dataDir = await makeTempDir();
  let database: BenchDatabase | undefined;
  try {
    if (kind === 'postgres') database = await createDatabase();
  } catch (err) {
    await removeTempDir(dataDir);
    throw err;
  }
  const s: ScaleStore = { kind, plan, subject, dataDir, database };
  try {
    await start(s);
    const template = await probe(s.running!.base, { method: 'POST', path: PHONES, headers: { ...auth(s), 'content-type': 'application/json' }, body: SEED_PHONE, expectStatus: 201 });
    await stopChild(s.running!.child, 'SIGINT');
    log(`  ${kind} ${plan.label}: seeding ${fmt(plan.users)} users × ${fmt(plan.phonesPerUser)} phones`);
    const spec = { users, phonesPerUser: plan.phonesPerUser, templatePhoneId: template.json.id as string, log };
    const seeded = kind === 'sqlite' ? seedSqlite(dataDir, spec) : await seedPostgres(database!.url, spec);
    s.seedSeconds = seeded.seconds;
    log(`    ${fmt(seeded.phones)} phones and ${fmt(seeded.users)} more users in ${seeded.seconds.toFixed(1)} s (indexes and ANALYZE included)`);
    await start(s);
    const count = await fetch(`${s.running!.base}${PHONES}/$count`, { headers: auth(s) }).then((r) => r.text());
    if (Number(count) !== plan.phonesPerUser) throw new Error(`${kind} ${plan.label}: ${subject.upn} has ${count} phones, not ${plan.phonesPerUser}`);
    return s;
  } catch (err) {
    await closeStore(s);
    throw err;
  }
}

async function closeStore(s: ScaleStore): Promise<void> {
  if (s.running) await stopChild(s.running.child, 'SIGINT');
  await s.database?.drop();
  await removeTempDir(s.dataDir);
}

interface Job {
  readonly name: string;
  readonly spec: LoadSpec;
  /** Fewer than the part's connections (the $skip jobs). */
  readonly connections?: number;
}

/**
 * The $skip jobs' connections: PG_POOL_MAX's default, so that on PostgreSQL a slow query waits in the database, not for
 * a pool connection (past PG_CONNECT_TIMEOUT_MS a request waiting there is answered 503: overload, not cost).
 */
const SKIP_CONNECTIONS = 10;

const enc = (v: string) => encodeURIComponent(v).replace(/%24/g, '$').replace(/%2C/gi, ',');

/** The jobs measured on the 10k and 1M stores, each checked once by hand first. */
async function jobsOf(s: ScaleStore): Promise<Job[]> {
  const base = s.running!.base;
  const headers = auth(s);
  const get = (path: string): Req => ({ method: 'GET', path, headers, expectStatus: 200 });
  const all = (await probe(base, get(`${PHONES}?$top=${s.plan.phonesPerUser}`))).json.value as { id: string; createdDateTime: string }[];
  if (all.length !== s.plan.phonesPerUser) throw new Error(`expected ${s.plan.phonesPerUser} phones of ${s.subject.upn}, got ${all.length}`);
  const from = all[Math.floor(all.length / 4)]!.createdDateTime;
  const to = all[Math.floor((3 * all.length) / 4)]!.createdDateTime;
  const paths = {
    list: PHONES,
    'get one': `${PHONES}/${all[Math.floor(all.length / 2)]!.id}`,
    '$filter createdDateTime ge/lt': `${PHONES}?$filter=${enc(`createdDateTime ge ${from} and createdDateTime lt ${to}`)}`,
    '$orderby=displayName': `${PHONES}?$orderby=displayName`,
  };
  const jobs: Job[] = [];
  for (const [name, path] of Object.entries(paths)) {
    const { json } = await probe(base, get(path));
    if (name !== 'get one' && (json.value?.length !== 10 || typeof json['@odata.nextLink'] !== 'string')) {
      throw new Error(`${name}: expected a page of 10 with a nextLink, got ${json.value?.length} phones${json['@odata.nextLink'] ? ' and a nextLink' : ''}`);
    }
    jobs.push({ name, spec: { kind: 'single', request: get(path) } });
  }
  // The chain, followed once by hand: CHAIN_PAGES pages, a nextLink on each but the last.
  let next: string | undefined = `${PHONES}?$top=10`;
  for (let page = 1; page <= CHAIN_PAGES; page++) {
    const { json } = await probe(base, get(next!));
    const link = json['@odata.nextLink'] as string | undefined;
    if (json.value?.length !== 10 || (page < CHAIN_PAGES) !== (typeof link === 'string')) throw new Error(`nextLink chain: page ${page} has ${json.value?.length} phones and ${link ? 'a' : 'no'} nextLink`);
    next = link && new URL(link).pathname + new URL(link).search;
  }
  jobs.push({ name: `nextLink chain, ${CHAIN_PAGES} pages of $top=10`, spec: { kind: 'chain', path: `${PHONES}?$top=10`, headers, pages: CHAIN_PAGES } });
  return jobs;
}

async function skipJobs(s: ScaleStore): Promise<Job[]> {
  const headers = auth(s);
  const jobs: Job[] = [];
  for (const n of SKIPS) {
    const req: Req = { method: 'GET', path: `${PHONES}?$skip=${n}`, headers, expectStatus: 200 };
    const { json } = await probe(s.running!.base, req);
    if (json.value?.length !== 10) throw new Error(`$skip=${n}: expected 10 phones, got ${json.value?.length}`);
    jobs.push({ name: `$skip=${fmt(n)}`, spec: { kind: 'single', request: req }, connections: SKIP_CONNECTIONS });
  }
  // The same last page reached the other way: the nextLink of the page before it (keyset paging, no $skip).
  const before = await probe(s.running!.base, { method: 'GET', path: `${PHONES}?$skip=${SKIPS.at(-1)! - 10}`, headers, expectStatus: 200 });
  const link = before.json['@odata.nextLink'] as string | undefined;
  if (typeof link !== 'string') throw new Error(`$skip=${SKIPS.at(-1)! - 10}: no @odata.nextLink`);
  const last: Req = { method: 'GET', path: new URL(link).pathname + new URL(link).search, headers, expectStatus: 200 };
  const { json } = await probe(s.running!.base, last);
  if (json.value?.length !== 10 || json['@odata.nextLink'] !== undefined) throw new Error(`the nextLink after ${fmt(SKIPS.at(-1)!)} phones: expected the last 10, got ${json.value?.length}`);
  jobs.push({ name: `nextLink after ${fmt(SKIPS.at(-1)!)} (keyset, no $skip)`, spec: { kind: 'single', request: last }, connections: SKIP_CONNECTIONS });
  return jobs;
}

interface Measured {
  readonly store: StoreKind;
  readonly label: string;
  readonly job: string;
  readonly windows: (Window | undefined)[];
}

export interface ScaleResult {
  readonly measured: Measured[];
  readonly stores: { kind: StoreKind; label: string; seedSeconds: number; idleRssKiB: number }[];
}

export async function runScale(o: ScaleOptions): Promise<ScaleResult> {
  const measured: Measured[] = [];
  const storesInfo: ScaleResult['stores'] = [];
  const entry = (store: StoreKind, label: string, job: string) => {
    let m = measured.find((x) => x.store === store && x.label === label && x.job === job);
    if (!m) measured.push((m = { store, label, job, windows: [] }));
    return m;
  };
  for (const kind of o.stores) {
    o.log(`scale, ${kind}: building the stores`);
    const stores: ScaleStore[] = [];
    try {
      for (const plan of PLANS) stores.push(await buildStore(kind, plan, o.log));
      const jobs = new Map<ScaleStore, Job[]>();
      for (const s of stores) {
        jobs.set(s, s.plan.label === 'skip' ? await skipJobs(s) : await jobsOf(s));
        s.idleRssKiB = memory(s.running!.child.proc.pid!).rssKiB;
        storesInfo.push({ kind, label: s.plan.label, seedSeconds: s.seedSeconds ?? NaN, idleRssKiB: s.idleRssKiB });
      }
      const [small, big, skip] = stores as [ScaleStore, ScaleStore, ScaleStore];
      for (let round = 1; round <= o.rounds; round++) {
        // Each job on the small store, then at once on the big one: the pair shares the machine's state of the moment.
        const pairs = jobs.get(small)!.map((job, i) => [[small, job], [big, jobs.get(big)![i]!]] as const);
        const order = [...pairs.flat(), ...jobs.get(skip)!.map((job) => [skip, job] as const)];
        for (const [s, job] of order) {
          if (o.interrupted()) throw new Error('interrupted');
          o.log(`  [${kind}, round ${round}/${o.rounds}] ${s.plan.label}: ${job.name}`);
          const m = entry(kind, s.plan.label, job.name);
          if (hasExited(s.running!.child)) {
            m.windows.push(undefined);
            o.log(`    FLAGGED: ${s.running!.child.name} has exited:\n${s.running!.child.output()}`);
            continue;
          }
          const w = await measure({
            base: s.running!.base,
            server: s.running!.child,
            spec: job.spec,
            connections: job.connections ?? o.connections,
            warmupSeconds: o.warmupSeconds,
            seconds: o.seconds,
            database: kind === 'postgres',
          });
          m.windows.push(w);
          o.log(
            `    ${fmt(w.cpuUsPerRequest)} µs/req${w.dbCpuUsPerRequest !== undefined ? ` + database ${fmt(w.dbCpuUsPerRequest)}` : ''}, p99 ${ms(w.load.latency.p99)} ms, ${fmt(w.load.rps)} req/s${w.problems.length ? `; FLAGGED: ${w.problems.join('; ')}` : ''}`,
          );
        }
      }
    } finally {
      for (const s of stores) await closeStore(s);
    }
  }
  return { measured, stores: storesInfo };
}

const good = (m: Measured | undefined) => (m ? m.windows.filter((w): w is Window => w !== undefined && w.problems.length === 0) : []);
const valid = (m: Measured | undefined) => m !== undefined && m.windows.length > 0 && good(m).length === m.windows.length;
const cpu = (m: Measured | undefined) => median(good(m).map((w) => w.cpuUsPerRequest));
const p99 = (m: Measured | undefined) => median(good(m).map((w) => w.load.latency.p99));
const storeName = (k: StoreKind) => (k === 'sqlite' ? 'SQLite' : 'PostgreSQL');

export function scaleTables(r: ScaleResult): Table[] {
  const rows: string[][] = [];
  const jobNames = [...new Set(r.measured.filter((m) => m.label !== 'skip').map((m) => m.job))];
  for (const kind of [...new Set(r.measured.map((m) => m.store))]) {
    for (const job of jobNames) {
      const small = r.measured.find((m) => m.store === kind && m.label === '10k' && m.job === job);
      const big = r.measured.find((m) => m.store === kind && m.label === '1M' && m.job === job);
      const ok = valid(small) && valid(big);
      const cpuRatio = cpu(big) / cpu(small);
      const p99Ratio = p99(big) / p99(small);
      const met = (x: number) => (!ok || !Number.isFinite(x) ? '-' : x <= SCALE_TARGET ? 'met' : 'not met');
      const db = (m: Measured | undefined) => spread(good(m).map((w) => w.dbCpuUsPerRequest).filter((x): x is number => x !== undefined));
      const problems = [...new Set([small, big].flatMap((m) => (m ? m.windows.flatMap((w) => w?.problems ?? ['the service had exited']) : ['not measured'])))];
      rows.push([
        `${storeName(kind)}: ${job}`,
        spread(good(small).map((w) => w.cpuUsPerRequest)),
        spread(good(big).map((w) => w.cpuUsPerRequest)),
        ok ? fmt(cpuRatio, 2) : '-',
        met(cpuRatio),
        `${ms(p99(small))} / ${ms(p99(big))}`,
        ok ? fmt(p99Ratio, 2) : '-',
        met(p99Ratio),
        kind === 'postgres' ? `${db(small)} / ${db(big)}` : '-',
        ok ? 'ok' : `FLAGGED: ${problems.join('; ')}`,
      ]);
    }
  }
  const skipRows = r.measured
    .filter((m) => m.label === 'skip')
    .map((m) => [
      `${storeName(m.store)}: ${m.job}`,
      spread(good(m).map((w) => w.cpuUsPerRequest)),
      m.store === 'postgres' ? spread(good(m).map((w) => w.dbCpuUsPerRequest ?? NaN)) : '-',
      ms(p99(m)),
      fmt(median(good(m).map((w) => w.load.rps))),
      valid(m) ? 'ok' : `FLAGGED: ${[...new Set(m.windows.flatMap((w) => w?.problems ?? ['the service had exited']))].join('; ')}`,
    ]);
  const storeRows = r.stores.map((s) => [`${storeName(s.kind)} ${s.label === 'skip' ? '1 user × 100,000' : s.label === '10k' ? '100 users × 100' : '10,000 users × 100'}`, fmt(s.seedSeconds, 1), mb(s.idleRssKiB)]);
  return [
    {
      title: `Scale: 10,000 vs 1,000,000 phones (medians; target: 1M within ${SCALE_TARGET}× of 10k, CPU and p99)`,
      header: ['job (user in the middle of the store)', 'server CPU µs/req 10k', 'server CPU µs/req 1M', 'CPU 1M/10k', `≤ ${SCALE_TARGET}×`, 'p99 ms 10k / 1M', 'p99 1M/10k', `≤ ${SCALE_TARGET}×`, 'database CPU µs/req 10k / 1M', 'check'],
      rows,
      textColumns: [0, 4, 7, 9],
    },
    {
      title: `$skip on one user with 100,000 phones (default page of 10; ${SKIP_CONNECTIONS} connections; medians), and the last page by its nextLink`,
      header: ['request', 'server CPU µs/req', 'database CPU µs/req', 'p99 ms', 'req/s', 'check'],
      rows: skipRows,
    },
    {
      title: 'Stores (seeded directly; the seconds include rebuilding the indexes and ANALYZE, on PostgreSQL VACUUM ANALYZE)',
      header: ['store', 'seed s', 'service RSS MB after seeding and the probes'],
      rows: storeRows,
      textColumns: [0],
    },
  ];
}

export function scaleText(r: ScaleResult) {
  const tables = scaleTables(r);
  return { text: tables.map(textTable).join('\n\n'), markdown: tables.map(markdownTable).join('\n\n') };
}

export const scaleFlagged = (r: ScaleResult) => [...new Set(r.measured.filter((m) => !valid(m)).map((m) => `${storeName(m.store)} ${m.label}: ${m.job}`))];
