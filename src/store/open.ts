// Chooses and opens the store from the configuration (SQLite today; PostgreSQL joins here).
import type { Config } from '../config.ts';
import { openSqliteStore } from './sqlite.ts';
import type { Store } from './types.ts';

export function openStore(config: Config): Promise<Store> {
  return openSqliteStore({ dataDir: config.dataDir, synchronous: config.sqliteSynchronous });
}
