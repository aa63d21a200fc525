// Export and import of every stored row, written once against Kysely like the rest of the store.
// Rows travel as their columns (every stored value, nothing derived), so a copy is exact on both stores.
import { sql, type Kysely } from 'kysely';
import { unstorableText, type Unstorable } from '../model/storableText.ts';
import type { ColumnKind, StoreDialect } from './dialect.ts';
import type { FacetTable } from './facetTable.ts';
import { appliedMigrations } from './migrations.ts';
import { TransferError, type TransferRecord, type TransferSnapshot, type TransferStore } from './types.ts';

/** Each table's primary key: the order rows are exported in and the key import replaces by. Users come first. */
type TableKeys = ReadonlyMap<string, readonly string[]>;

function tableKeys(tables: readonly FacetTable<any>[]): TableKeys {
  return new Map<string, readonly string[]>([['users', ['tenant_id', 'id']], ...tables.map((t) => [t.name, ['tenant_id', 'user_id', 'id']] as const)]);
}

const BATCH = 500;

interface Column {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
}

const INT32 = 2 ** 31;

/** What an import says of text the service cannot keep (the API never stores it, and PostgreSQL cannot). */
const UNSTORABLE_IN_FILE: Readonly<Record<Unstorable, string>> = { nul: 'contains NUL (U+0000)', loneSurrogate: 'contains an unpaired surrogate' };

function checkValue(column: Column, value: unknown): string | undefined {
  if (value === null) return column.nullable ? undefined : 'may not be null';
  switch (column.kind) {
    case 'string': {
      if (typeof value !== 'string') return 'must be a string';
      const unstorable = unstorableText(value);
      return unstorable && UNSTORABLE_IN_FILE[unstorable];
    }
    case 'integer':
      return Number.isInteger(value) && (value as number) >= -INT32 && (value as number) < INT32 ? undefined : 'must be a 32-bit integer';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a finite number';
  }
}

/** A problem with a string collection kept as JSON array text (source_types), or undefined. */
function checkJsonStrings(text: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'must be a JSON array of strings (or null)';
  }
  if (!Array.isArray(value) || !value.every((v) => v === null || typeof v === 'string')) return 'must be a JSON array of strings (or null)';
  const unstorable = (value as (string | null)[]).map((v) => (v === null ? undefined : unstorableText(v))).find(Boolean);
  return unstorable && UNSTORABLE_IN_FILE[unstorable];
}

/** Text columns that hold JSON, and what their text must be: itemFacet's source_types, in every collection's table. */
const jsonColumnCheck = (table: string, column: string) => (table !== 'users' && column === 'source_types' ? checkJsonStrings : undefined);

type Row = Record<string, unknown>;

/**
 * How a row exported before a migration is brought to the schema after it, by the migration's name: an
 * export of an older version imports into this one. Applied in migration order, for each migration the
 * file's header does not list. (A migration that changes no column needs no entry.)
 */
const ROW_UPGRADES: Record<string, (table: string, row: Row) => void> = {
  // source_type (one string) became source_types (a JSON array): 'User' -> ["User"], null stays null.
  '0004_phones_source_types': (table, row) => {
    if (table !== 'phones') return;
    if (!('source_type' in row)) throw new TransferError('phones.source_type is missing (the file\'s schema predates 0004_phones_source_types)');
    const single = row.source_type;
    if (single !== null && typeof single !== 'string') throw new TransferError('phones.source_type must be a string');
    delete row.source_type;
    row.source_types = single === null ? null : JSON.stringify([single]);
  },
  // Rows written before phones were versioned are at their first version, as the migration leaves them.
  '0006_phones_version': (table, row) => {
    if (table === 'phones' && !('version' in row)) row.version = 1;
  },
};

