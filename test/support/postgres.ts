// PostgreSQL for the tests: which store this run tests (TEST_STORE, set by test/run.mjs), a fresh database
// per test service on the machine's server (dropped afterwards), and a private server a test may stop and start.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** The store the end-to-end suites run against in this run. */
export const TEST_STORE: 'sqlite' | 'postgres' = process.env.TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

/** A server where the tests may create and drop databases (trust auth on these machines). */
export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  query<R extends pg.QueryResultRow = any>(text: string, params?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

/** Runs `run` on a client of its own for `url`, closed afterwards whatever happens (the bench uses it too). */
export async function withClient<T>(url: string, run: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A new, empty database on the server of `adminUrl`. Its default collation is ICU's en-US (where
 * 'B' sorts after 'a'), not the byte order SQLite uses, so the suites prove the store does not depend on it.
 */
export async function createTestDatabase(adminUrl = PG_ADMIN_URL): Promise<TestDatabase> {
  const name = `phones_test_${randomBytes(6).toString('hex')}`;
  await withClient(adminUrl, (c) => c.query(`create database ${name} template template0 encoding 'UTF8' locale_provider icu icu_locale 'en-US'`));
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  let dropped = false;
  return {
    name,
    url,
    query: async (text, params) => (await withClient(url, (c) => c.query(text, params))).rows,
    async drop() {
      if (dropped) return;
      dropped = true;
      await withClient(adminUrl, (c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
}

/** Why PostgreSQL at `url` cannot be used, or undefined when it answers. */
export async function postgresProblem(url = PG_ADMIN_URL): Promise<string | undefined> {
  try {
    await withClient(url, (c) => c.query('select 1'));
    return undefined;
  } catch (err) {
    const e = err as Error & { code?: string; errors?: Error[] };
    return e.message || e.errors?.[0]?.message || e.code || String(err);
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

function postgresBinDir(): string {
  if (process.env.PG_BINDIR) return process.env.PG_BINDIR;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  throw new Error('no PostgreSQL server binaries (initdb, pg_ctl) found under /usr/lib/postgresql; set PG_BINDIR');
}

export interface PrivateServer {
  readonly port: number;
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly adminUrl: string;
  start(): void;
  stop(): void;
  /** Stops the server if it runs and deletes its files. */
  destroy(): void;
}

/**
 * A PostgreSQL server of the test's own, in a temporary folder, on a free port: one the test may stop and
 * start without touching the machine's shared server. initdb refuses to run as root, so as root it runs as
 * the postgres user. Every wait is bounded (pg_ctl -t).
 */
export async function createPrivateServer(): Promise<PrivateServer> {
  const bin = postgresBinDir();
  const asRoot = process.getuid?.() === 0;
  const run = (tool: string, args: string[]) => {
    const command = asRoot ? 'runuser' : join(bin, tool);
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
    const out = spawnSync(command, argv, { encoding: 'utf8', timeout: 60_000 });
    if (out.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${out.status}): ${out.stderr}${out.stdout}`);
  };
  const dir = mkdtempSync(join(tmpdir(), 'phones-pg-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  let running = false;
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions']);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const server: PrivateServer = {
    port,
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start() {
      if (running) return;
      run('pg_ctl', ['-D', data, '-o', `-p ${port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off`, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
      running = true;
    },
    stop() {
      if (!running) return;
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
      running = false;
    },
    destroy() {
      try {
        if (running) server.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return server;
}
