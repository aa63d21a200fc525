// Every setting of the service, read once from flags and the environment (a flag wins).
// The same table prints --help and is copied into the README's configuration section.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from './commandErrors.ts';

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly publicUrl: string | undefined;
  readonly logLevel: string;
  readonly sqliteSynchronous: 'full' | 'normal';
  /** postgres://... switches the store to PostgreSQL; undefined keeps SQLite in dataDir. */
  readonly databaseUrl: string | undefined;
  readonly pgPoolMax: number;
  readonly pgConnectTimeoutMs: number;
  readonly pgIdleTimeoutMs: number;
  readonly pgStatementTimeoutMs: number;
  readonly pgStartupWaitMs: number;
  readonly identity: 'development' | 'entra';
  /** Tenant ids (lower case) whose tokens are accepted, or ['*'] for any tenant. */
  readonly entraTenants: readonly string[];
  readonly entraAuthority: string;
  readonly entraJwksUrl: string | undefined;
  readonly entraAudiences: readonly string[];
  readonly entraKeyRefreshSeconds: number;
  readonly clockSkewSeconds: number;
  readonly allowDevIdentityOnNetwork: boolean;
  /** Requests per caller per rate-limit window before 429; 0: no limit. */
  readonly rateLimit: number;
  readonly rateLimitWindowSeconds: number;
  /** shared: on PostgreSQL, counted in the database for every instance; instance: each instance counts in memory. */
  readonly rateLimitScope: 'shared' | 'instance';
  /** Serve HTTPS instead of HTTP (true when a certificate is given). */
  readonly tls: boolean;
  /** PEM certificate (chain) and key files; both undefined with TLS means a development certificate in dataDir. */
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
  /** After SIGTERM: how long /health says 503 while requests are still served, before the listener closes. */
  readonly drainSeconds: number;
  /** After the first signal: the process exits 1 after this long, whatever is unfinished. */
  readonly shutdownTimeoutSeconds: number;
  /** on: GET /metrics (Prometheus text) is served; off: it is not (404). */
  readonly metrics: 'on' | 'off';
  /** Serve /metrics on this port of HOST instead of the API's; undefined: on the API's listener. */
  readonly metricsPort: number | undefined;
}

interface Setting {
  readonly key: keyof Config;
  readonly flag: string;
  readonly env: string;
  readonly default: string | undefined;
  readonly help: string;
}

