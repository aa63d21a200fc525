// Every setting of the service, read once from flags and the environment (a flag wins).
// The same table prints --help and is copied into the README's configuration section.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly publicUrl: string | undefined;
  readonly logLevel: string;
  readonly sqliteSynchronous: 'full' | 'normal';
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
];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export class ConfigError extends Error {}

/** Settings from `args` (flags) over `env`, checked. Unknown flags are an error. */
export function loadConfig(args: string[], env: NodeJS.ProcessEnv = process.env): Config {
  const { values } = parseArgs({
    args,
    options: Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: 'string' as const }])),
    strict: true,
    allowPositionals: false,
  });
  const raw = (s: Setting): string | undefined => (values[s.flag] as string | undefined) ?? env[s.env] ?? s.default;
  const get = (key: keyof Config) => raw(SETTINGS.find((s) => s.key === key)!);

  const port = Number(get('port'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be 0-65535, got '${get('port')}'.`);
  const logLevel = get('logLevel')!;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}.`);
  const sync = get('sqliteSynchronous');
  if (sync !== 'full' && sync !== 'normal') throw new ConfigError(`SQLITE_SYNCHRONOUS must be full or normal, got '${sync}'.`);
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
  return {
    host: get('host')!,
    port,
    dataDir: resolve(get('dataDir')!),
    publicUrl: publicUrl?.replace(/\/+$/, ''),
    logLevel,
    sqliteSynchronous: sync,
  };
}

export function settingsHelp(): string {
  return SETTINGS.map(
    (s) => `  --${s.flag.padEnd(20)} ${s.env.padEnd(20)} ${s.help}${s.default !== undefined ? ` Default: ${s.default}.` : ''}`,
  ).join('\n');
}
