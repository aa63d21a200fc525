// Throttling shared by every instance on one PostgreSQL database: each hit is one upsert that counts it in the
// caller's current fixed window, timed by the database's clock so that instances agree on windows whatever their
// own clocks say. The caller key is hashed (a whole bearer token would be a long key, and not one to store).
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

export interface RateLimitHit {
  /** Hits of this key in the current window, this one included. */
  readonly hits: number;
  /** Milliseconds until the window ends. */
  readonly ttlMs: number;
}

export interface RateLimitCounter {
  hit(key: string, windowMs: number): Promise<RateLimitHit>;
}

export function postgresRateLimits(db: Kysely<Database>): RateLimitCounter {
  let lastSweepMs = 0;
  return {
    async hit(key, windowMs) {
      const hashed = createHash('sha256').update(key).digest('base64url');
      const window = Math.max(1, Math.round(windowMs));
      const { rows } = await sql<{ hits: number; ttl_ms: string; now_ms: string }>`
        with clock as (select floor(extract(epoch from clock_timestamp()) * 1000)::bigint as now_ms)
        insert into rate_limit_hits (key, window_start_ms, hits, expires_at_ms)
        select ${hashed}, (now_ms / ${window}::bigint) * ${window}::bigint, 1, (now_ms / ${window}::bigint + 1) * ${window}::bigint
        from clock
        on conflict (key, window_start_ms) do update set hits = rate_limit_hits.hits + 1
        returning hits, expires_at_ms - (select now_ms from clock) as ttl_ms, (select now_ms from clock) as now_ms`.execute(db);
      const row = rows[0]!;
      const nowMs = Number(row.now_ms);
      // Windows that ended are swept, by each instance at most once a window: the table holds about one row per
      // caller active in the last window.
      if (nowMs - lastSweepMs >= window) {
        lastSweepMs = nowMs;
        await sql`delete from rate_limit_hits where expires_at_ms <= ${nowMs}::bigint`.execute(db);
      }
      return { hits: row.hits, ttlMs: Math.max(0, Number(row.ttl_ms)) };
    },
  };
}