export const SETTINGS: readonly Setting[] = [
  { key: 'host', flag: 'host', env: 'HOST', default: '127.0.0.1', help: 'Address to listen on.' },
  { key: 'port', flag: 'port', env: 'PORT', default: '8080', help: 'TCP port to listen on (0 picks a free one).' },
  { key: 'dataDir', flag: 'data-dir', env: 'DATA_DIR', default: './data', help: 'Folder for the SQLite file and the development token key.' },
  {
    key: 'publicUrl',
    flag: 'public-url',
    env: 'PUBLIC_URL',
    default: undefined,
    help: 'Base URL clients use to reach the service (e.g. https://graph.example.com), for Location and @odata.context. Default: taken from each request.',
  },
  { key: 'logLevel', flag: 'log-level', env: 'LOG_LEVEL', default: 'info', help: 'fatal, error, warn, info, debug, trace or silent.' },
  {
    key: 'sqliteSynchronous',
    flag: 'sqlite-synchronous',
    env: 'SQLITE_SYNCHRONOUS',
    default: 'full',
    help: "full: every acknowledged write survives power loss. normal: faster; a power loss may drop the last writes (never corrupts).",
  },
  {
    key: 'databaseUrl',
    flag: 'database-url',
    env: 'DATABASE_URL',
    default: undefined,
    help: 'postgres://user:password@host:5432/database: keep the data in PostgreSQL (several instances may share it). Default: SQLite in DATA_DIR.',
  },
  { key: 'pgPoolMax', flag: 'pg-pool-max', env: 'PG_POOL_MAX', default: '10', help: 'PostgreSQL: connections each instance may open at most (1-1000).' },
  {
    key: 'pgConnectTimeoutMs',
    flag: 'pg-connect-timeout-ms',
    env: 'PG_CONNECT_TIMEOUT_MS',
    default: '5000',
    help: 'PostgreSQL: how long a request waits for a connection (new, or free in a full pool) before it is answered 503.',
  },
  {
    key: 'pgIdleTimeoutMs',
    flag: 'pg-idle-timeout-ms',
    env: 'PG_IDLE_TIMEOUT_MS',
    default: '30000',
    help: 'PostgreSQL: an idle connection is closed after this many ms (0: never).',
  },
  {
    key: 'pgStatementTimeoutMs',
    flag: 'pg-statement-timeout-ms',
    env: 'PG_STATEMENT_TIMEOUT_MS',
    default: '10000',
    help: 'PostgreSQL: the server cancels a statement running longer (answered 503); 0: not set by the service (e.g. set on the role behind PgBouncer).',
  },
  {
    key: 'pgStartupWaitMs',
    flag: 'pg-startup-wait-ms',
    env: 'PG_STARTUP_WAIT_MS',
    default: '30000',
    help: 'PostgreSQL: at start-up, keep trying this long while the database cannot be reached, then exit 1 with the reason (0: fail at once).',
  },
  {
    key: 'identity',
    flag: 'identity',
    env: 'IDENTITY',
    default: 'development',
    help: 'development: tokens of the built-in development issuer (npm run -s token). entra: Microsoft Entra ID tokens only.',
  },
  {
    key: 'entraTenants',
    flag: 'entra-tenants',
    env: 'ENTRA_TENANTS',
    default: undefined,
    help: 'entra: comma-separated tenant ids whose tokens are accepted, or * for any tenant (multi-tenant). Required with IDENTITY=entra.',
  },
  {
    key: 'entraAuthority',
    flag: 'entra-authority',
    env: 'ENTRA_AUTHORITY',
    default: 'https://login.microsoftonline.com',
    help: 'entra: where OpenID Connect discovery is read ({authority}/{tenant}/v2.0/.well-known/openid-configuration) and the v2 issuer ({authority}/{tid}/v2.0).',
  },
  {
    key: 'entraJwksUrl',
    flag: 'entra-jwks-url',
    env: 'ENTRA_JWKS_URL',
    default: undefined,
    help: 'entra: take signing keys from this JWKS URL instead of discovery.',
  },
  {
    key: 'entraAudiences',
    flag: 'entra-audiences',
    env: 'ENTRA_AUDIENCES',
    default: 'https://graph.microsoft.com,00000003-0000-0000-c000-000000000000',
    help: "entra: comma-separated accepted token audiences (aud). Set your own API's App ID URI and client id (see README).",
  },
  {
    key: 'entraKeyRefreshSeconds',
    flag: 'entra-key-refresh-seconds',
    env: 'ENTRA_KEY_REFRESH_SECONDS',
    default: '300',
    help: 'entra: at most one signing-key refresh per this many seconds when a token names an unknown key id.',
  },
  {
    key: 'clockSkewSeconds',
    flag: 'clock-skew-seconds',
    env: 'CLOCK_SKEW_SECONDS',
    default: '60',
    help: 'Tolerance for token exp and nbf, in seconds (0-600).',
  },
  {
    key: 'rateLimit',
    flag: 'rate-limit',
    env: 'RATE_LIMIT',
    default: '0',
    help: 'Requests one caller (one token, or one address without a token) may make per window before 429 TooManyRequests with Retry-After; 0 turns throttling off.',
  },
  {
    key: 'rateLimitWindowSeconds',
    flag: 'rate-limit-window-seconds',
    env: 'RATE_LIMIT_WINDOW_SECONDS',
    default: '60',
    help: 'The window RATE_LIMIT counts in (1-3600 seconds).',
  },
  {
    key: 'rateLimitScope',
    flag: 'rate-limit-scope',
    env: 'RATE_LIMIT_SCOPE',
    default: 'shared',
    help: 'shared: on PostgreSQL every instance counts in the database, so the limit holds across instances (one extra write per request); instance: each instance counts in memory (cheaper; N instances allow N times the rate). SQLite (one instance) always counts in memory.',
  },
  {
    key: 'allowDevIdentityOnNetwork',
    flag: 'allow-dev-identity-on-network',
    env: 'ALLOW_DEV_IDENTITY_ON_NETWORK',
    default: 'false',
    help: 'true lets IDENTITY=development listen on a non-loopback address (anyone who can read DATA_DIR can mint tokens).',
  },
  {
    key: 'tls',
    flag: 'tls',
    env: 'TLS',
    default: 'false',
    help: 'true serves HTTPS instead of HTTP on HOST:PORT. Without TLS_CERT/TLS_KEY, a development certificate for localhost is created in DATA_DIR.',
  },
  { key: 'tlsCert', flag: 'tls-cert', env: 'TLS_CERT', default: undefined, help: 'PEM certificate (chain) file for HTTPS; needs TLS_KEY and implies TLS=true.' },
  { key: 'tlsKey', flag: 'tls-key', env: 'TLS_KEY', default: undefined, help: 'PEM private key file for HTTPS; needs TLS_CERT and implies TLS=true.' },
  {
    key: 'drainSeconds',
    flag: 'drain-seconds',
    env: 'DRAIN_SECONDS',
    default: '5',
    help: 'On SIGTERM, /health answers 503 at once while requests are still served this long (for a load balancer to take the instance out), then the listener closes and requests already received are answered (0-3600; SIGINT does not wait).',
  },
  {
    key: 'shutdownTimeoutSeconds',
    flag: 'shutdown-timeout-seconds',
    env: 'SHUTDOWN_TIMEOUT_SECONDS',
    default: '30',
    help: 'After SIGTERM or SIGINT, exit 1 after this long whatever is unfinished; a second signal exits at once. Must exceed DRAIN_SECONDS (1-3600).',
  },
  {
    key: 'metrics',
    flag: 'metrics',
    env: 'METRICS',
    default: 'on',
    help: 'on: GET /metrics answers in Prometheus text format, without a token (request counts and latency, throttling, store errors, pool use, process memory). off: /metrics is 404.',
  },
  {
    key: 'metricsPort',
    flag: 'metrics-port',
    env: 'METRICS_PORT',
    default: undefined,
    help: "Serve /metrics on this port of HOST (same scheme as the API) instead of on PORT, where it is then 404; needs METRICS=on. Default: on the API's port.",
  },
];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** A setting (flag or environment variable) that cannot be used: the message names it and says why. */
export class ConfigError extends UsageError {}

