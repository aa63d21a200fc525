// PostgreSQL, for many stateless instances on one database: the same Kysely store over a pg connection pool.
// The pool outlives database restarts: a request that finds the database gone fails as "unavailable"
// (the HTTP layer answers 503), and the next one reconnects, so the service recovers by itself.
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { columnKindFrom, type StoreDialect } from './dialect.ts';
import type { FacetTable } from './facetTable.ts';
import { kyselyBackedStore } from './kyselyBackedStore.ts';
import { postgresRateLimits } from './rateLimits.ts';
import { migrateToLatest } from './migrations.ts';
import { queryLog, type QueryListener } from './queryLog.ts';
import type { Database } from './schema.ts';
import { StoreStartError, type Store } from './types.ts';

export interface PostgresOptions {
  /** postgres://user:password@host:port/database[?sslmode=...] */
  url: string;
  poolMax: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  /** 0: none (e.g. behind a pooler that sets it on the role instead). */
  statementTimeoutMs: number;
  /** How long start-up keeps trying while the database cannot be reached; 0 fails at once. */
  startupWaitMs: number;
  /** The profile collections' tables to keep (migrated at start-up). */
  tables: readonly FacetTable<any>[];
  /** Told about each failed attempt while start-up waits for the database. */
  onWaiting?: (message: string) => void;
  /** Told of every statement run (queryLog.ts). */
  onQuery?: QueryListener;
}

/** The URL without password or query string: safe for logs and /health. */
export function postgresLocation(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return 'postgres (unparsable URL)';
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENOTFOUND', 'EAI_AGAIN']);
// SQLSTATE: 08 connection exceptions; 57P01-03 shutting down, crashed, starting up; 53300 too many
// connections; 57014 statement timeout (overloaded); 40001 / 40P01 serialization failure / deadlock.
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '57014', '40001', '40P01']);
// pg and pg-pool report a lost or unobtainable connection by message only.
const UNAVAILABLE_MESSAGE =
  /^(timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|Query read timeout)/;

/** SQLSTATE unique_violation. */
const UNIQUE_VIOLATION = '23505';

export function isPostgresUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  if (err instanceof AggregateError && err.errors.some(isPostgresUnavailable)) return true; // every address refused
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  return err instanceof Error && UNAVAILABLE_MESSAGE.test(err.message);
}

const describe = (err: unknown): string =>
  err instanceof AggregateError && err.errors.length > 0 ? describe(err.errors[0]) : err instanceof Error ? err.message || String((err as { code?: unknown }).code) : String(err);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Any fixed number: the advisory lock that serializes migrations between instances of this service. */
const MIGRATION_LOCK = 0x70686f6e; // "phon"

/** Column types by the names PostgreSQL reports (its internal ones: int4 for integer, float8 for double precision). */
const POSTGRES_COLUMN_KINDS = { text: 'string', int4: 'integer', int8: 'integer', float8: 'number' } as const;

export const postgresDialect: StoreDialect = {
  kind: 'postgres',
  // Text compares by the database's collation (often a locale, where 'B' sorts after 'a'): columns say "C".
  textComparesBytes: false,
  byteOrderText: sql`text collate "C"`,
  jsonArrayOf: (value) => sql<string>`json_build_array(${value})::text`,
  async beginMigrations(conn) {
    await sql`begin`.execute(conn);
    // Migrations are not requests: the pool's statement timeout must not cut them (or the wait for the lock) short.
    await sql`set local statement_timeout = '10min'`.execute(conn);
    // Transaction-level, so that it also works through PgBouncer in transaction mode.
    await sql`select pg_advisory_xact_lock(${sql.lit(MIGRATION_LOCK)})`.execute(conn);
  },
  columnKind: (dataType) => columnKindFrom(POSTGRES_COLUMN_KINDS, dataType),
  // The connection pool already commits concurrent inserts together.
  groupCommit: false,
  isUnavailable: isPostgresUnavailable,
  isUniqueViolation: (err) => (err as { code?: unknown } | null)?.code === UNIQUE_VIOLATION,
};

export async function openPostgresStore(options: PostgresOptions): Promise<Store> {
  const location = postgresLocation(options.url);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: options.idleTimeoutMs,
    ...(options.statementTimeoutMs > 0 ? { statement_timeout: options.statementTimeoutMs } : {}),
    application_name: 'graph-profile-phones',
    keepAlive: true,
  });
  // A connection that dies while idle in the pool (the server restarted) is dropped by the pool; one that
  // dies between two queries of a checked-out client fails its next query. Neither may crash the process.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), ...queryLog(options.onQuery) });

  const deadline = Date.now() + options.startupWaitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      const { rows } = await sql<{ server_encoding: string }>`show server_encoding`.execute(db);
      if (rows[0]?.server_encoding !== 'UTF8') {
        throw new StoreStartError(`PostgreSQL database at ${location} has encoding ${rows[0]?.server_encoding}; create it with ENCODING 'UTF8'.`);
      }
      await migrateToLatest(db, postgresDialect, options.tables);
      break;
    } catch (err) {
      const waitMore = isPostgresUnavailable(err) && Date.now() < deadline;
      if (!waitMore) {
        await db.destroy();
        if (err instanceof StoreStartError) throw err;
        if (isPostgresUnavailable(err)) {
          throw new StoreStartError(
            `PostgreSQL at ${location} cannot be reached (${describe(err)})${options.startupWaitMs > 0 ? `; gave up after ${options.startupWaitMs} ms (PG_STARTUP_WAIT_MS)` : ''}.`,
          );
        }
        throw new StoreStartError(`PostgreSQL at ${location}: ${describe(err)}`, { cause: err });
      }
      options.onWaiting?.(`PostgreSQL at ${location} cannot be reached (${describe(err)}); trying again`);
      await sleep(Math.max(0, Math.min(500 * attempt, 5000, deadline - Date.now())));
    }
  }

  // Throttling counts are shared through the database: instances behind one load balancer enforce one limit.
  return {
    ...kyselyBackedStore({ db, dialect: postgresDialect, location, tables: options.tables }),
    rateLimits: postgresRateLimits(db),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: options.poolMax }),
  };
}
