// The store written once against Kysely's query builder, so each database only has to supply a dialect.
import { sql, type ExpressionBuilder, type Insertable, type Kysely, type Selectable } from 'kysely';
import { PHONE_TYPES, type ItemPhone, type ItemPhoneSettable } from '../profile/phones/schema.ts';
import { facetColumns, facetFromRow, facetSettableColumns, modificationColumns } from './facetRows.ts';
import type { Database, PhonesTable } from './schema.ts';
import { afterSql, facetColumnMap, filterSql, orderBySql, sortKeys, type ColumnMap } from './querySql.ts';
import type { DirectoryUser, Modification, NotWritten, PhoneStore, ProfileOwner, UserStore, VersionCondition } from './types.ts';

/**
 * Keys from a request (a path segment) may hold what no stored key can: NUL, which the API refuses and
 * PostgreSQL cannot even compare, or an unpaired surrogate. Such a key matches nothing, on every store.
 */
const matchable = (key: string) => !key.includes('\u0000') && key.isWellFormed();

/** How many times a directory write is tried when a concurrent writer of the same key won (see upsert). */
const UPSERT_TRIES = 5;

export function kyselyUserStore(db: Kysely<Database>, isUniqueViolation: (err: unknown) => boolean): UserStore {
  const toUser = (r: Selectable<Database['users']>): DirectoryUser => ({
    tenantId: r.tenant_id,
    id: r.id,
    userPrincipalName: r.user_principal_name,
    displayName: r.display_name,
  });
  const writeUser = (user: DirectoryUser, upnKey: string) =>
    db.transaction().execute(async (tx) => {
      // A UPN can move to another account (Entra reuses them): the older holder loses it.
      await tx
        .updateTable('users')
        .set({ upn_key: null })
        .where('tenant_id', '=', user.tenantId)
        .where('upn_key', '=', upnKey)
        .where('id', '!=', user.id)
        .execute();
      await tx
        .insertInto('users')
        .values({
          tenant_id: user.tenantId,
          id: user.id,
          user_principal_name: user.userPrincipalName,
          upn_key: upnKey,
          display_name: user.displayName,
          created_date_time: new Date().toISOString(),
        })
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'id']).doUpdateSet({
            user_principal_name: user.userPrincipalName,
            upn_key: upnKey,
            display_name: user.displayName,
          }),
        )
        .execute();
    });
  return {
    async upsert(user) {
      const upnKey = user.userPrincipalName.toLowerCase();
      // Two requests of a user nobody has seen yet (through two instances, or two connections of one pool) insert
      // the same row at once. ON CONFLICT settles the primary key, but a unique key it does not name (the UPN) is
      // raised as a violation by the one that loses. Once the winner has committed, trying again finds its row
      // and updates it, so the loser tries again (a few times: the UPN may be moving between accounts meanwhile).
      for (let attempt = 1; ; attempt++) {
        try {
          return await writeUser(user, upnKey);
        } catch (err) {
          if (attempt >= UPSERT_TRIES || !isUniqueViolation(err)) throw err;
        }
      }
    },
    async findById(tenantId, id) {
      if (!matchable(id)) return undefined;
      const row = await db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return row && toUser(row);
    },
    async findByUpn(tenantId, upn) {
      if (!matchable(upn)) return undefined;
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('upn_key', '=', upn.toLowerCase())
        .executeTakeFirst();
      return row && toUser(row);
    },
  };
}

/** Where each itemPhone property a query may name is stored. */
const phoneColumns: ColumnMap = {
  ...facetColumnMap,
  displayName: { kind: 'text', column: 'display_name' },
  number: { kind: 'text', column: 'number' },
  type: { kind: 'enum', column: 'type', members: PHONE_TYPES },
};

function phoneFromRow(row: Selectable<PhonesTable>): ItemPhone {
  return { ...facetFromRow(row), displayName: row.display_name, type: row.type, number: row.number };
}

function phoneSettableColumns(values: Partial<ItemPhoneSettable>): Partial<PhonesTable> {
  const cols: Partial<PhonesTable> = facetSettableColumns(values);
  if (values.displayName !== undefined) cols.display_name = values.displayName;
  if (values.type !== undefined) cols.type = values.type;
  if (values.number !== undefined) cols.number = values.number;
  return cols;
}

/**
 * Group commit for an embedded database whose every commit is a disk sync (SQLite with synchronous=full): the
 * inserts that arrive within one turn of the event loop are written in one transaction, so one sync makes all of
 * them durable. Each caller is answered only after that commit, so an acknowledged create is as durable as before.
 * If the batch fails, nothing of it was written (a transaction is whole): when the database is unavailable every
 * caller gets that error (so each answers 503, none waits again), otherwise each row is tried alone and each caller
 * gets its own outcome. Not for PostgreSQL, whose connection pool already commits concurrent inserts together.
 * (Written here: no library batches work per event-loop turn over Kysely.)
 */
