// The store's contract: everything above src/store talks to persistence through these interfaces
// and never writes SQL, so a second database is a second implementation, not a change to routes.
import type { FilterExpr, LiteralValue, OrderByItem } from '../graph/odata/ast.ts';
import type { ItemChanges, ItemFacet, Modification } from '../model/itemFacet.ts';
import type { ProfileOwner } from '../model/profileOwner.ts';
import type { FacetTable } from './facetTable.ts';
import type { RateLimitCounter } from './rateLimits.ts';
import { CommandError, EXIT, UsageError } from '../commandErrors.ts';

export interface DirectoryUser {
  readonly tenantId: string;
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName: string;
}

export interface UserStore {
  /** Creates the user, or brings its UPN and display name up to date. */
  upsert(user: DirectoryUser): Promise<void>;
  findById(tenantId: string, id: string): Promise<DirectoryUser | undefined>;
  /** Case-insensitive, as Entra treats userPrincipalName. */
  findByUpn(tenantId: string, userPrincipalName: string): Promise<DirectoryUser | undefined>;
}

/** One page of a collection: filtered, in order, after a position (keyset), skipping and limited. */
export interface ListQuery {
  readonly filter?: FilterExpr;
  /** The complete order; its last key is unique (id), so that positions are unambiguous. */
  readonly orderBy: readonly OrderByItem[];
  /** Values of the orderBy keys of the last row already served: rows after it. */
  readonly after?: readonly LiteralValue[];
  readonly skip: number;
  readonly limit: number;
}

/** The items of one profile collection (phones, ...), each read and write scoped to one owner. */
export interface FacetStore<T extends ItemFacet> {
  list(owner: ProfileOwner, query: ListQuery): Promise<T[]>;
  /** How many of the owner's items match the filter. */
  count(owner: ProfileOwner, filter?: FilterExpr): Promise<number>;
  get(owner: ProfileOwner, id: string): Promise<T | undefined>;
  insert(owner: ProfileOwner, item: T): Promise<void>;
  /**
   * Applies the changes and counts one more version, only if the stored version meets `condition` (checked in the
   * same statement): the item as written, or why nothing was.
   */
  update(owner: ProfileOwner, id: string, changes: ItemChanges<T>, modification: Modification, condition?: VersionCondition): Promise<T | NotWritten>;
  /** Deletes the item only if its version meets `condition` (checked in the same statement). */
  delete(owner: ProfileOwner, id: string, condition?: VersionCondition): Promise<true | NotWritten>;
}

/**
 * Which versions of a stored item a write may apply to: only those in oneOf (empty: none) and none in noneOf.
 * The store puts it in the write's WHERE clause, so the check and the write are one statement.
 */
export interface VersionCondition {
  readonly oneOf?: readonly number[];
  readonly noneOf?: readonly number[];
}

/** Why a write did nothing: the owner has no such item, or its stored version is one the condition excludes. */
export type NotWritten = 'notFound' | 'versionMismatch';

/** One row of one table, as export writes it and import reads it: every stored column, by its name. */
export interface TransferRecord {
  /** users, or a profile collection's table. */
  readonly table: string;
  readonly row: Readonly<Record<string, string | number | null>>;
}

/** What an export reads. */
export interface TransferSnapshot {
  /** The migrations applied, in order: the schema the rows follow. */
  schema(): Promise<string[]>;
  /** How many rows rows() yields. */
  count(): Promise<number>;
  /** Every row of every table, users first, each table in primary-key (byte) order. */
  rows(): AsyncIterable<TransferRecord>;
}

/** Whole-database copy in and out (export / import), the same on every store. */
export interface TransferStore {
  /** The migrations applied, in order: the schema the rows follow. */
  schema(): Promise<string[]>;
  /**
   * Runs `read` on one consistent view of the store: every read inside sees the data as it was at the first
   * one, whatever is written meanwhile, so an export never holds a phone without its user, nor a row twice.
   */
  snapshot<T>(read: (view: TransferSnapshot) => Promise<T>): Promise<T>;
  /**
   * A checker for parsed lines: returns the record, or throws TransferError saying what is wrong.
   * `schema` is the migrations the file's rows follow (its header); rows of an older schema are brought
   * to the current one first. Absent: the current schema.
   */
  recordChecker(): Promise<(value: unknown, schema?: readonly string[]) => TransferRecord>;
  /** Inserts the rows, replacing any with the same primary key, in one transaction. */
  upsert(records: readonly TransferRecord[]): Promise<void>;
}

/** One new item of a profile collection, to be written by FixtureStore.seed. */
export interface FixtureItem {
  readonly table: FacetTable<any>;
  readonly owner: ProfileOwner;
  readonly item: ItemFacet;
}

/** What a seed writes: users (created or brought up to date) and new items. */
export interface Fixture {
  readonly users: readonly DirectoryUser[];
  readonly items: readonly FixtureItem[];
}

/**
 * Whole-store writes for a test suite's set-up and tear-down (the development controls, /_emulator/reset and seed).
 * The store's own state (its secrets, its migrations, throttling counters) is never touched.
 */
export interface FixtureStore {
  /**
   * Deletes every user and every item of every profile collection's table the store was opened with, in one
   * transaction. Answers how many rows each table lost, by table name (users, phones, ...).
   */
  clear(): Promise<Record<string, number>>;
  /**
   * Writes the users (as UserStore.upsert does) and inserts the items, in one transaction: all or nothing. Every
   * item's table must be one the store was opened with.
   */
  seed(fixture: Fixture): Promise<void>;
}

/** A line of an import that cannot be taken, or an export or import that stopped: the message says where and why. */
export class TransferError extends UsageError {}

/** The store cannot be opened for a reason its message states fully (unreachable, refused, newer schema). */
export class StoreStartError extends CommandError {
  readonly exitCode = EXIT.cannotRun;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Where the data lives, for /health and the start-up log (a path or a URL without password, never a secret). */
  readonly location: string;
  readonly users: UserStore;
  /**
   * The items of the profile collection kept in `table` (the same object each time for one table). Only the tables
   * the store was opened with exist (openStore); any other is a fault of the caller.
   */
  facets<T extends ItemFacet>(table: FacetTable<T>): FacetStore<T>;
  readonly transfer: TransferStore;
  readonly fixtures: FixtureStore;
  /**
   * Counts throttled hits for every instance on this database (PostgreSQL); undefined where one instance owns
   * the store (SQLite) and counts in memory.
   */
  readonly rateLimits?: RateLimitCounter;
  /** A 32-byte secret by name, the same for every instance on this database and across restarts. */
  sharedSecret(name: string): Promise<Buffer>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /**
   * True when `err` means the database cannot be reached right now (restarting, unreachable, pool
   * exhausted, locked) rather than a fault: the caller answers 503 and the store recovers by itself.
   */
  isUnavailable(err: unknown): boolean;
  /** How the connection pool is used right now (PostgreSQL); undefined where there is no pool (SQLite). */
  poolStats?(): PoolStats;
  close(): Promise<void>;
}

export interface PoolStats {
  /** Connections open, idle or in use. */
  readonly total: number;
  readonly idle: number;
  /** Requests waiting for a connection because every one is in use and the pool is full. */
  readonly waiting: number;
  /** The most the pool may open (PG_POOL_MAX). */
  readonly max: number;
}
