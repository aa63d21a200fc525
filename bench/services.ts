// The processes under test and what they need: the bare ceiling (bench/ceiling.mjs), the stack's floor
// (bench/stackFloor.mjs) and the service as users run it (`node dist/main.js serve`, the built bundle, started by
// node directly: no npm or shell in between), its tokens
// (the project's own `token` command), PostgreSQL databases the bench creates and drops, and checked single requests.
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { withClient } from '../test/support/postgres.ts';
import { hasExited, ROOT, startChild, type Child } from './children.ts';

export const HOST = '127.0.0.1';
export const DIST_MAIN = join(ROOT, 'dist', 'main.js');
const STARTUP_TIMEOUT_MS = 60_000;
/** Where the bench may create and drop databases (trust auth, as on these machines). */
export const PG_ADMIN_URL = process.env.BENCH_PG_ADMIN_URL || process.env.TEST_PG_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** dist/ as the package ships it (quick when nothing changed since the last build). */
export function build(): void {
  const out = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  if (out.status !== 0) throw new Error('the build failed (node scripts/build.mjs)');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200, the child dies, or the start-up time runs out. */
async function waitReady(child: Child, url: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (hasExited(child)) throw new Error(`${child.name} exited during start-up (code ${child.proc.exitCode}):\n${child.output()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${child.name} not ready at ${url} after ${STARTUP_TIMEOUT_MS} ms:\n${child.output()}`);
    await sleep(100);
  }
}

export interface Running {
  readonly base: string;
  readonly child: Child;
}

/** A reference server with no store: the bare ceiling (bench/ceiling.mjs), or the stack's floor (bench/stackFloor.mjs). */
export async function startReference(which: 'ceiling' | 'stack floor', nodeArgs: readonly string[] = []): Promise<Running> {
  const port = await freePort();
  const child = startChild(which, [...nodeArgs, join(ROOT, 'bench', which === 'ceiling' ? 'ceiling.mjs' : 'stackFloor.mjs'), String(port)]);
  const base = `http://${HOST}:${port}`;
  await waitReady(child, `${base}/`);
  return { base, child };
}

export interface StoreArgs {
  /** DATA_DIR: the SQLite file, and the token key on either store. */
  readonly dataDir: string;
  /** A PostgreSQL database instead of SQLite. */
  readonly databaseUrl?: string;
}

const storeFlags = (s: StoreArgs) => ['--data-dir', s.dataDir, ...(s.databaseUrl ? ['--database-url', s.databaseUrl] : [])];

export interface ServiceOptions extends StoreArgs {
  readonly name: string;
  readonly synchronous?: 'full' | 'normal';
  /** More of the service's settings, as flags. */
  readonly settings?: readonly string[];
  /** node's own flags before the script (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[];
}

/** `node [nodeArgs] dist/main.js serve ...` on a free port of 127.0.0.1, once its /health answers 200. */
export async function startService(o: ServiceOptions): Promise<Running> {
  const port = await freePort();
  const args = [
    ...(o.nodeArgs ?? []),
    DIST_MAIN,
    'serve',
    '--host',
    HOST,
    '--port',
    String(port),
    ...storeFlags(o),
    ...(o.synchronous ? ['--sqlite-synchronous', o.synchronous] : []),
    ...(o.settings ?? []),
    '--log-level',
    'warn',
  ];
  const child = startChild(o.name, args);
  const base = `http://${HOST}:${port}`;
  await waitReady(child, `${base}/health`);
  return { base, child };
}

/** `node dist/main.js token --user <upn> ...`: a development token, and the user recorded in the directory. */
export function mintToken(upn: string, store: StoreArgs): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [DIST_MAIN, 'token', '--user', upn, ...storeFlags(store)], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      const token = stdout.trim();
      if (err || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) reject(new Error(`token command failed: ${err ? err.message : 'no token on stdout'}\n${stderr}`));
      else resolve(token);
    });
  });
}

/** A token's claims (not verified: the bench made it), e.g. its oid and tid. */
export function tokenClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export interface Req {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly expectStatus: number;
}

/** Sends `req` once and checks its status: the load must measure the answer we mean, not an error page. */
export async function probe(base: string, req: Req): Promise<{ bytes: number; json: any }> {
  const res = await fetch(base + req.path, { method: req.method, headers: req.headers, body: req.body, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (res.status !== req.expectStatus) throw new Error(`${req.method} ${req.path}: expected ${req.expectStatus}, got ${res.status}: ${text.slice(0, 500)}`);
  return { bytes: Buffer.byteLength(text), json: text ? JSON.parse(text) : undefined };
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL databases of the bench's own: bench_<random>, dropped when done, and by the exit handler when not.

const databases = new Set<string>();

export interface BenchDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

export async function createDatabase(): Promise<BenchDatabase> {
  const name = `bench_${randomBytes(6).toString('hex')}`;
  await withClient(PG_ADMIN_URL, (c) => c.query(`create database ${name}`));
  databases.add(name);
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    name,
    url: u.toString(),
    async drop() {
      if (!databases.has(name)) return;
      await withClient(PG_ADMIN_URL, (c) => c.query(`drop database if exists ${name} with (force)`));
      databases.delete(name);
    },
  };
}

/** Whether PostgreSQL answers at PG_ADMIN_URL, and why not. */
export async function postgresProblem(): Promise<string | undefined> {
  try {
    await withClient(PG_ADMIN_URL, (c) => c.query('select 1'));
    return undefined;
  } catch (err) {
    const e = err as Error & { errors?: Error[] };
    return e.message || e.errors?.[0]?.message || String(err);
  }
}

// Last resort, whatever way the bench ends: the databases it made are dropped (synchronously: an exit handler
// cannot wait, so by a short node process of its own).
process.on('exit', () => {
  if (databases.size === 0) return;
  const script = `const pg=require('pg');(async()=>{const c=new pg.Client({connectionString:process.argv[1]});await c.connect();for(const n of process.argv.slice(2))await c.query('drop database if exists '+n+' with (force)');await c.end()})().catch(e=>{console.error(e.message);process.exit(1)})`;
  spawnSync(process.execPath, ['-e', script, PG_ADMIN_URL, ...databases], { cwd: ROOT, stdio: 'inherit', timeout: 30_000 });
});
