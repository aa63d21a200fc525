// Direct access to a test service's database, for what the API cannot show or do (schema bookkeeping).
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { TestService } from './service.ts';

/** Runs one statement without parameters on the service's database; returns its rows (none for writes). */
export async function rawQuery(svc: TestService, text: string): Promise<Record<string, unknown>[]> {
  if (svc.store === 'postgres') {
    const client = new pg.Client({ connectionString: svc.storeEnv.DATABASE_URL, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      return (await client.query(text)).rows;
    } finally {
      await client.end();
    }
  }
  const db = new BetterSqlite3(join(svc.dataDir, 'graph.sqlite'));
  try {
    db.pragma('busy_timeout = 5000');
    const stmt = db.prepare(text);
    if (stmt.reader) return stmt.all() as Record<string, unknown>[];
    stmt.run();
    return [];
  } finally {
    db.close();
  }
}
