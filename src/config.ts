// Every setting of the service, declared once (SETTING_TABLE) and read once from flags and the environment
// (a flag wins). The same table gives the Config type, prints --help and is copied into the README's
// configuration section.
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './commandErrors.ts';
import { isGuid } from './guid.ts';

/** A setting (flag or environment variable) that cannot be used: the message names it and says why. */
export class ConfigError extends UsageError {}

/** How a setting's text (flag, environment variable or default) becomes its value; `name` is its variable, for messages. */
type Parse<T> = (text: string | undefined, name: string) => T;

/** The text as it is, for a setting with a default (so never missing). */
const given: Parse<string> = (text) => text!;
/** One of two words. */
const either =
  <A extends string, B extends string>(a: A, b: B): Parse<A | B> =>
  (text, name) => {
    if (text === a || text === b) return text as A | B;
    throw new ConfigError(`${name} must be ${a} or ${b}, got '${text}'.`);
  };
/** true or false, as a boolean. */
const yes: Parse<boolean> = (text, name) => either('true', 'false')(text, name) === 'true';
/** A whole number from min to max (`unit` only words the message). */
const integer =
  (min: number, max: number, unit = ''): Parse<number> =>
  (text, name) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be ${min}-${max}${unit}, got '${text}'.`);
    return n;
  };
const seconds = (min: number, max: number) => integer(min, max, ' seconds');
/** Comma-separated values, trimmed; empty ones dropped. */
const list: Parse<string[]> = (text) => (text ?? '').split(',').map((v) => v.trim()).filter(Boolean);
const httpUrl: Parse<string> = (text, name) => {
  if (!/^https?:\/\/[^\s]+$/.test(text!)) throw new ConfigError(`${name} must be an http(s) URL, got '${text}'.`);
  return text!;
};
/** A setting without a default: undefined when not given, and (with `emptyIsUnset`) when given empty, as `VAR=`. */
const optional =
  <T>(parse: Parse<T>, { emptyIsUnset = false } = {}): Parse<T | undefined> =>
  (text, name) =>
    text === undefined || (emptyIsUnset && text === '') ? undefined : parse(text, name);

interface SettingDeclaration {
  /** Its value when neither flag nor variable is given; none: undefined. */
  readonly default?: string;
  /** Its line in --help (and the README's table says the same). */
  readonly help: string;
  readonly parse: Parse<unknown>;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Every setting, once: its default, its --help line and how its text is read, in --help's order. The flag and
 * the environment variable are named after the key (dataDir: --data-dir, DATA_DIR). Rules that join two or more
 * settings are in configFrom.
 */
const SETTING_TABLE = {
  host: { default: '127.0.0.1', help: 'Address to listen on.', parse: given },
  port: { default: '8080', help: 'TCP port to listen on (0 picks a free one).', parse: integer(0, 65535) },
  dataDir: {
    default: './data',
    help: 'Folder for the SQLite file, the development token key and the development TLS certificate.',
    parse: (text) => resolve(text!),
  },
  inMemory: {
    default: 'false',
    help: 'true keeps every user and phone in memory only: nothing is written to disk and everything is gone at exit (for tests and CI). The development token key and certificate are kept in memory too, unless DATA_DIR is given.',
    parse: yes,
  },
  seed: {
    help: 'A JSON file of tenants, their apps, users and their phones, as POST /_emulator/seed takes it, created at start-up (all or nothing; the service does not start if any value is bad). Development identity only. Each start adds them again: meant for IN_MEMORY.',
    parse: optional((text) => resolve(text!), { emptyIsUnset: true }),
  },
  publicUrl: {
    help: 'Base URL clients use to reach the service (e.g. https://graph.example.com), for Location and @odata.context. Default: taken from each request.',
    parse: optional((text, name) => {
      let parsed: URL;
      try {
        parsed = new URL(text!);
      } catch {
        throw new ConfigError(`${name} must be an absolute URL, got '${text}'.`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigError(`${name} must be http or https.`);
      return text!.replace(/\/+$/, '');
    }),
  },
  logLevel: {
    default: 'info',
    help: 'fatal, error, warn, info, debug, trace or silent.',
    parse: (text, name) => {
      if (!LOG_LEVELS.includes(text!)) throw new ConfigError(`${name} must be one of ${LOG_LEVELS.join(', ')}.`);
      return text!;
    },
  },
  sqliteSynchronous: {
    default: 'full',
    help: "full: every acknowledged write survives power loss. normal: faster; a power loss may drop the last writes (never corrupts).",
    parse: either('full', 'normal'),
  },
  /** postgres://... switches the store to PostgreSQL; undefined keeps SQLite in dataDir. */
  databaseUrl: {
    help: 'postgres://user:password@host:5432/database: keep the data in PostgreSQL (several instances may share it). Default: SQLite in DATA_DIR.',
    // An empty DATABASE_URL= means SQLite, as unset does. The URL may carry a password: never echoed.
    parse: optional(
      (text, name) => {
        if (!/^postgres(ql)?:\/\/\S+$/.test(text!)) throw new ConfigError(`${name} must be a postgres:// or postgresql:// URL.`);
        return text!;
      },
      { emptyIsUnset: true },
    ),
  },
  pgPoolMax: { default: '10', help: 'PostgreSQL: connections each instance may open at most (1-1000).', parse: integer(1, 1000) },
  pgConnectTimeoutMs: {
    default: '5000',
    help: 'PostgreSQL: how long a request waits for a connection (new, or free in a full pool) before it is answered 503.',
    parse: integer(1, 600_000),
  },
  pgIdleTimeoutMs: {
    default: '30000',
    help: 'PostgreSQL: an idle connection is closed after this many ms (0: never).',
    parse: integer(0, 86_400_000),
  },
  pgStatementTimeoutMs: {
    default: '10000',
    help: 'PostgreSQL: the server cancels a statement running longer (answered 503); 0: not set by the service (e.g. set on the role behind PgBouncer).',
    parse: integer(0, 86_400_000),
  },
  pgStartupWaitMs: {
    default: '30000',
    help: 'PostgreSQL: at start-up, keep trying this long while the database cannot be reached, then exit 1 with the reason (0: fail at once).',
    parse: integer(0, 86_400_000),
  },
  identity: {
    default: 'development',
    help: 'development: tokens of the built-in development issuer (npm run -s token), which also serves Entra ID\'s sign-in endpoints for the seeded apps and users. entra: Microsoft Entra ID tokens only.',
    parse: either('development', 'entra'),
  },
  /** Tenant ids (lower case) whose tokens are accepted, or ['*'] for any tenant. */
  entraTenants: {
    help: 'entra: comma-separated tenant ids whose tokens are accepted, or * for any tenant (multi-tenant). Required with IDENTITY=entra.',
    parse: (text, name): readonly string[] => list(text, name).map((t) => t.toLowerCase()),
  },
  entraAuthority: {
    default: 'https://login.microsoftonline.com',
    help: 'entra: where OpenID Connect discovery is read ({authority}/{tenant}/v2.0/.well-known/openid-configuration) and the v2 issuer ({authority}/{tid}/v2.0).',
    parse: (text, name) => httpUrl(text, name).replace(/\/+$/, ''),
  },
  entraJwksUrl: { help: 'entra: take signing keys from this JWKS URL instead of discovery.', parse: optional(httpUrl) },
  entraAudiences: {
    default: 'https://graph.microsoft.com,00000003-0000-0000-c000-000000000000',
    help: "entra: comma-separated accepted token audiences (aud). Set your own API's App ID URI and client id (see README).",
    parse: (text, name): readonly string[] => list(text, name),
  },
  webClientId: {
    help: "entra: the application (client) id of the web page's app registration (a single-page app whose redirect URIs are this service's / and /beta/docs); without it the page cannot sign in.",
    parse: optional((text, name) => {
      if (!isGuid(text!)) throw new ConfigError(`${name} must be an application (client) id, a GUID, got '${text}'.`);
      return text!.toLowerCase();
    }, { emptyIsUnset: true }),
  },
  webTenant: {
    help: 'entra: the tenant the web page signs people in to: a tenant id, a domain, or organizations. Default: the one ENTRA_TENANTS names, else organizations.',
    parse: optional((text) => text!, { emptyIsUnset: true }),
  },
  webScopes: {
    help: "entra: the web page's scopes, comma-separated. Default: <first ENTRA_AUDIENCES>/User.ReadWrite and <first ENTRA_AUDIENCES>/User.ReadBasic.All.",
    parse: optional((text, name): readonly string[] => list(text, name), { emptyIsUnset: true }),
  },
  entraKeyRefreshSeconds: {
    default: '300',
    help: 'entra: at most one signing-key refresh per this many seconds when a token names an unknown key id.',
    parse: seconds(0, 86_400),
  },
  clockSkewSeconds: { default: '60', help: 'Tolerance for token exp and nbf, in seconds (0-600).', parse: seconds(0, 600) },
  /** Requests per caller per rate-limit window before 429; 0: no limit. */
  rateLimit: {
    default: '0',
    help: 'Requests one caller (one token, or one address without a token) may make per window before 429 TooManyRequests with Retry-After; 0 turns throttling off.',
    parse: integer(0, 1_000_000),
  },
  rateLimitWindowSeconds: {
    default: '60',
    help: 'The window RATE_LIMIT counts in (1-3600 seconds).',
    parse: (text, name) => Math.max(1, seconds(0, 3600)(text, name)),
  },
  /** shared: on PostgreSQL, counted in the database for every instance; instance: each instance counts in memory. */
  rateLimitScope: {
    default: 'shared',
    help: 'shared: on PostgreSQL every instance counts in the database, so the limit holds across instances (one extra write per request); instance: each instance counts in memory (cheaper; N instances allow N times the rate). SQLite (one instance) always counts in memory.',
    parse: either('shared', 'instance'),
  },
  allowDevIdentityOnNetwork: {
    default: 'false',
    help: 'true lets IDENTITY=development listen on a non-loopback address (anyone who can read DATA_DIR, or reach /_emulator/tokens, can mint tokens).',
    parse: yes,
  },
  /** Serve HTTPS instead of HTTP (true when a certificate is given). */
  tls: {
    default: 'false',
    help: 'true serves HTTPS instead of HTTP on HOST:PORT. Without TLS_CERT/TLS_KEY, a development certificate for localhost is created in DATA_DIR.',
    parse: yes,
  },
  /** PEM certificate (chain) and key files; both undefined with TLS means a development certificate in dataDir. */
  tlsCert: {
    help: 'PEM certificate (chain) file for HTTPS; needs TLS_KEY and implies TLS=true.',
    parse: optional((text) => resolve(text!), { emptyIsUnset: true }),
  },
  tlsKey: {
    help: 'PEM private key file for HTTPS; needs TLS_CERT and implies TLS=true.',
    parse: optional((text) => resolve(text!), { emptyIsUnset: true }),
  },
  /** After SIGTERM: how long /health says 503 while requests are still served, before the listener closes. */
  drainSeconds: {
    default: '5',
    help: 'On SIGTERM, /health answers 503 at once while requests are still served this long (for a load balancer to take the instance out), then the listener closes and requests already received are answered (0-3600; SIGINT does not wait).',
    parse: seconds(0, 3600),
  },
  /** After the first signal: the process exits 1 after this long, whatever is unfinished. */
  shutdownTimeoutSeconds: {
    default: '30',
    help: 'After SIGTERM or SIGINT, exit 1 after this long whatever is unfinished; a second signal exits at once. Must exceed DRAIN_SECONDS (1-3600).',
    parse: seconds(1, 3600),
  },
  /** How many requests the request journal keeps (development identity only); 0: none are recorded. */
  requestJournal: {
    default: '1000',
    help: 'IDENTITY=development: how many of the last requests the request journal keeps (GET /_emulator/requests; 0-10000). 0 turns it off: nothing is recorded, and its routes answer 404 saying so. A suite that never reads the journal saves CPU (about a sixth of a GET) and memory.',
    parse: integer(0, 10_000),
  },
  /** on: GET /metrics (Prometheus text) is served; off: it is not (404). */
  metrics: {
    default: 'on',
    help: 'on: GET /metrics answers in Prometheus text format, without a token (request counts and latency, throttling, store errors, pool use, process memory). off: /metrics is 404.',
    parse: either('on', 'off'),
  },
  /** Serve /metrics on this port of HOST instead of the API's; undefined: on the API's listener. */
  metricsPort: {
    help: "Serve /metrics on this port of HOST (same scheme as the API) instead of on PORT, where it is then 404; needs METRICS=on. Default: on the API's port.",
    // An empty METRICS_PORT= means the API's port, as unset does.
    parse: optional(integer(0, 65535), { emptyIsUnset: true }),
  },
} satisfies Record<string, SettingDeclaration>;

