// The load part's scenarios (bench/load.ts) and how one is set up: a fresh process under test (the ceiling, or the
// service from dist/ with a new data dir and, on PostgreSQL, a new database), its token, the phones it reads, and the
// one request to repeat, checked once by hand before any load. Also used by the profile mode (bench/profile.ts).
import { makeTempDir, removeTempDir, stopChild, type Child } from './children.ts';
import { createDatabase, mintToken, probe, startReference, startService, type BenchDatabase, type Req } from './services.ts';

export const USER = 'bench@contoso.com';
export const PHONES = '/beta/me/profile/phones';
export const SEED_PHONE = JSON.stringify({ displayName: 'Car Phone', number: '+7 499 342 22 13' });

export type StoreKind = 'sqlite' | 'postgres';

export interface Target {
  readonly base: string;
  readonly child: Child;
  readonly token: string;
  readonly store: StoreKind | undefined;
}

export interface Scenario {
  /** Its name in tables and for --profile. */
  readonly short: string;
  readonly name: string;
  /** undefined: a reference server with no store, the bare ceiling (or the stack's floor, with `stackFloor`). */
  readonly store: StoreKind | undefined;
  /** The stack's floor (bench/stackFloor.mjs) instead of the ceiling; reported beside it, never as a target. */
  readonly stackFloor?: boolean;
  readonly synchronous?: 'full' | 'normal';
  /** More of the service's settings, as flags (e.g. ['--request-journal', '0']). */
  readonly settings?: readonly string[];
  /** Issue 15's target for server CPU per request, as a multiple of the ceiling's in the same run. */
  readonly cpuTarget?: number;
  /** Seeds what it reads; the request to repeat. */
  prepare(t: Target): Promise<Req>;
}

const auth = (t: Target) => ({ authorization: `Bearer ${t.token}` });
export const createReq = (t: Target): Req => ({
  method: 'POST',
  path: PHONES,
  headers: { ...auth(t), 'content-type': 'application/json' },
  body: SEED_PHONE,
  expectStatus: 201,
});

async function seedPhones(t: Target, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await probe(t.base, createReq(t))).json.id as string);
  return ids;
}

/** The list of the user's phones, seeded with `n`; its answer must hold `expect` phones, with a nextLink or not. */
function listScenario(n: number, expect: number, nextLink: boolean) {
  return async (t: Target): Promise<Req> => {
    await seedPhones(t, n);
    const req: Req = { method: 'GET', path: PHONES, headers: auth(t), expectStatus: 200 };
    const { json } = await probe(t.base, req);
    const got = (json as { value?: unknown[] }).value?.length;
    if (got !== expect) throw new Error(`list: expected ${expect} phones, got ${got}`);
    if (nextLink !== (typeof json['@odata.nextLink'] === 'string')) throw new Error(`list: expected ${nextLink ? 'an' : 'no'} @odata.nextLink`);
    return req;
  };
}

const getOne = async (t: Target): Promise<Req> => {
  const [id] = await seedPhones(t, 1);
  return { method: 'GET', path: `${PHONES}/${id}`, headers: auth(t), expectStatus: 200 };
};

/** What the reference servers are asked: a GET one phone's path (any request gets their one answer). */
const fixedAnswerReq: Req = { method: 'GET', path: `${PHONES}/205254a2-875a-48fc-b1f1-2886d3ffc428`, headers: {}, expectStatus: 200 };

export const SCENARIOS: Scenario[] = [
  {
    short: 'ceiling',
    name: 'ceiling: bare node:http, fixed JSON',
    store: undefined,
    prepare: async () => fixedAnswerReq,
  },
  { short: 'stack', name: 'stack floor: Fastify + pino as the service sets them up, fixed JSON', store: undefined, stackFloor: true, prepare: async () => fixedAnswerReq },
  { short: 'get-one', name: 'GET one phone', store: 'sqlite', synchronous: 'full', cpuTarget: 3, prepare: getOne },
  { short: 'get-one-nojournal', name: 'GET one phone, REQUEST_JOURNAL=0', store: 'sqlite', synchronous: 'full', settings: ['--request-journal', '0'], prepare: getOne },
  { short: 'list-5', name: 'GET list of 5 phones', store: 'sqlite', synchronous: 'full', cpuTarget: 4, prepare: listScenario(5, 5, false) },
  { short: 'page-10', name: 'GET a full page of 10 (15 phones, nextLink)', store: 'sqlite', synchronous: 'full', cpuTarget: 5, prepare: listScenario(15, 10, true) },
  { short: 'create-full', name: 'POST create, synchronous=full', store: 'sqlite', synchronous: 'full', cpuTarget: 4, prepare: async (t) => createReq(t) },
  { short: 'create-normal', name: 'POST create, synchronous=normal', store: 'sqlite', synchronous: 'normal', prepare: async (t) => createReq(t) },
  { short: 'pg-get-one', name: 'PostgreSQL: GET one phone', store: 'postgres', prepare: getOne },
  { short: 'pg-list-5', name: 'PostgreSQL: GET list of 5 phones', store: 'postgres', prepare: listScenario(5, 5, false) },
  { short: 'pg-page-10', name: 'PostgreSQL: GET a full page of 10', store: 'postgres', prepare: listScenario(15, 10, true) },
  { short: 'pg-create', name: 'PostgreSQL: POST create', store: 'postgres', prepare: async (t) => createReq(t) },
];

export function scenarioByShort(short: string): Scenario {
  const s = SCENARIOS.find((x) => x.short === short);
  if (!s) throw new Error(`no scenario '${short}'; one of: ${SCENARIOS.map((x) => x.short).join(', ')}`);
  return s;
}

export interface Prepared {
  readonly target: Target;
  readonly req: Req;
  /** The size of one answer (checked once by hand). */
  readonly bytes: number;
  /** Stops the process (SIGINT: the service stops at once, writing a CPU profile if asked to) and removes its data. */
  close(): Promise<void>;
}

/** Starts `s`'s process on fresh data, seeds, and checks its request once. */
export async function prepareScenario(s: Scenario, nodeArgs: readonly string[] = []): Promise<Prepared> {
  const dataDir = await makeTempDir();
  let database: BenchDatabase | undefined;
  let child: Child | undefined;
  const close = async () => {
    if (child) await stopChild(child, 'SIGINT');
    await database?.drop();
    await removeTempDir(dataDir);
  };
  try {
    let target: Target;
    if (s.store === undefined) {
      const running = await startReference(s.stackFloor ? 'stack floor' : 'ceiling', nodeArgs);
      child = running.child;
      target = { ...running, token: '', store: undefined };
    } else {
      if (s.store === 'postgres') database = await createDatabase();
      const store = { dataDir, databaseUrl: database?.url };
      const running = await startService({ name: `service (${s.short})`, ...store, synchronous: s.synchronous, settings: s.settings, nodeArgs });
      child = running.child;
      target = { ...running, token: await mintToken(USER, store), store: s.store };
    }
    const req = await s.prepare(target);
    const { bytes } = await probe(target.base, req);
    return { target, req, bytes, close };
  } catch (err) {
    await close();
    throw err;
  }
}
