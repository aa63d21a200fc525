// The in-process test helper, `import { startGraphPhones } from 'graph-profile-phones/testing'`: the service started
// inside the test runner's own process on a free port (in memory by default), and the /_emulator controls as methods
// that call the emulator directly, without HTTP. Works from node:test, Vitest and Jest (a CommonJS build ships too).
import { readFile } from 'node:fs/promises';
import { inMemoryDevKey } from '../identity/devIssuer.ts';
import type { Emulator, Fault, JournalEntry, JournalFilter, SeedData, SeedResult } from './index.ts';
import type { FaultSpec } from './faults.ts';

export type { Fault, FaultSpec, JournalEntry, JournalFilter, SeedData, SeedResult };
export type { SeedTenant, SeedUser, SeededUser } from './seed.ts';

export interface GraphPhonesOptions {
  /**
   * Keep every user and phone in memory: nothing is written to disk, and everything is gone at close(). Default:
   * true, unless `dataDir` is given.
   */
  readonly inMemory?: boolean;
  /** A folder for the SQLite file (and the token key and certificate): the data outlives close(). */
  readonly dataDir?: string;
  /** Serve HTTPS, with a development certificate for localhost that clients must trust: `ca`. */
  readonly tls?: boolean;
  /** The port to listen on (127.0.0.1). Default: 0, a free one. */
  readonly port?: number;
  /** Users and their phones to create before the service is handed over: as seed() takes them, or a JSON file's path. */
  readonly seed?: SeedData | string;
  /** The service's log (JSON lines on stdout). Default: silent. */
  readonly logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * Any other setting, as its command-line flags (the README's "Configuration"), e.g. ['--rate-limit', '5']. The
   * helper reads no environment variable: a test gets the same service wherever it runs.
   */
  readonly settings?: readonly string[];
}

/** A token for a signed-in user (delegated): the `token` command's settings. */
export interface UserTokenOptions {
  /** The user's userPrincipalName; recorded in the directory. */
  readonly user: string;
  /** Delegated permissions (scp), space- or comma-separated, or a list. Default: User.ReadWrite. */
  readonly scopes?: string | readonly string[];
  /** Tenant name. Default: contoso. */
  readonly tenant?: string;
  /** The Global Administrator role. Default: as seeded, else false. */
  readonly admin?: boolean;
  /** Display name. Default: as seeded (or recorded), else made from the userPrincipalName. */
  readonly name?: string;
  /** The calling app's name. */
  readonly client?: string;
  /** Lifetime in seconds. Default: 3600. */
  readonly expiresIn?: number;
}

/** A token for an app on its own (app-only). */
export interface AppTokenOptions {
  /** The app's name (its id is made from it). Default: test-app. */
  readonly client?: string;
  /** Application permissions (roles), space- or comma-separated, or a list. Default: User.Read.All. */
  readonly roles?: string | readonly string[];
  /** Tenant name. Default: contoso. */
  readonly tenant?: string;
  /** Lifetime in seconds. Default: 3600. */
  readonly expiresIn?: number;
}

export interface GraphPhones {
  /** The service's root, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  /** Where Graph's beta API is: url + '/beta', the base URL to give a Graph SDK. */
  readonly graphUrl: string;
  /** With `tls`: the development certificate (PEM) clients must trust; else undefined. */
  readonly ca: string | undefined;
  /** An access token for a user (a userPrincipalName alone takes every default). */
  token(options: UserTokenOptions | string): Promise<string>;
  /** An app-only access token. */
  appToken(options?: AppTokenOptions): Promise<string>;
  /** Creates tenants, users and their phones, all or nothing (as POST /_emulator/seed). */
  seed(data: SeedData): Promise<SeedResult>;
  /** Removes every user and phone (tokens minted before stay valid); the journal and faults stay. */
  reset(): Promise<void>;
  /** The requests the service answered, oldest first, those `filter` selects. */
  requests(filter?: JournalFilter): JournalEntry[];
  /** Forgets the journal (or what `filter` selects). */
  clearRequests(filter?: JournalFilter): void;
  /** Injects a fault (as POST /_emulator/faults); it is in force until used up or removed. */
  fault(spec: FaultSpec): Fault;
  /** Removes every fault. */
  clearFaults(): void;
  /** Stops the service (requests already received are answered) and frees its port. */
  close(): Promise<void>;
}

/** Starts the service in this process. Its errors (a bad setting, a bad seed) are thrown with a message saying why. */
export async function startGraphPhones(options: GraphPhonesOptions = {}): Promise<GraphPhones> {
  const inMemory = options.inMemory ?? options.dataDir === undefined;
  // The service's modules are loaded on the first start, not at import, while the in-memory token key is made on the
  // thread pool: making an RSA key and loading the HTTP server take about as long as each other.
  if (inMemory && options.dataDir === undefined) void inMemoryDevKey().catch(() => undefined);
  const [{ loadConfig }, { startService }] = await Promise.all([import('../config.ts'), import('../serve.ts')]);
  const config = loadConfig(
    [
      '--port', String(options.port ?? 0),
      '--log-level', options.logLevel ?? 'silent',
      '--in-memory', String(inMemory),
      '--tls', String(options.tls ?? false),
      ...(options.dataDir !== undefined ? ['--data-dir', options.dataDir] : []),
      ...(options.settings ?? []),
    ],
    {},
  );
  const service = await startService(config);
  const emulator: Emulator | undefined = service.emulator;
  if (!emulator) {
    await service.stop();
    throw new Error('startGraphPhones needs IDENTITY=development (the emulator controls exist only there); leave --identity out of its settings.');
  }
  try {
    if (options.seed !== undefined) {
      await emulator.seed(typeof options.seed === 'string' ? JSON.parse(await readFile(options.seed, 'utf8')) : options.seed);
    }
  } catch (err) {
    await service.stop();
    throw err;
  }
  const access = async (request: Parameters<Emulator['token']>[0]) => (await emulator.token(request)).access_token;
  return {
    url: service.url,
    graphUrl: `${service.url}/beta`,
    ca: service.devCertificate,
    token: (o) => access(typeof o === 'string' ? { user: o } : o),
    appToken: ({ client = 'test-app', ...rest } = {}) => access({ appOnly: true, client, ...rest }),
    seed: (data) => emulator.seed(data),
    reset: async () => void (await emulator.reset()),
    requests: (filter) => emulator.journal.list(filter),
    clearRequests: (filter) => void emulator.journal.remove(filter),
    fault: (spec) => emulator.faults.add(spec),
    clearFaults: () => emulator.faults.clear(),
    close: () => service.stop(),
  };
}