/** Each setting's value as its table entry reads it (and TLS is also true when a certificate is given). */
type Settings = { readonly [K in keyof typeof SETTING_TABLE]: ReturnType<(typeof SETTING_TABLE)[K]['parse']> };

export type Config = Settings & {
  /**
   * Where the development token key and the development TLS certificate are kept: DATA_DIR; with IN_MEMORY, only
   * when DATA_DIR is given (so that `token --data-dir` can mint for it), else nowhere (made in memory).
   */
  readonly keyDir: string | undefined;
};

interface Setting extends SettingDeclaration {
  readonly key: keyof Settings;
  readonly flag: string;
  readonly env: string;
}

/** The settings in --help's order, each with its flag and environment variable. */
export const SETTINGS: readonly Setting[] = Object.entries(SETTING_TABLE as Record<keyof Settings, SettingDeclaration>).map(([key, s]) => {
  const flag = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return { ...s, key: key as keyof Settings, flag, env: flag.toUpperCase().replaceAll('-', '_') };
});

/** Every setting's flag as parseArgs takes it: each takes a value (a true/false setting's may be left out: withFlagValues). */
const SETTING_OPTIONS = Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: 'string' as const }]));

/** The flags of the true/false settings. */
const BOOLEAN_FLAGS = SETTINGS.filter((s) => s.parse === yes).map((s) => `--${s.flag}`);

