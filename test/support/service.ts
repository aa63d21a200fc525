// Starts the real service on a free port over a real socket, with its own temporary DATA_DIR (and,
// when this run tests PostgreSQL, its own fresh database), and mints development tokens for it the way
// `npm run -s token` does.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { rootCertificates } from 'node:tls';
import { join } from 'node:path';
import { Agent, setGlobalDispatcher } from 'undici';
import { loadConfig } from '../../src/config.ts';
import type { Emulator } from '../../src/emulator/index.ts';
import { startService, type RunningService, type ServiceParts } from '../../src/serve.ts';
import { tokenCommand } from '../../src/tokenCommand.ts';
import { createTestDatabase, TEST_STORE, type TestDatabase } from './postgres.ts';

export interface TestService {
  readonly url: string;
  /** Where /metrics is served when it has a listener of its own (--metrics-port). */
  readonly metricsUrl: string | undefined;
  readonly dataDir: string;
  /**
   * Over https: the PEM certificate clients must trust (the development certificate, or the tlsCa given). This
   * process's global fetch, and so the official clients in it, trusts it from the start.
   */
  readonly ca: string | undefined;
  /** The store this service runs on. */
  readonly store: 'sqlite' | 'postgres';
  /** The PostgreSQL database created for this service (dropped by stop()), if any. */
  readonly database: TestDatabase | undefined;
  /** Settings that point another process or command at this service's store: --data-dir and --database-url. */
  readonly storeArgs: string[];
  /** The same as environment variables (DATA_DIR, DATABASE_URL), for `npm run` commands. */
  readonly storeEnv: { DATA_DIR: string; DATABASE_URL: string };
  /** The service's test-suite controls in this process (development identity mode only), as RunningService has them. */
  readonly emulator: Emulator | undefined;
  /** A token as `npm run -s token -- <args>` prints it for this service's DATA_DIR. */
  token(args: string[]): Promise<string>;
  /** Sends a request; `body` objects are sent as JSON with Content-Type application/json. */
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  /** Stops and starts the service again on the same DATA_DIR (a new port). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** Sent as-is (no JSON encoding, no Content-Type added). */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed body, or undefined when it is not JSON. */
  json: any;
}

/** A fetch response read whole: its text, and that text parsed when it is JSON. */
export async function readAnswer(res: Response): Promise<TestResponse> {
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/**
 * `args` are extra settings as flags (e.g. ['--identity', 'entra', ...]). The store is the run's (TEST_STORE)
 * unless `args` names one with --database-url ('' for SQLite); a DATABASE_URL in the environment is never used.
 */
export async function startTestService(
  args: string[] = [],
  dataDir = mkdtempSync(join(tmpdir(), 'phones-test-')),
  /** PEM the https requests trust; default: the development certificate in dataDir. */
  tlsCa?: string,
  /** What the service is built from beyond its settings: other profile collections than the served ones. */
  parts: ServiceParts = {},
): Promise<TestService> {
  const database = !args.includes('--database-url') && TEST_STORE === 'postgres' ? await createTestDatabase() : undefined;
  const databaseUrl = args.includes('--database-url') ? args[args.indexOf('--database-url') + 1]! : (database?.url ?? '');
  const storeArgs = ['--data-dir', dataDir, '--database-url', databaseUrl];
  const config = loadConfig(['--port', '0', '--log-level', 'silent', ...storeArgs, ...withoutDatabaseUrl(args)]);
  let running: RunningService;
  try {
    running = await startService(config, parts);
  } catch (err) {
    await database?.drop();
    throw err;
  }
  const service: TestService = {
    get url() {
      return running.url;
    },
    get metricsUrl() {
      return running.metricsUrl;
    },
    get emulator() {
      return running.emulator;
    },
    dataDir,
    get ca() {
      return running.url.startsWith('https:') ? (tlsCa ?? readFileSync(join(dataDir, 'dev-tls-cert.pem'), 'utf8')) : undefined;
    },
    store: databaseUrl ? 'postgres' : 'sqlite',
    database,
    storeArgs,
    storeEnv: { DATA_DIR: dataDir, DATABASE_URL: databaseUrl },
    // The command opens the store as the service did: with the same collections' tables.
    token: (args) => tokenCommand([...args, ...storeArgs], parts.collections?.map((c) => c.table)),
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
      let body: string | Buffer | undefined = options.rawBody;
      if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      return readAnswer(await fetch(running.url + path, { method, headers, body }));
    },
    async restart() {
      await running.stop();
      running = await startService(config, parts);
      trustServed(); // a restart may have renewed the development certificate
    },
    async stop() {
      try {
        await running.stop();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
        await database?.drop();
      }
    },
  };
  /** Over https, this process's fetch (the tests' and the official clients') trusts what the service serves. */
  const trustServed = () => {
    const ca = service.ca;
    if (ca !== undefined && !trusted.includes(ca)) trustInThisProcess(ca);
  };
  trustServed();
  return service;
}

/**
 * Makes global fetch in this process (and so the official clients, which use it) trust `cas` as well as the usual
 * roots: in a test, what NODE_EXTRA_CA_CERTS does for an app, which only works when set before the process starts.
 * Global fetch is Node's bundled undici; undici's own Agent, at the same version, is the documented way to give it
 * a CA (setGlobalDispatcher).
 */
function trustInThisProcess(...cas: string[]): void {
  trusted.push(...cas);
  setGlobalDispatcher(new Agent({ connect: { ca: [...rootCertificates, ...trusted] } }));
}
const trusted: string[] = [];

/** `args` less its --database-url and value (storeArgs carries the one in force). */
function withoutDatabaseUrl(args: string[]): string[] {
  return args.filter((a, i) => a !== '--database-url' && args[i - 1] !== '--database-url');
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const isGuid = (s: unknown) => typeof s === 'string' && GUID.test(s);