function groupCommitted(db: Kysely<Database>, isUnavailable: (err: unknown) => boolean, onBatch?: (size: number) => void) {
  type Pending = { row: Insertable<PhonesTable>; resolve: () => void; reject: (err: unknown) => void };
  let pending: Pending[] = [];
  const insertOne = (executor: Kysely<Database>, row: Insertable<PhonesTable>) => executor.insertInto('phones').values(row).execute();
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
  return (row: Insertable<PhonesTable>) =>
    new Promise<void>((resolve, reject) => {
      if (pending.push({ row, resolve, reject }) === 1) setImmediate(() => void flush());
    });
}

/** The condition on the stored version as SQL (true when there is none). */
function versionMeets(eb: ExpressionBuilder<Database, 'phones'>, condition: VersionCondition | undefined) {
  const parts = [];
  // `in ()` is not SQL: an empty list allows no version.
  if (condition?.oneOf) parts.push(condition.oneOf.length > 0 ? eb('version', 'in', condition.oneOf) : sql<boolean>`1 = 0`);
  if (condition?.noneOf?.length) parts.push(eb('version', 'not in', condition.noneOf));
  return eb.and(parts);
}

export interface PhoneStoreOptions {
  /** Commit concurrent inserts together (see groupCommitted). */
  readonly groupCommit?: boolean;
  /** The store's test for errors that mean "unavailable for now" (Store.isUnavailable); used by group commit. */
  readonly isUnavailable?: (err: unknown) => boolean;
  /** Told the size of each batch group commit writes (whoever opened the store may count them). */
  readonly onGroupCommit?: (batchSize: number) => void;
}

export function kyselyPhoneStore(db: Kysely<Database>, options: PhoneStoreOptions = {}): PhoneStore {
  const insertRow = options.groupCommit
    ? groupCommitted(db, options.isUnavailable ?? (() => false), options.onGroupCommit)
    : async (row: Insertable<PhonesTable>) => void (await db.insertInto('phones').values(row).execute());
  const owned = (owner: ProfileOwner) =>
    db.selectFrom('phones').selectAll().where('tenant_id', '=', owner.tenantId).where('user_id', '=', owner.userId);
  /**
   * After a write matched no row: was there no such phone, or was its version excluded? Read after the write, so it
   * answers for a moment just after it (a phone deleted in between is 'notFound'); either way nothing was written.
   */
  async function whyNotWritten(owner: ProfileOwner, id: string, condition: VersionCondition | undefined): Promise<NotWritten> {
    if (!condition) return 'notFound';
    const row = await owned(owner).clearSelect().select('id').where('id', '=', id).executeTakeFirst();
    return row ? 'versionMismatch' : 'notFound';
  }
  return {
    async list(owner, q) {
      const keys = sortKeys(phoneColumns, q.orderBy);
      let query = owned(owner);
      if (q.filter) query = query.where(filterSql(phoneColumns, q.filter));
      if (q.after) query = query.where(afterSql(keys, q.after));
      for (const order of orderBySql(keys)) query = query.orderBy(order);
      const rows = await query.limit(q.limit).offset(q.skip).execute();
      return rows.map(phoneFromRow);
    },
    async count(owner, filter) {
      let query = db
        .selectFrom('phones')
        .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
        .where('tenant_id', '=', owner.tenantId)
        .where('user_id', '=', owner.userId);
      if (filter) query = query.where(filterSql(phoneColumns, filter));
      const row = await query.executeTakeFirstOrThrow();
      return Number(row.n); // PostgreSQL's count is a bigint, which its driver returns as a string
    },
    async get(owner, id) {
      if (!matchable(id)) return undefined;
      const row = await owned(owner).where('id', '=', id).executeTakeFirst();
      return row && phoneFromRow(row);
    },
    async insert(owner, phone) {
      await insertRow({ ...facetColumns(owner, phone), display_name: phone.displayName, type: phone.type, number: phone.number });
    },
    async update(owner: ProfileOwner, id: string, changes: Partial<ItemPhoneSettable>, m: Modification, condition?: VersionCondition) {
      if (!matchable(id)) return 'notFound';
      const row = await db
        .updateTable('phones')
        .set((eb) => ({ ...phoneSettableColumns(changes), ...modificationColumns(m.at, m.by), version: eb('version', '+', 1) }))
        .where('tenant_id', '=', owner.tenantId)
        .where('user_id', '=', owner.userId)
        .where('id', '=', id)
        .where((eb) => versionMeets(eb, condition))
        .returningAll()
        .executeTakeFirst();
      return row ? phoneFromRow(row) : whyNotWritten(owner, id, condition);
    },
    async delete(owner, id, condition) {
      if (!matchable(id)) return 'notFound';
      const result = await db
        .deleteFrom('phones')
        .where('tenant_id', '=', owner.tenantId)
        .where('user_id', '=', owner.userId)
        .where('id', '=', id)
        .where((eb) => versionMeets(eb, condition))
        .executeTakeFirst();
      return result.numDeletedRows > 0n ? true : whyNotWritten(owner, id, condition);
    },
  };
}