/**
 * A true/false flag (a setting's or a command's own) may stand alone (`--tls`) or take its value (`--tls true`,
 * `--tls false`, `--tls=false`): alone, it means true. parseArgs has no such option kind (a boolean option takes no
 * value, and `--tls false` would leave `false` as a positional), so each is parsed as a string and a missing value is
 * written in first: the flag is alone when it is last or followed by another flag.
 */
function withFlagValues(args: readonly string[], booleanFlags: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    out.push(arg);
    if (arg === '--') return [...out, ...args.slice(i + 1)];
    const next = args[i + 1];
    if (booleanFlags.has(arg) && (next === undefined || next.startsWith('-'))) out.push('true');
  }
  return out;
}

/** A command's own flags, as parseArgs takes them. */
type CommandOptions = NonNullable<ParseArgsConfig['options']>;
/** The values parseArgs gives for a command's own flags. */
type CommandValues<O extends CommandOptions> = ReturnType<typeof parseArgs<{ options: O; strict: true }>>['values'];

/**
 * A command line of the settings flags and a command's own flags (`options`), parsed once: the settings, with
 * the environment, as a Config; the command's flag values; the positional arguments (an error unless
 * `allowPositionals`). Unknown flags are an error.
 */
export function parseCommandLine<const O extends CommandOptions = {}>(
  args: string[],
  command: { readonly options?: O; readonly allowPositionals?: boolean } = {},
  env: NodeJS.ProcessEnv = process.env,
): { config: Config; values: CommandValues<O>; positionals: string[] } {
  const own = Object.entries(command.options ?? {});
  const ownBooleans = own.filter(([, o]) => o.type === 'boolean').map(([name]) => name);
  const { values, positionals } = parseArgs({
    args: withFlagValues(args, new Set([...BOOLEAN_FLAGS, ...ownBooleans.map((name) => `--${name}`)])),
    strict: true,
    allowPositionals: command.allowPositionals ?? false,
    options: {
      ...Object.fromEntries(own.map(([name, o]) => [name, o.type === 'boolean' ? { type: 'string' as const, default: o.default === undefined ? undefined : String(o.default) } : o])),
      ...SETTING_OPTIONS,
    },
  });
  // The command's own flags' values (the settings' go into the Config), true/false ones as booleans.
  const read: Record<string, unknown> = Object.fromEntries(own.map(([name]) => [name, values[name]]).filter(([, v]) => v !== undefined));
  for (const name of ownBooleans) {
    const text = read[name];
    if (text === undefined) continue;
    if (text !== 'true' && text !== 'false') throw new UsageError(`--${name} must be true or false, got '${String(text)}'.`);
    read[name] = text === 'true';
  }
  return { config: configFrom(values, env), values: read as CommandValues<O>, positionals };
}