/** Settings from `args` (flags) over `env`, checked. Unknown flags are an error. */
export function loadConfig(args: string[], env: NodeJS.ProcessEnv = process.env): Config {
  const { values } = parseArgs({
    args,
    options: Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: 'string' as const }])),
    strict: true,
    allowPositionals: false,
  });
  const raw = (s: Setting): string | undefined => (values[s.flag] as string | undefined) ?? env[s.env] ?? s.default;
  const setting = (key: keyof Config) => SETTINGS.find((s) => s.key === key)!;
  const get = (key: keyof Config) => raw(setting(key));
  /** A setting that is one of two words. */
  const either = <A extends string, B extends string>(key: keyof Config, a: A, b: B): A | B => {
    const value = get(key);
    if (value === a || value === b) return value as A | B;
    throw new ConfigError(`${setting(key).env} must be ${a} or ${b}, got '${value}'.`);
  };
  /** A whole number from min to max (`unit` only words the message). */
  const integer = (key: keyof Config, min: number, max: number, unit = '') => {
    const n = Number(get(key));
    if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${setting(key).env} must be ${min}-${max}${unit}, got '${get(key)}'.`);
    return n;
  };

  const port = Number(get('port'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be 0-65535, got '${get('port')}'.`);
  const logLevel = get('logLevel')!;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}.`);
  const sync = either('sqliteSynchronous', 'full', 'normal');
  const rateLimitScope = either('rateLimitScope', 'shared', 'instance');
  const databaseUrl = get('databaseUrl') || undefined; // an empty DATABASE_URL= means SQLite, as unset does
  // The URL may carry a password: never echoed.
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\/\S+$/.test(databaseUrl)) throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL.');
  const pgPoolMax = integer('pgPoolMax', 1, 1000);
  const pgConnectTimeoutMs = integer('pgConnectTimeoutMs', 1, 600_000);
  const pgIdleTimeoutMs = integer('pgIdleTimeoutMs', 0, 86_400_000);
  const pgStatementTimeoutMs = integer('pgStatementTimeoutMs', 0, 86_400_000);
  const pgStartupWaitMs = integer('pgStartupWaitMs', 0, 86_400_000);
  const publicUrl = get('publicUrl');
  if (publicUrl !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(publicUrl);
    } catch {
      throw new ConfigError(`PUBLIC_URL must be an absolute URL, got '${publicUrl}'.`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigError('PUBLIC_URL must be http or https.');
  }
  const identity = either('identity', 'development', 'entra');
  const list = (key: keyof Config) => (get(key) ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  const entraTenants = list('entraTenants').map((t) => t.toLowerCase());
  const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  if (identity === 'entra') {
    if (entraTenants.length === 0) throw new ConfigError('IDENTITY=entra needs ENTRA_TENANTS: tenant ids, or * for any tenant.');
    const bad = entraTenants.filter((t) => t !== '*' && !GUID.test(t));
    if (bad.length > 0 || (entraTenants.includes('*') && entraTenants.length > 1)) {
      throw new ConfigError(`ENTRA_TENANTS must be tenant ids (GUIDs) or a lone *, got '${get('entraTenants')}'.`);
    }
  }
  const seconds = (key: keyof Config, max: number) => integer(key, 0, max, ' seconds');
  const count = (key: keyof Config, max: number) => integer(key, 0, max);
  for (const key of ['entraAuthority', 'entraJwksUrl'] as const) {
    const value = get(key);
    if (value !== undefined && !/^https?:\/\/[^\s]+$/.test(value)) {
      throw new ConfigError(`${setting(key).env} must be an http(s) URL, got '${value}'.`);
    }
  }
  const allowDev = either('allowDevIdentityOnNetwork', 'true', 'false');
  const tlsFlag = either('tls', 'true', 'false');
  const tlsCert = get('tlsCert') || undefined;
  const tlsKey = get('tlsKey') || undefined;
  if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new ConfigError('TLS_CERT and TLS_KEY go together: give both files, or neither (a development certificate).');
  const metrics = either('metrics', 'on', 'off');
  const metricsPort = get('metricsPort') || undefined; // an empty METRICS_PORT= means the API's port, as unset does
  if (metricsPort !== undefined && metrics === 'off') throw new ConfigError('METRICS_PORT serves /metrics on a port of its own: it needs METRICS=on.');
  const metricsPortNumber = metricsPort === undefined ? undefined : integer('metricsPort', 0, 65535);
  if (metricsPortNumber !== undefined && metricsPortNumber !== 0 && metricsPortNumber === port) throw new ConfigError(`METRICS_PORT must differ from PORT (${port}): leave it unset to serve /metrics on PORT.`);
  const host = get('host')!;
  if (identity === 'development' && allowDev !== 'true' && !isLoopback(host)) {
    throw new ConfigError(
      `Refusing to listen on ${host} with IDENTITY=development: anyone who can read DATA_DIR can mint tokens this server accepts. ` +
        'Use IDENTITY=entra for a shared server, listen on 127.0.0.1, or set ALLOW_DEV_IDENTITY_ON_NETWORK=true if you accept that risk.',
    );
  }
  const drainSeconds = seconds('drainSeconds', 3600);
  const shutdownTimeoutSeconds = integer('shutdownTimeoutSeconds', 1, 3600, ' seconds');
  if (shutdownTimeoutSeconds <= drainSeconds) {
    throw new ConfigError(`SHUTDOWN_TIMEOUT_SECONDS (${shutdownTimeoutSeconds}) must exceed DRAIN_SECONDS (${drainSeconds}): the requests received during the drain need time to be answered.`);
  }
  return {
    host,
    port,
    dataDir: resolve(get('dataDir')!),
    publicUrl: publicUrl?.replace(/\/+$/, ''),
    logLevel,
    sqliteSynchronous: sync,
    databaseUrl,
    pgPoolMax,
    pgConnectTimeoutMs,
    pgIdleTimeoutMs,
    pgStatementTimeoutMs,
    pgStartupWaitMs,
    identity,
    entraTenants,
    entraAuthority: get('entraAuthority')!.replace(/\/+$/, ''),
    entraJwksUrl: get('entraJwksUrl'),
    entraAudiences: list('entraAudiences'),
    entraKeyRefreshSeconds: seconds('entraKeyRefreshSeconds', 86_400),
    clockSkewSeconds: seconds('clockSkewSeconds', 600),
    allowDevIdentityOnNetwork: allowDev === 'true',
    rateLimit: count('rateLimit', 1_000_000),
    rateLimitWindowSeconds: Math.max(1, seconds('rateLimitWindowSeconds', 3600)),
    rateLimitScope,
    tls: tlsFlag === 'true' || tlsCert !== undefined,
    tlsCert: tlsCert && resolve(tlsCert),
    tlsKey: tlsKey && resolve(tlsKey),
    drainSeconds,
    shutdownTimeoutSeconds,
    metrics,
    metricsPort: metricsPortNumber,
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function settingsHelp(): string {
  return SETTINGS.map(
    (s) => `  --${s.flag.padEnd(20)} ${s.env.padEnd(20)} ${s.help}${s.default !== undefined ? ` Default: ${s.default}.` : ''}`,
  ).join('\n');
}
