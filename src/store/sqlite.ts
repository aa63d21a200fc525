// The embedded default: one SQLite file in DATA_DIR, in WAL mode, through better-sqlite3 (or a database in memory).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql, SqliteDialect } from 'kysely';
import { fromValues } from '../fixedShape.ts';
import { columnKindFrom, type StoreDialect } from './dialect.ts';
import type { FacetTable } from './facetTable.ts';
import { kyselyBackedStore } from './kyselyBackedStore.ts';
import { migrateToLatest } from './migrations.ts';
import { queryLog, type QueryListener } from './queryLog.ts';
import type { Database } from './schema.ts';
import type { Store } from './types.ts';

export interface SqliteOptions {
  /** The folder of the database file; undefined: a database in memory, gone when the store closes (IN_MEMORY). */
  dataDir: string | undefined;
  /** 'full' syncs every commit to disk; 'normal' can lose the last commits on power loss (never corrupts). */
  synchronous: 'full' | 'normal';
  /** The profile collections' tables to keep (migrated at start-up). */
  tables: readonly FacetTable<any>[];
  /** Told the size of each group-committed batch of creates. */
  onGroupCommit?: (batchSize: number) => void;
  /** Told of every statement run (queryLog.ts). */
  onQuery?: QueryListener;
}

export const SQLITE_FILE = 'graph.sqlite';

/**
 * Kysely prepares every query it runs. better-sqlite3 statements are reusable, so keeping them by SQL
 * text means each distinct query is prepared once for the life of the process, not once per request.
 */
function withStatementCache(db: BetterSqlite3.Database) {
  const cache = new Map<string, RowsAsObjects | BetterSqlite3.Statement>();
  return {
    prepare(sqlText: string) {
      let stmt = cache.get(sqlText);
      if (!stmt) {
        const prepared = db.prepare(sqlText);
        // A statement that names its columns keeps them; one that reads * takes a later migration's too, so its rows are
        // left to better-sqlite3, which names them anew on each run.
        stmt = prepared.reader && !sqlText.includes('*') ? new RowsAsObjects(prepared, asOneJsonValue(db, prepared, sqlText)) : prepared;
        if (cache.size < 500) cache.set(sqlText, stmt);
      }
      return stmt;
    },
    close() {
      cache.clear();
      db.close();
    },
  };
}

/** Declared column types whose every value SQLite writes in JSON as the value better-sqlite3 would give (no BLOB). */
const JSON_EXACT_TYPES = /^(?:text|integer|bigint|double precision)$/i;

/**
 * The same statement answering each row as one JSON array text of its columns (`select json_array("a", "b") from ...`),
 * when it is a SELECT of table columns by name as Kysely writes one (`select "a", "b" from ...`); undefined otherwise.
 * better-sqlite3 hands each column value to V8 through its API, one call per value, which for a phone's two dozen
 * columns costs more than the query (bench/RESULTS.md, issue 15); one string per row and JSON.parse cost about
 * 40% less on a page of phones. The values are the same: text exactly (JSON escapes it), integers and doubles as the
 * same numbers (SQLite 3.53 writes a double with all its digits; test/store.sqliteRows.test.ts), NULL as null. Only the
 * select list changes, so the plan is the statement's own (the query plan test explains the statement as Kysely wrote it).
 */
export function asOneJsonValue(db: BetterSqlite3.Database, stmt: BetterSqlite3.Statement, sqlText: string): BetterSqlite3.Statement | undefined {
  const columns = stmt.columns();
  const names = columns.map((c) => c.name);
  if (new Set(names).size !== names.length) return undefined;
  if (!columns.every((c) => c.column === c.name && c.type !== null && JSON_EXACT_TYPES.test(c.type))) return undefined;
  const list = names.map((n) => `"${n.replaceAll('"', '""')}"`).join(', ');
  const selected = `select ${list} from `;
  if (!sqlText.startsWith(selected)) return undefined;
  return db.prepare(`select json_array(${list}) from ${sqlText.slice(selected.length)}`).pluck(true);
}

/** What SQLite says when a value to put in JSON is a BLOB: only a file written by something else holds one here. */
const isBlobInJson = (err: unknown) => err instanceof BetterSqlite3.SqliteError && /JSON cannot hold BLOB values/.test(err.message);

