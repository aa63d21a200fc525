// The items of any profile collection, written once against Kysely's query builder: the collection's
// FacetTable says which table and which columns, so each database only supplies a dialect and each
// collection only a declaration.
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { ItemFacet } from '../model/itemFacet.ts';
import type { ProfileOwner } from '../model/profileOwner.ts';
import type { LiteralValue } from '../graph/odata/ast.ts';
import { matchable } from '../model/storableText.ts';
import { changedColumns, itemColumnsOf, itemOf, modificationColumns, rowOf, type FacetRow } from './facetRows.ts';
import type { FacetTable } from './facetTable.ts';
import { oncePer } from '../oncePer.ts';
import { PreparedQuery, preparedByShape } from './preparedQuery.ts';
import { afterSql, columnMapOf, filterSql, orderBySql, rowCount, sortKeys, type SortKey } from './querySql.ts';
import type { FacetStore, ListQuery, NotWritten, VersionCondition } from './types.ts';

/** Rows of every collection's table, by table name (FacetTable names them; the store never hard-codes one). */
type Tables = Record<string, FacetRow>;

/**
 * Group commit for an embedded database whose every commit is a disk sync (SQLite with synchronous=full): the
 * inserts that arrive within one turn of the event loop are written in one transaction, so one sync makes all of
 * them durable. Each caller is answered only after that commit, so an acknowledged create is as durable as before.
 * If the batch fails, nothing of it was written (a transaction is whole): when the database is unavailable every
 * caller gets that error (so each answers 503, none waits again), otherwise each row is tried alone and each caller
 * gets its own outcome. Not for PostgreSQL, whose connection pool already commits concurrent inserts together.
 * (Written here: no library batches work per event-loop turn over Kysely.)
 */
function groupCommitted(
  db: Kysely<Tables>,
  insertOne: (executor: Kysely<Tables>, row: FacetRow) => Promise<unknown>,
  isUnavailable: (err: unknown) => boolean,
  onBatch?: (size: number) => void,
) {
  type Pending = { row: FacetRow; resolve: () => void; reject: (err: unknown) => void };
  let pending: Pending[] = [];
  async function flush(): Promise<void> {
    const batch = pending;
    pending = [];
    onBatch?.(batch.length);
    if (batch.length === 1) {
      const [only] = batch;
      return insertOne(db, only!.row).then(() => only!.resolve(), only!.reject);
    }
    try {
      await db.transaction().execute(async (trx) => {
        for (const p of batch) await insertOne(trx, p.row);
      });
      for (const p of batch) p.resolve();
    } catch (err) {
      if (isUnavailable(err)) {
        for (const p of batch) p.reject(err);
        return;
      }
      for (const p of batch) await insertOne(db, p.row).then(() => p.resolve(), p.reject);
    }
  }
  return (row: FacetRow) =>
    new Promise<void>((resolve, reject) => {
      if (pending.push({ row, resolve, reject }) === 1) setImmediate(() => void flush());
    });
}

/** The condition on the stored version as SQL (true when there is none). */
function versionMeets(eb: ExpressionBuilder<Tables, string>, condition: VersionCondition | undefined) {
  const parts = [];
  // `in ()` is not SQL: an empty list allows no version.
  if (condition?.oneOf) parts.push(condition.oneOf.length > 0 ? eb('version', 'in', condition.oneOf) : sql<boolean>`1 = 0`);
  if (condition?.noneOf?.length) parts.push(eb('version', 'not in', condition.noneOf));
  return eb.and(parts);
}

export interface FacetStoreOptions {
  /** Commit concurrent inserts together (see groupCommitted). */
  readonly groupCommit?: boolean;
  /** The store's test for errors that mean "unavailable for now" (Store.isUnavailable); used by group commit. */
  readonly isUnavailable?: (err: unknown) => boolean;
  /** Told the size of each batch group commit writes (whoever opened the store may count them). */
  readonly onGroupCommit?: (batchSize: number) => void;
}

/**
 * Orders an index of every collection's table keeps after the owner's keys (facetTable.ts: its primary key, and
 * phones_by_owner_created), as SortKey shapes. Their values are text, stored as they are written.
 */
const INDEXED_ORDERS = new Set(['createdDateTime,id', 'createdDateTime desc,id desc', 'id', 'id desc']);

