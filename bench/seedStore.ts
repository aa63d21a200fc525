// Seeds a store with many users and phones fast, straight into the database (not through HTTP), for the scale part
// (bench/scale.ts). The service itself first migrates the empty store and writes one phone and one user through its
// own code; those rows are the templates every generated row is copied from, so that the columns (and any the
// service adds later) are exactly as it writes them. Each generated row then varies what a real store varies:
// id, owner, createdDateTime (spread over three years), lastModifiedDateTime, createdBy/lastModifiedBy, displayName,
// type and number. Then ANALYZE (and on PostgreSQL VACUUM), so that the planner knows the table's size.
//
// SQLite: better-sqlite3, one transaction, one prepared statement. PostgreSQL: INSERT ... SELECT FROM unnest(arrays)
// in batches. User ids are what the development token issuer derives from the UPN (src/identity/devIssuer.ts), so a
// token minted for an inserted user's UPN names that user; the caller checks this on the token it mints.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { displayNameFromUpn, tenantIdFor, userIdFor } from '../src/identity/devIssuer.ts';
import { PHONE_TYPES } from '../src/profile/phones/schema.ts';
import { SQLITE_FILE } from '../src/store/sqlite.ts';
import { withClient } from '../test/support/postgres.ts';

export interface SeedUser {
  readonly upn: string;
  readonly id: string;
  readonly displayName: string;
}

export const TENANT = 'contoso';
export const TENANT_ID = tenantIdFor(TENANT);

export function seedUser(upn: string): SeedUser {
  return { upn, id: userIdFor(TENANT_ID, upn), displayName: displayNameFromUpn(upn) };
}

/** A small, seedable PRNG (mulberry32): the same seed makes the same store. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A version-4-shaped GUID from the PRNG (lower case, as the service's ids are). */
function guid(random: () => number): string {
  const b = Array.from({ length: 16 }, () => Math.floor(random() * 256));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.map((x) => HEX[x]!);
  return `${h.slice(0, 4).join('')}-${h.slice(4, 6).join('')}-${h.slice(6, 8).join('')}-${h.slice(8, 10).join('')}-${h.slice(10).join('')}`;
}

const NAMES = ['Home', 'Work', 'Mobile', 'Car Phone', 'Office', 'Main', 'Private', 'Business', 'Reception', 'Assistant', 'Lab', 'Summer house', 'Desk', 'Support line', 'Travel'];
const COUNTRY = ['+1', '+44', '+46', '+49', '+33', '+7', '+81', '+61', '+358', '+47'];
const SPAN_MS = 3 * 365 * 86_400_000;
const END_MS = Date.UTC(2026, 0, 1);

type Row = Record<string, unknown>;

/**
 * The phone rows of `user`: `count` of them, copied from `template` (a row the service wrote) with what varies
 * replaced. Timestamps keep the template's text form (its number of fraction digits).
 */
export function* phoneRows(template: Row, user: SeedUser, count: number, seed: number): Generator<Row> {
  const random = prng(seed);
  const stamp = String(template.created_date_time);
  const fraction = /\.(\d+)Z$/.exec(stamp)?.[1]?.length ?? 3;
  const text = (ms: number) => {
    const iso = new Date(ms).toISOString(); // ...ss.mmmZ
    return fraction === 3 ? iso : fraction > 3 ? `${iso.slice(0, -1)}${'0'.repeat(fraction - 3)}Z` : `${iso.slice(0, 20 + fraction)}Z`;
  };
  for (let i = 0; i < count; i++) {
    const created = END_MS - Math.floor(random() * SPAN_MS);
    const modified = random() < 0.3 ? Math.min(END_MS, created + Math.floor(random() * 90 * 86_400_000)) : created;
    const name = NAMES[Math.floor(random() * NAMES.length)]!;
    const digits = Array.from({ length: 9 }, () => Math.floor(random() * 10)).join('');
    yield {
      ...template,
      user_id: user.id,
      id: guid(random),
      created_date_time: text(created),
      last_modified_date_time: text(modified),
      created_by_user_id: user.id,
      created_by_user_name: user.displayName,
      modified_by_user_id: user.id,
      modified_by_user_name: user.displayName,
      display_name: random() < 0.1 ? `${name} ${1 + Math.floor(random() * 3)}` : name,
      type: random() < 0.1 ? null : PHONE_TYPES[Math.floor(random() * PHONE_TYPES.length)],
      number: `${COUNTRY[Math.floor(random() * COUNTRY.length)]} ${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`,
      version: modified === created ? 1 : 2,
    };
  }
}

