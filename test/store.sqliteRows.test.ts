// How the SQLite store reads rows: a SELECT of table columns by name is run as one JSON array per row
// (src/store/sqlite.ts, asOneJsonValue), which costs less than better-sqlite3 handing each value to V8. These tests
// hold it to giving exactly what the columns hold: every text, every double to its last digit, nulls; to being used
// only for the statements it fits; and to a value JSON cannot hold (a BLOB some other program wrote) being read as
// before. SQLite only, on a store of its own in a temporary folder, whichever store the run is for.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { parseOrderBy } from '../src/graph/odata/parse.ts';
import { newItem } from '../src/profile/collection.ts';
import { PROFILE_TABLES } from '../src/profile/collections.ts';
import { phones as phoneCollection } from '../src/profile/phones/collection.ts';
import type { ItemPhone } from '../src/profile/phones/schema.ts';
import { asOneJsonValue, openSqliteStore, SQLITE_FILE } from '../src/store/sqlite.ts';
import type { FacetStore, Store } from '../src/store/types.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'phones-sqlite-rows-'));
let store: Store;
let phones: FacetStore<ItemPhone>;
before(async () => {
  store = await openSqliteStore({ dataDir, synchronous: 'normal', tables: PROFILE_TABLES });
  phones = store.facets(phoneCollection.table);
});
after(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const actor = { application: { displayName: 'App "quoted" \\ back', id: 'app-1' }, device: null, user: { displayName: 'Ünïcödé 😀', id: 'u-1' } };
const owner = { tenantId: 'rows-tenant', userId: 'rows-user' };
/** By id alone: the order the store completes every order with. */
const BY_ID = parseOrderBy('id', phoneCollection.entity);

/** Texts JSON must escape or carry as they are, and doubles that need all 17 digits. */
const TEXTS = ['quote " and backslash \\', 'controls \u0001\u001f\t\n\r', 'line separator \u2028 paragraph \u2029', 'astral 😀𝄞 and é', 'x'.repeat(5000), ''];
const SCORES = [0.30000000000000004, 5e-324, 0.1, 1, 0, 2 / 3];

describe('rows read as JSON arrays', () => {
  test('every text and every double comes back exactly as it was stored, by id and in pages', async () => {
    const written: ItemPhone[] = [];
    for (let i = 0; i < Math.max(TEXTS.length, SCORES.length); i++) {
      // Written to the store directly: the API would refuse some of these (a 5,000-character name), the store keeps them.
      const item = newItem(phoneCollection, { number: `+1 425 555 ${String(i).padStart(4, '0')}`, type: 'home' }, actor);
      const withScore: ItemPhone = { ...item, displayName: TEXTS[i % TEXTS.length]!, inference: { confidenceScore: SCORES[i % SCORES.length]!, userHasVerifiedAccuracy: i % 2 === 0 } };
      await phones.insert(owner, withScore);
      written.push(withScore);
    }
    for (const item of written) assert.deepEqual(await phones.get(owner, item.id), item);
    const byId = (a: ItemPhone, b: ItemPhone) => (a.id < b.id ? -1 : 1);
    const page = await phones.list(owner, { orderBy: BY_ID, skip: 0, limit: 100 });
    assert.deepEqual(page, [...written].sort(byId));
    for (const item of page) assert.ok(Object.is(item.inference?.confidenceScore, written.find((w) => w.id === item.id)!.inference?.confidenceScore));
  });

  test('a BLOB another program wrote into a text column is read as better-sqlite3 reads it, and reads go on', async () => {
    const item = newItem(phoneCollection, { number: '+1 425 555 9999', displayName: 'to be a blob' }, actor);
    await phones.insert(owner, item);
    const other = new BetterSqlite3(join(dataDir, SQLITE_FILE));
    try {
      other.prepare('update phones set display_name = ? where id = ?').run(Buffer.from([1, 2, 3]), item.id);
    } finally {
      other.close();
    }
    const read = await phones.get(owner, item.id);
    assert.deepEqual(read, { ...item, displayName: Buffer.from([1, 2, 3]) });
    const list = await phones.list(owner, { orderBy: BY_ID, skip: 0, limit: 100 });
    assert.ok(list.some((p) => p.id === item.id && Buffer.isBuffer(p.displayName)));
  });
});

describe('which statements are read as JSON arrays', () => {
  const db = new BetterSqlite3(':memory:');
  db.exec('create table "t" ("a" text, "b" double precision, "c" integer, "d" blob, "e")');
  const jsonOf = (sqlText: string) => asOneJsonValue(db, db.prepare(sqlText), sqlText)?.source;

  test("Kysely's select of named columns: the same statement with json_array of them", () => {
    assert.equal(jsonOf('select "a", "b", "c" from "t" where "a" = ? order by "b" limit ?'), 'select json_array("a", "b", "c") from "t" where "a" = ? order by "b" limit ?');
  });

  test('anything else is read as it is', () => {
    for (const sqlText of [
      'select * from "t"', // its columns are whatever the table has when it runs
      'select "a" as "x" from "t"', // not a column by its name
      'select count(*) as "n" from "t"',
      'select "a", "a" from "t"', // one name twice
      'select "a", "d" from "t"', // a BLOB column
      'select "a", "e" from "t"', // a column with no declared type holds anything
      'select "a","b" from "t"', // not as Kysely writes it
      'update "t" set "a" = ? returning "a"',
    ]) {
      assert.equal(jsonOf(sqlText), undefined, sqlText);
    }
  });
});