/** The keyset values of a position as the sort keys store them (null stays null: the query's shape says so). */
const storedPosition = (keys: readonly SortKey[], after: readonly LiteralValue[]) =>
  after.map((v, i) => (v === null ? null : keys[i]!.toSql(v)));

export function kyselyFacetStore<T extends ItemFacet>(anyDb: Kysely<any>, table: FacetTable<T>, options: FacetStoreOptions = {}): FacetStore<T> {
  const db = anyDb as Kysely<Tables>;
  const name = table.name;
  const columns = columnMapOf(table);
  // The item's columns by name (never *): the owner's keys are known already, and a statement's columns stay what
  // they were when it was prepared, whatever a later migration adds.
  const itemColumns = itemColumnsOf(table);
  /** An owner, or the placeholders that stand for one in a prepared query. */
  type OwnerLike = { tenantId: unknown; userId: unknown };
  const whereOwner = <Q extends { where: (...args: any[]) => Q }>(query: Q, owner: OwnerLike): Q =>
    query.where('tenant_id', '=', owner.tenantId).where('user_id', '=', owner.userId);
  const owned = (owner: OwnerLike) => whereOwner(db.selectFrom(name).select(itemColumns), owner);
  const counted = (owner: OwnerLike) => whereOwner(db.selectFrom(name).select((eb) => eb.fn.countAll<number | string | bigint>().as('n')), owner);
  const deleting = (owner: OwnerLike, id: unknown) => whereOwner(db.deleteFrom(name), owner).where('id', '=', id as string);
  /** A page: the owner's items, `filter`ed, in the order of `keys`, after `position` (values as the keys store them). */
  const page = (owner: OwnerLike, keys: readonly SortKey[], position: readonly unknown[] | undefined, filter: ListQuery['filter'], limit: unknown, offset: unknown) => {
    let query = owned(owner);
    if (filter) query = query.where(filterSql(columns, filter));
    if (position) query = query.where(afterSql(keys, position as LiteralValue[]));
    for (const order of orderBySql(keys)) query = query.orderBy(order);
    return query.limit(rowCount(limit)).offset(rowCount(offset));
  };
  const toItem = (row: Record<string, unknown>) => itemOf(table, row as FacetRow);
  /**
   * Per order, its sort keys and their shape (what prepared pages are kept by, and what INDEXED_ORDERS names): the
   * default order is one object for the life of the process, so both are made once, not per request.
   */
  const orderOf = oncePer((orderBy: ListQuery['orderBy']) => {
    const keys = sortKeys(columns, orderBy);
    return { keys, shape: keys.map((k) => k.shape).join(',') };
  });

  // The queries every request makes, prepared once (preparedQuery.ts); rarer ones (filters, conditional writes,
  // updates) are built per call.
  const getOne = new PreparedQuery(['tenantId', 'userId', 'id'], (p) => owned(p).where('id', '=', p.id));
  const countAll = new PreparedQuery(['tenantId', 'userId'], (p) => counted(p));
  const deleteOne = new PreparedQuery(['tenantId', 'userId', 'id'], (p) => deleting(p, p.id));
  /** A page in one order, after a position whose null values are these (or from the start). */
  const pages = preparedByShape<string, Record<string, unknown>>(256);
  const pageQuery = (keys: readonly SortKey[], orderShape: string, after: readonly LiteralValue[] | undefined) => {
    const shape = `${orderShape}|${after ? after.map((v) => (v === null ? 'n' : 'v')).join('') : '-'}`;
    return pages(shape, () => {
      const positions = after ? after.map((v, i) => (v === null ? null : `after${i}`)) : [];
      const names = ['tenantId', 'userId', 'limit', 'offset', ...positions.filter((n) => n !== null)];
      // The placeholders stand for values already in stored form (storedPosition), so no key converts them again.
      const storing = keys.map((k) => ({ ...k, toSql: (v: unknown) => v }));
      return new PreparedQuery(names, (p) => page({ tenantId: p.tenantId, userId: p.userId }, storing, after && positions.map((n) => (n === null ? null : p[n])), undefined, p.limit, p.offset));
    });
  };
  /** An insert of a row with these columns. */
  const inserts = preparedByShape<string, unknown>(16);
  const insertOne = (executor: Kysely<Tables>, row: FacetRow) => {
    const names = Object.keys(row);
    return inserts(names.join(','), () => new PreparedQuery(names, (p) => db.insertInto(name).values(p))).run(executor, row);
  };
  const insertRow = options.groupCommit
    ? groupCommitted(db, insertOne, options.isUnavailable ?? (() => false), options.onGroupCommit)
    : async (row: FacetRow) => void (await insertOne(db, row));
  /**
   * After a write matched no row: was there no such item, or was its version excluded? Read after the write, so it
   * answers for a moment just after it (an item deleted in between is 'notFound'); either way nothing was written.
   */
  async function whyNotWritten(owner: ProfileOwner, id: string, condition: VersionCondition | undefined): Promise<NotWritten> {
    if (!condition) return 'notFound';
    const row = await owned(owner).clearSelect().select('id').where('id', '=', id).executeTakeFirst();
    return row ? 'versionMismatch' : 'notFound';
  }
  /**
   * The sort-key values of the owner's row at `offset` in an order one of the table's indexes keeps, read from that
   * index alone: `$skip` then walks index entries only, instead of fetching every skipped row (PostgreSQL reads each
   * from the table, about a tenth of a second at 100,000, bench/RESULTS.md). Undefined when there are fewer rows.
   */
  async function positionAt(owner: ProfileOwner, keys: readonly SortKey[], offset: number): Promise<LiteralValue[] | undefined> {
    let query = whereOwner(db.selectFrom(name).select(keys.map((k, i) => k.expr.as(`k${i}`))), owner);
    for (const order of orderBySql(keys)) query = query.orderBy(order);
    const row = (await query.limit(rowCount(1)).offset(rowCount(offset)).executeTakeFirst()) as Record<string, LiteralValue> | undefined;
    return row && keys.map((_, i) => row[`k${i}`]!);
  }

  const list: FacetStore<T>['list'] = async (owner, q) => {
    const { keys, shape } = orderOf(q.orderBy);
    if (q.skip > 0 && !q.after && !q.filter && INDEXED_ORDERS.has(shape)) {
      // The page is the rows after the one just before it.
      const before = await positionAt(owner, keys, q.skip - 1);
      return before ? list(owner, { ...q, after: before, skip: 0 }) : [];
    }
    if (q.filter) return (await page(owner, keys, q.after, q.filter, q.limit, q.skip).execute()).map(toItem);
    const values: Record<string, unknown> = { tenantId: owner.tenantId, userId: owner.userId, limit: q.limit, offset: q.skip };
    if (q.after) storedPosition(keys, q.after).forEach((v, i) => v !== null && (values[`after${i}`] = v));
    return (await pageQuery(keys, shape, q.after).run(db, values)).rows.map(toItem);
  };

  return {
    list,
    async count(owner, filter) {
      const row = filter ? await counted(owner).where(filterSql(columns, filter)).executeTakeFirstOrThrow() : (await countAll.run(db, owner)).rows[0]!;
      return Number(row.n); // PostgreSQL's count is a bigint, which its driver returns as a string
    },
    async get(owner, id) {
      if (!matchable(id)) return undefined;
      const [row] = (await getOne.run(db, { tenantId: owner.tenantId, userId: owner.userId, id })).rows;
      return row && toItem(row);
    },
    async insert(owner, item) {
      await insertRow(rowOf(table, owner, item));
    },
    async update(owner, id, changes, m, condition) {
      if (!matchable(id)) return 'notFound';
      const row = await whereOwner(
        db.updateTable(name).set((eb) => ({ ...changedColumns(table, changes), ...modificationColumns(m), version: eb('version', '+', 1) })),
        owner,
      )
        .where('id', '=', id)
        .where((eb) => versionMeets(eb, condition))
        .returning(itemColumns)
        .executeTakeFirst();
      return row ? toItem(row) : whyNotWritten(owner, id, condition);
    },
    async delete(owner, id, condition) {
      if (!matchable(id)) return 'notFound';
      const deleted = condition
        ? (await deleting(owner, id).where((eb) => versionMeets(eb, condition)).executeTakeFirst()).numDeletedRows
        : ((await deleteOne.run(db, { tenantId: owner.tenantId, userId: owner.userId, id })).numAffectedRows ?? 0n);
      return deleted > 0n ? true : whyNotWritten(owner, id, condition);
    },
  };
}