export function userRow(template: Row, user: SeedUser, seed: number): Row {
  const random = prng(seed);
  return {
    ...template,
    tenant_id: TENANT_ID,
    id: user.id,
    user_principal_name: user.upn,
    upn_key: user.upn.toLowerCase(),
    display_name: user.displayName,
    created_date_time: new Date(END_MS - SPAN_MS - Math.floor(random() * SPAN_MS)).toISOString(),
  };
}

export interface SeedSpec {
  /** Every user to have phones; a user already in the store (the token's) is not inserted again. */
  readonly users: readonly SeedUser[];
  readonly phonesPerUser: number;
  /** The id of the phone the service wrote as the template (it is deleted: only generated phones stay). */
  readonly templatePhoneId: string;
  readonly log: (line: string) => void;
}

export interface Seeded {
  readonly users: number;
  readonly phones: number;
  readonly seconds: number;
}

/** Into the SQLite file of `dataDir` (the service stopped). */
export function seedSqlite(dataDir: string, spec: SeedSpec): Seeded {
  const t0 = performance.now();
  const db = new Database(join(dataDir, SQLITE_FILE));
  try {
    db.pragma('synchronous = OFF'); // a seed that fails is thrown away whole: no need to sync each write
    const template = db.prepare('select * from phones where id = ?').get(spec.templatePhoneId) as Row | undefined;
    if (!template) throw new Error(`the template phone ${spec.templatePhoneId} is not in the store`);
    const existing = new Set((db.prepare('select id from users').all() as { id: string }[]).map((r) => r.id));
    const userTemplate = db.prepare('select * from users limit 1').get() as Row;
    const insert = (table: string, columns: string[]) =>
      db.prepare(`insert into ${table} (${columns.map((c) => `"${c}"`).join(', ')}) values (${columns.map((c) => `@${c}`).join(', ')})`);
    const insertUser = insert('users', Object.keys(userTemplate));
    const insertPhone = insert('phones', Object.keys(template));
    let users = 0;
    let phones = 0;
    // The phones' own indexes are dropped for the bulk insert and made again from their own definitions after it
    // (one sort instead of a million B-tree inserts); the primary key's is part of the table and stays.
    const indexes = db.prepare("select name, sql from sqlite_master where type = 'index' and tbl_name = 'phones' and sql is not null").all() as { name: string; sql: string }[];
    db.transaction(() => {
      for (const ix of indexes) db.exec(`drop index "${ix.name}"`);
      db.prepare('delete from phones where id = ?').run(spec.templatePhoneId);
      spec.users.forEach((u, i) => {
        if (!existing.has(u.id)) {
          insertUser.run(userRow(userTemplate, u, i + 1));
          users++;
        }
        for (const row of phoneRows(template, u, spec.phonesPerUser, 1_000_003 * (i + 1))) {
          insertPhone.run(row);
          phones++;
        }
        if ((i + 1) % 1000 === 0) spec.log(`    ${i + 1} of ${spec.users.length} users`);
      });
      for (const ix of indexes) db.exec(ix.sql);
    })();
    db.exec('analyze');
    db.pragma('wal_checkpoint(TRUNCATE)');
    return { users, phones, seconds: (performance.now() - t0) / 1000 };
  } finally {
    db.close();
  }
}

const BATCH = 20_000;