/** The reads of an export, on `db` (inside TransferStore.snapshot, its transaction). */
function snapshotReader(db: Kysely<any>, keysOf: TableKeys): TransferSnapshot {
  return {
    schema: () => appliedMigrations(db),

    async count() {
      let total = 0;
      for (const table of keysOf.keys()) {
        const { n } = await db.selectFrom(table).select(sql<string | number>`count(*)`.as('n')).executeTakeFirstOrThrow();
        total += Number(n);
      }
      return total;
    },

    async *rows() {
      for (const [table, keys] of keysOf) {
        let after: unknown[] | undefined;
        for (;;) {
          // Keyset pages: constant memory however large the table.
          let query = db.selectFrom(table).selectAll();
          for (const k of keys) query = query.orderBy(k);
          if (after) {
            const last = after;
            query = query.where((eb) => eb(eb.refTuple(...(keys as unknown as [string, string])), '>', eb.tuple(...(last as [unknown, unknown]))));
          }
          const page = await query.limit(BATCH).execute();
          for (const row of page) yield { table, row };
          if (page.length < BATCH) break;
          const lastRow = page[page.length - 1]!;
          after = keys.map((k) => lastRow[k]);
        }
      }
    },
  };
}

export function kyselyTransfer(db: Kysely<any>, dialect: StoreDialect, facetTables: readonly FacetTable<any>[]): TransferStore {
  const keysOf = tableKeys(facetTables);
  const names = [...keysOf.keys()];
  let columns: Promise<Map<string, Column[]>> | undefined;
  const columnsOf = () =>
    (columns ??= db.introspection.getTables().then((tables) => {
      const found = new Map<string, Column[]>();
      for (const name of names) {
        const table = tables.find((t) => t.name === name);
        if (!table) throw new Error(`table ${name} is missing`);
        found.set(name, table.columns.map((c) => ({ name: c.name, kind: dialect.columnKind(c.dataType), nullable: c.isNullable })));
      }
      return found;
    }));

  return {
    schema: () => appliedMigrations(db),

    // PostgreSQL: a read-only REPEATABLE READ transaction (what pg_dump uses). SQLite: Kysely's plain BEGIN, whose
    // first read fixes the snapshot; in WAL mode writers go on meanwhile (the WAL cannot be checkpointed past it
    // until the export ends).
    snapshot: (read) =>
      db
        .transaction()
        .setIsolationLevel('repeatable read')
        .setAccessMode('read only')
        .execute((trx) => read(snapshotReader(trx, keysOf))),

    async recordChecker() {
      const tables = await columnsOf();
      return (value: unknown, schema?: readonly string[]): TransferRecord => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TransferError('not a JSON object');
        const { table, row, ...rest } = value as Record<string, unknown>;
        if (Object.keys(rest).length > 0) throw new TransferError(`unknown member '${Object.keys(rest)[0]}'`);
        const cols = typeof table === 'string' ? tables.get(table) : undefined;
        if (typeof table !== 'string' || !cols) throw new TransferError(`"table" must be one of ${names.join(', ')}`);
        if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new TransferError('"row" must be a JSON object');
        const given = { ...(row as Row) };
        if (schema) {
          for (const [migration, upgrade] of Object.entries(ROW_UPGRADES)) if (!schema.includes(migration)) upgrade(table, given);
        }
        for (const name of Object.keys(given)) {
          if (!cols.some((c) => c.name === name)) throw new TransferError(`${table} has no column '${name}'`);
        }
        for (const c of cols) {
          if (!(c.name in given)) throw new TransferError(`${table}.${c.name} is missing`);
          const json = jsonColumnCheck(table, c.name);
          const problem = checkValue(c, given[c.name]) ?? (json && typeof given[c.name] === 'string' ? json(given[c.name] as string) : undefined);
          if (problem) throw new TransferError(`${table}.${c.name} ${problem}`);
        }
        return { table, row: given as TransferRecord['row'] };
      };
    },

    async upsert(records) {
      const tables = await columnsOf();
      await db.transaction().execute(async (tx) => {
        for (const [table, keys] of keysOf) {
          // Within one batch a later line for the same key wins, as if the lines were applied one by one.
          const byKey = new Map<string, TransferRecord['row']>();
          for (const r of records) if (r.table === table) byKey.set(keys.map((k) => r.row[k]).join('\u0000'), r.row);
          if (byKey.size === 0) continue;
          const others = tables.get(table)!.map((c) => c.name).filter((c) => !keys.includes(c));
          await tx
            .insertInto(table)
            .values([...byKey.values()])
            .onConflict((oc) =>
              oc.columns(keys as string[]).doUpdateSet((eb) => Object.fromEntries(others.map((c) => [c, eb.ref(`excluded.${c}`)]))),
            )
            .execute();
        }
      });
    },
  };
}
