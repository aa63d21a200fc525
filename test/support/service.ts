// Starts the real service on a free port over a real socket, with its own temporary DATA_DIR,
// and mints development tokens for it the way `npm run -s token` does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { startService, type RunningService } from '../../src/serve.ts';
import { tokenCommand } from '../../src/tokenCommand.ts';

export interface TestService {
  readonly url: string;
  readonly dataDir: string;
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

/** `args` are extra settings as flags (e.g. ['--identity', 'entra', ...]). */
export async function startTestService(args: string[] = [], dataDir = mkdtempSync(join(tmpdir(), 'phones-test-'))): Promise<TestService> {
  const config = loadConfig(['--port', '0', '--data-dir', dataDir, '--log-level', 'silent', ...args]);
  let running: RunningService = await startService(config);
  const service: TestService = {
    get url() {
      return running.url;
    },
    dataDir,
    token: (args) => tokenCommand([...args, '--data-dir', dataDir]),
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
      let body: string | Buffer | undefined = options.rawBody;
      if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(running.url + path, { method, headers, body });
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.status, headers: res.headers, text, json };
    },
    async restart() {
      await running.stop();
      running = await startService(config);
    },
    async stop() {
      await running.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return service;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const isGuid = (s: unknown) => typeof s === 'string' && GUID.test(s);