/** Into the PostgreSQL database at `url` (the service stopped). */
export async function seedPostgres(url: string, spec: SeedSpec): Promise<Seeded> {
  const t0 = performance.now();
  return withClient(url, async (c) => {
    await c.query('set synchronous_commit = off'); // as for SQLite: a failed seed is dropped whole
    const template = (await c.query('select * from phones where id = $1', [spec.templatePhoneId])).rows[0] as Row | undefined;
    if (!template) throw new Error(`the template phone ${spec.templatePhoneId} is not in the store`);
    const userTemplate = (await c.query('select * from users limit 1')).rows[0] as Row;
    const existing = new Set((await c.query<{ id: string }>('select id from users')).rows.map((r) => r.id));
    const typesOf = async (table: string) =>
      new Map((await c.query<{ column_name: string; udt_name: string }>('select column_name, udt_name from information_schema.columns where table_name = $1', [table])).rows.map((r) => [r.column_name, r.udt_name]));
    /** INSERT ... SELECT FROM unnest($1::text[], $2::int4[], ...): one round trip per batch, whatever its size. */
    const inserter = async (table: string, columns: string[]) => {
      const types = await typesOf(table);
      const text = `insert into ${table} (${columns.map((col) => `"${col}"`).join(', ')}) select * from unnest(${columns.map((col, i) => `$${i + 1}::${types.get(col)}[]`).join(', ')})`;
      return async (rows: Row[]) => {
        if (rows.length) await c.query(text, columns.map((col) => rows.map((r) => r[col] ?? null)));
      };
    };
    const userColumns = Object.keys(userTemplate);
    const phoneColumns = Object.keys(template);
    const insertUsers = await inserter('users', userColumns);
    const insertPhones = await inserter('phones', phoneColumns);
    await c.query('begin');
    // As on SQLite: the phones' indexes (the primary key's too) are dropped for the bulk insert and made again after
    // it from their own definitions (pg_get_indexdef / pg_get_constraintdef), in the same transaction.
    const constraints = (
      await c.query<{ name: string; def: string }>("select conname as name, pg_get_constraintdef(oid) as def from pg_constraint where conrelid = 'phones'::regclass and contype in ('p', 'u')")
    ).rows;
    const indexes = (
      await c.query<{ name: string; def: string }>(
        "select i.relname as name, pg_get_indexdef(i.oid) as def from pg_index x join pg_class i on i.oid = x.indexrelid where x.indrelid = 'phones'::regclass and not exists (select 1 from pg_constraint k where k.conindid = i.oid)",
      )
    ).rows;
    for (const k of constraints) await c.query(`alter table phones drop constraint "${k.name}"`);
    for (const ix of indexes) await c.query(`drop index "${ix.name}"`);
    await c.query('delete from phones where id = $1', [spec.templatePhoneId]);
    const newUsers = spec.users.map((u, i) => [u, i] as const).filter(([u]) => !existing.has(u.id));
    for (let i = 0; i < newUsers.length; i += BATCH) await insertUsers(newUsers.slice(i, i + BATCH).map(([u, n]) => userRow(userTemplate, u, n + 1)));
    let batch: Row[] = [];
    let phones = 0;
    for (const [i, u] of spec.users.entries()) {
      for (const row of phoneRows(template, u, spec.phonesPerUser, 1_000_003 * (i + 1))) {
        batch.push(row);
        if (batch.length === BATCH) {
          await insertPhones(batch);
          phones += batch.length;
          batch = [];
        }
      }
      if ((i + 1) % 1000 === 0) spec.log(`    ${i + 1} of ${spec.users.length} users`);
    }
    await insertPhones(batch);
    phones += batch.length;
    for (const k of constraints) await c.query(`alter table phones add constraint "${k.name}" ${k.def}`);
    for (const ix of indexes) await c.query(ix.def);
    await c.query('commit');
    // VACUUM as well as ANALYZE: it sets the visibility map and the rows' hint bits now, so that neither the first
    // reads (setting hint bits dirties pages) nor autovacuum's pass over a million new rows falls in a measurement.
    await c.query('vacuum (analyze) users, phones');
    return { users: newUsers.length, phones, seconds: (performance.now() - t0) / 1000 };
  });
}