/**
 * A statement that answers rows as objects, as Kysely's SQLite driver expects, built here from better-sqlite3's raw
 * arrays (or from one JSON array per row, see asOneJsonValue): better-sqlite3 makes each row object through V8's API
 * one property at a time, which for a phone's two dozen columns costs more than the query itself; objects of one shape
 * built in JavaScript take about a third less CPU (measured in bench/RESULTS.md, issue 15). Same objects: a name that
 * two columns share holds the later one's value.
 */
class RowsAsObjects {
  readonly reader = true;
  /** A row object from its values: one object literal of the statement's columns (fixedShape.ts). */
  private readonly object: (row: readonly unknown[]) => Record<string, unknown>;
  constructor(
    private readonly stmt: BetterSqlite3.Statement,
    /** The statement with each row as one JSON array text, when it has that form. */
    private json: BetterSqlite3.Statement | undefined,
  ) {
    this.object = fromValues(stmt.columns().map((c) => c.name));
    stmt.raw(true);
  }
  all(parameters: readonly unknown[]): Record<string, unknown>[] {
    if (this.json) {
      try {
        const texts = this.json.all(parameters) as string[];
        const objects = new Array<Record<string, unknown>>(texts.length);
        for (let i = 0; i < texts.length; i++) objects[i] = this.object(JSON.parse(texts[i]!) as unknown[]);
        return objects;
      } catch (err) {
        if (!isBlobInJson(err)) throw err;
        this.json = undefined; // read as it is from now on
      }
    }
    const rows = this.stmt.all(parameters) as unknown[][];
    const objects = new Array<Record<string, unknown>>(rows.length);
    for (let i = 0; i < rows.length; i++) objects[i] = this.object(rows[i]!);
    return objects;
  }
  /** (Kysely's interface; it runs a statement that reads with all().) */
  run(parameters: readonly unknown[]): BetterSqlite3.RunResult {
    return this.stmt.run(parameters);
  }
  *iterate(parameters: readonly unknown[]): IterableIterator<Record<string, unknown>> {
    for (const row of this.stmt.iterate(parameters) as IterableIterator<unknown[]>) yield this.object(row);
  }
}

export async function openSqliteStore(options: SqliteOptions): Promise<Store> {
  let location = ':memory:';
  if (options.dataDir !== undefined) {
    mkdirSync(options.dataDir, { recursive: true });
    location = join(options.dataDir, SQLITE_FILE);
  }
  const raw = new BetterSqlite3(location);
  raw.pragma('journal_mode = WAL'); // a database in memory keeps its own journal mode (memory)
  raw.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  raw.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }), ...queryLog(options.onQuery) });
  try {
    await migrateToLatest(db, sqliteDialect, options.tables);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return kyselyBackedStore({ db, dialect: sqliteDialect, location, tables: options.tables, onGroupCommit: options.onGroupCommit });
}

/** Column types as SQLite reports them: as the migrations declare them. */
const SQLITE_COLUMN_KINDS = { text: 'string', integer: 'integer', bigint: 'integer', 'double precision': 'number' } as const;

export const sqliteDialect: StoreDialect = {
  kind: 'sqlite',
  textComparesBytes: true, // the default BINARY collation
  byteOrderText: sql`text`,
  jsonArrayOf: (value) => sql<string>`json_array(${value})`,
  // BEGIN IMMEDIATE takes the write lock at once: a second instance waits (busy_timeout) until the first commits.
  beginMigrations: async (conn) => void (await sql`begin immediate`.execute(conn)),
  columnKind: (dataType) => columnKindFrom(SQLITE_COLUMN_KINDS, dataType),
  // Every commit is a sync to disk with synchronous=full: concurrent creates share one (kyselyFacetStore.ts).
  groupCommit: true,
  isUnavailable: isSqliteUnavailable,
  isUniqueViolation: isSqliteUniqueViolation,
};

/** Another process held the write lock for longer than busy_timeout: worth a retry, not a fault. */
export function isSqliteUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** better-sqlite3 names the constraint kind in the error code. */
function isSqliteUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
