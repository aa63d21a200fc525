// What the checks (chaos, soak) share: the service as a real child process on a loopback port, its store (a
// temporary DATA_DIR, or a fresh PostgreSQL database dropped afterwards), development tokens, and bounded HTTP calls.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tokenCommand } from '../src/tokenCommand.ts';
import { createTestDatabase, postgresProblem, PG_ADMIN_URL, type TestDatabase } from '../test/support/postgres.ts';
import { startServiceProcess } from '../test/support/process.ts';
import { readAnswer, type TestResponse } from '../test/support/service.ts';

const STARTUP_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;

export type StoreKind = 'sqlite' | 'postgres';

/** Where one run keeps its data; `args` point the service (and the token command) at it. */
export interface CheckStore {
  readonly kind: StoreKind;
  readonly dataDir: string;
  readonly database: TestDatabase | undefined;
  readonly args: string[];
  token(upn: string): Promise<string>;
  /** Deletes the data dir and drops the database. */
  remove(): Promise<void>;
}

const removers = new Set<() => Promise<void>>();

export async function createStore(kind: StoreKind): Promise<CheckStore> {
  if (kind === 'postgres') {
    const problem = await postgresProblem();
    if (problem) throw new Error(`PostgreSQL not available at ${PG_ADMIN_URL} (${problem}); set TEST_PG_ADMIN_URL`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), `phones-check-${kind}-`));
  const database = kind === 'postgres' ? await createTestDatabase() : undefined;
  const args = ['--data-dir', dataDir, '--database-url', database?.url ?? ''];
  const remove = async () => {
    removers.delete(remove);
    rmSync(dataDir, { recursive: true, force: true });
    await database?.drop();
  };
  removers.add(remove);
  // The token command adds the user to the store's directory, as `npm run -s token` does.
  return { kind, dataDir, database, args, token: (upn) => tokenCommand(['--user', upn, ...args]), remove };
}

/** The service as a child process (test/support/process.ts), with the means to stop it however a check ends. */
export interface CheckService {
  readonly url: string;
  readonly pid: number;
  readonly exited: Promise<unknown>;
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM (graceful shutdown), SIGKILL if it overstays. */
  stop(): Promise<void>;
}

const running = new Set<CheckService>();

/** Starts the service on 127.0.0.1 on a port of the kernel's choosing, at `store`. */
export async function startService(store: CheckStore, extraArgs: string[] = []): Promise<CheckService> {
  const env = { ...process.env };
  // Settings come from the flags only, never from the caller's environment.
  for (const k of ['HOST', 'PORT', 'DATA_DIR', 'PUBLIC_URL', 'LOG_LEVEL', 'DATABASE_URL', 'TLS', 'TLS_CERT', 'TLS_KEY', 'IDENTITY', 'RATE_LIMIT']) delete env[k];
  const { child, url, exited } = await startServiceProcess(['--host', '127.0.0.1', '--log-level', 'info', ...store.args, ...extraArgs], env, {
    keepLines: 40,
    startupTimeoutMs: STARTUP_TIMEOUT_MS,
  });
  const service: CheckService = {
    url,
    pid: child.pid!,
    exited,
    kill: (signal) => void child.kill(signal),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(service);
  void exited.then(() => running.delete(service));
  return service;
}

/** Stops every child still running and removes every store: the way out of a check, however it ends. */
export async function cleanUp(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
  for (const remove of [...removers]) await remove().catch((err: Error) => process.stderr.write(`clean-up: ${err.message}\n`));
}

// Whatever way the process ends, no child outlives it.
process.on('exit', () => {
  for (const s of running) s.kill('SIGKILL');
});

/**
 * Ends the run after `minutes` at most, cleaning up first, and on Ctrl+C: a check never runs unbounded.
 * Returns a function that cancels the watchdog.
 */
export function bounded(minutes: number): () => void {
  const abort = (why: string, code: number) => {
    process.stderr.write(`\n${why}: stopping the service and cleaning up\n`);
    void cleanUp().finally(() => process.exit(code));
  };
  const timer = setTimeout(() => abort(`time limit of ${minutes} min reached`, 1), minutes * 60_000);
  timer.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => abort(signal, 130));
  return () => clearTimeout(timer);
}

export type Answer = TestResponse;

/** One request with a time limit; a JSON `body` is sent as application/json. Rejects on network errors. */
export async function call(base: string, method: string, path: string, token: string, body?: unknown, timeoutMs = 10_000): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return readAnswer(res);
}

/** The phone as a GET answers it: the created body without its @odata.context. */
export function withoutContext(body: Record<string, unknown>): Record<string, unknown> {
  const { '@odata.context': _context, ...rest } = body;
  return rest;
}