/** Settings from `args` (flags) over `env`, checked. Unknown flags are an error. */
export function loadConfig(args: string[], env: NodeJS.ProcessEnv = process.env): Config {
  return parseCommandLine(args, {}, env).config;
}

/** The settings from the parsed flags over `env`, checked. */
function configFrom(flags: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv): Config {
  const given = new Map(SETTINGS.map((s) => [s.key, (flags[s.flag] as string | undefined) ?? env[s.env]]));
  const texts = new Map(SETTINGS.map((s) => [s.key, given.get(s.key) ?? s.default]));
  const settings = Object.fromEntries(SETTINGS.map((s) => [s.key, s.parse(texts.get(s.key), s.env)])) as { -readonly [K in keyof Settings]: Settings[K] };
  const config = { ...settings, keyDir: settings.inMemory && given.get('dataDir') === undefined ? undefined : settings.dataDir };

  // The rules that join settings.
  const { entraTenants } = config;
  if (config.identity === 'entra') {
    if (entraTenants.length === 0) throw new ConfigError('IDENTITY=entra needs ENTRA_TENANTS: tenant ids, or * for any tenant.');
    const bad = entraTenants.filter((t) => t !== '*' && !isGuid(t));
    if (bad.length > 0 || (entraTenants.includes('*') && entraTenants.length > 1)) {
      throw new ConfigError(`ENTRA_TENANTS must be tenant ids (GUIDs) or a lone *, got '${texts.get('entraTenants')}'.`);
    }
  }
  if (config.inMemory && config.databaseUrl !== undefined) {
    throw new ConfigError('IN_MEMORY keeps the data in this process: it cannot be used with DATABASE_URL (PostgreSQL). Leave one out.');
  }
  if (config.seed !== undefined && config.identity !== 'development') {
    throw new ConfigError('SEED creates development users: it needs IDENTITY=development (Entra ID users are not seeded here).');
  }
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) throw new ConfigError('TLS_CERT and TLS_KEY go together: give both files, or neither (a development certificate).');
  config.tls ||= config.tlsCert !== undefined;
  if (config.metricsPort !== undefined && config.metrics === 'off') throw new ConfigError('METRICS_PORT serves /metrics on a port of its own: it needs METRICS=on.');
  if (config.metricsPort !== undefined && config.metricsPort !== 0 && config.metricsPort === config.port) {
    throw new ConfigError(`METRICS_PORT must differ from PORT (${config.port}): leave it unset to serve /metrics on PORT.`);
  }
  if (config.identity === 'development' && !config.allowDevIdentityOnNetwork && !isLoopback(config.host)) {
    throw new ConfigError(
      `Refusing to listen on ${config.host} with IDENTITY=development: anyone who can read DATA_DIR can mint tokens this server accepts. ` +
        'Use IDENTITY=entra for a shared server, listen on 127.0.0.1, or set ALLOW_DEV_IDENTITY_ON_NETWORK=true if you accept that risk.',
    );
  }
  if (config.shutdownTimeoutSeconds <= config.drainSeconds) {
    throw new ConfigError(`SHUTDOWN_TIMEOUT_SECONDS (${config.shutdownTimeoutSeconds}) must exceed DRAIN_SECONDS (${config.drainSeconds}): the requests received during the drain need time to be answered.`);
  }
  return config;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function settingsHelp(): string {
  return SETTINGS.map(
    (s) => `  --${s.flag.padEnd(20)} ${s.env.padEnd(20)} ${s.help}${s.default !== undefined ? ` Default: ${s.default}.` : ''}`,
  ).join('\n');
}
