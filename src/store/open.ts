// Chooses and opens the store from the configuration: PostgreSQL when DATABASE_URL is set, else SQLite in DATA_DIR.
import type { Config } from '../config.ts';
import { openPostgresStore } from './postgres.ts';
import { openSqliteStore } from './sqlite.ts';
import type { Store } from './types.ts';

export interface OpenEvents {
  /** Told about each failed attempt while start-up waits for an unreachable database. */
  onWaiting?: (message: string) => void;
}

export function openStore(config: Config, events: OpenEvents = {}): Promise<Store> {
  if (config.databaseUrl !== undefined) {
    return openPostgresStore({
      url: config.databaseUrl,
      poolMax: config.pgPoolMax,
      connectTimeoutMs: config.pgConnectTimeoutMs,
      idleTimeoutMs: config.pgIdleTimeoutMs,
      statementTimeoutMs: config.pgStatementTimeoutMs,
      startupWaitMs: config.pgStartupWaitMs,
      onWaiting: events.onWaiting,
    });
  }
  return openSqliteStore({ dataDir: config.dataDir, synchronous: config.sqliteSynchronous });
}
