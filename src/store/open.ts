// Chooses and opens the store from the configuration: PostgreSQL when DATABASE_URL is set, else SQLite in DATA_DIR
// (or in memory with IN_MEMORY).
// Only the chosen store's driver is loaded (a command's start-up time is mostly loading modules).
import type { Config } from '../config.ts';
import type { ItemFacet } from '../model/itemFacet.ts';
import type { FacetTable } from './facetTable.ts';
import type { QueryListener } from './queryLog.ts';
import type { FacetStore, Store } from './types.ts';

export interface OpenEvents {
  /** Told about each failed attempt while start-up waits for an unreachable database. */
  onWaiting?: (message: string) => void;
  /** Told the size of each batch of creates SQLite's group commit writes in one transaction. */
  onGroupCommit?: (batchSize: number) => void;
  /**
   * Told of every store operation that fails (e.g. 'phones.insert': a collection's operations are named by its
   * table), and whether the failure means "unavailable for now" (Store.isUnavailable). The failure itself still
   * reaches the caller.
   */
  onFailure?: (operation: string, unavailable: boolean) => void;
  /** Told of every statement the store runs, with its parameters (for a test that reads their query plans). */
  onQuery?: QueryListener;
}

/** `tables`: the profile collections' tables (profile/collections.ts); every opener of one database passes the same. */
export async function openStore(config: Config, tables: readonly FacetTable<any>[], events: OpenEvents = {}): Promise<Store> {
  const store =
    config.databaseUrl !== undefined
      ? await (await import('./postgres.ts')).openPostgresStore({
          url: config.databaseUrl,
          poolMax: config.pgPoolMax,
          connectTimeoutMs: config.pgConnectTimeoutMs,
          idleTimeoutMs: config.pgIdleTimeoutMs,
          statementTimeoutMs: config.pgStatementTimeoutMs,
          startupWaitMs: config.pgStartupWaitMs,
          tables,
          onWaiting: events.onWaiting,
          onQuery: events.onQuery,
        })
      : await (await import('./sqlite.ts')).openSqliteStore({ dataDir: config.inMemory ? undefined : config.dataDir, synchronous: config.sqliteSynchronous, tables, onGroupCommit: events.onGroupCommit, onQuery: events.onQuery });
  return events.onFailure ? reportingFailures(store, events.onFailure) : store;
}

/**
 * The store with each operation's failure told to `onFailure` on its way to the caller. Done once here, around
 * the Store interface, so that every operation of every store is covered, including failures to get a connection,
 * which happen before any query runs.
 */
function reportingFailures(store: Store, onFailure: NonNullable<OpenEvents['onFailure']>): Store {
  const reporting = <F extends (...args: never[]) => Promise<unknown>>(operation: string, run: F): F =>
    (async (...args: Parameters<F>) => {
      try {
        return await run(...args);
      } catch (err) {
        onFailure(operation, store.isUnavailable(err));
        throw err;
      }
    }) as F;
  const part = <T extends object>(name: string, of: T): T =>
    Object.fromEntries(
      Object.entries(of).map(([key, value]) => [key, typeof value === 'function' ? reporting(`${name}.${key}`, value.bind(of)) : value]),
    ) as T;
  const facetStores = new Map<FacetTable<any>, FacetStore<any>>();
  return {
    ...store,
    users: part('users', store.users),
    facets<T extends ItemFacet>(table: FacetTable<T>): FacetStore<T> {
      if (!facetStores.has(table)) facetStores.set(table, part(table.name, store.facets(table)));
      return facetStores.get(table)!;
    },
    transfer: part('transfer', store.transfer),
    fixtures: part('fixtures', store.fixtures),
    ...(store.rateLimits ? { rateLimits: part('rateLimits', store.rateLimits) } : {}),
    sharedSecret: reporting('sharedSecret', store.sharedSecret.bind(store)),
    ping: reporting('ping', store.ping.bind(store)),
  };
}
