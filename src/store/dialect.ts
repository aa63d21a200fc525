// What differs between the databases, as capabilities of the dialect (as Kysely's own adapters say
// supportsReturning): the store is written once and asks these instead of which database it talks to.
// Each database's values sit beside its opening code (sqlite.ts, postgres.ts).
import type { Kysely, RawBuilder } from 'kysely';

/** How a column holds values, as an export checks them. */
export type ColumnKind = 'string' | 'integer' | 'number';

export interface StoreDialect {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * True when a plain text column already compares bytes (SQLite's BINARY collation). Where it does not
   * (PostgreSQL compares by the database's locale), a column must be declared with byteOrderText.
   */
  readonly textComparesBytes: boolean;
  /** The data type of a text column compared by bytes on this database, so that order is the same on every store. */
  readonly byteOrderText: RawBuilder<unknown>;
  /** A one-item JSON array of the text `value` ('User' -> '["User"]'), written by the database's own JSON functions. */
  jsonArrayOf(value: RawBuilder<unknown>): RawBuilder<string>;
  /**
   * Opens the transaction migrations run in, on `conn`, holding the lock that keeps every other instance out
   * until it commits or rolls back.
   */
  beginMigrations(conn: Kysely<any>): Promise<void>;
  /** How a column of this data type (as Kysely's introspection reports it) holds values. */
  columnKind(dataType: string): ColumnKind;
  /** Commit the creates of one event-loop turn together, because every commit is a disk sync (kyselyFacetStore.ts). */
  readonly groupCommit: boolean;
  /**
   * True when `err` means the database cannot be reached right now (restarting, unreachable, pool exhausted,
   * locked) rather than a fault (Store.isUnavailable).
   */
  isUnavailable(err: unknown): boolean;
  /** The error a unique key raises when a concurrent writer inserted the same key first. */
  isUniqueViolation(err: unknown): boolean;
}

/** A column kind from the dialect's table of type names; a type the service never declares is a fault, not a guess. */
export function columnKindFrom(kinds: Readonly<Record<string, ColumnKind>>, dataType: string): ColumnKind {
  const kind = kinds[dataType.toLowerCase()];
  if (!kind) throw new Error(`a column of type '${dataType}', which the service never declares`);
  return kind;
}
