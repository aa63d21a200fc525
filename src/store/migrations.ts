// Versioned schema changes, applied in order by Kysely's Migrator (which keeps its own table), all in one
// transaction under a lock, so that instances starting at once against one database apply each exactly once.
// A migration, once released, is never edited: a change is a new entry at the end.
import { Migrator, PostgresAdapter, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { StoreStartError } from './types.ts';

const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter instanceof PostgresAdapter;

/** The data type of a new text column: compared by bytes on both stores (SQLite's BINARY, PostgreSQL's "C"). */
export const byteOrderText = (db: Kysely<any>) => (isPostgres(db) ? sql`text collate "C"` : sql`text`);

const facetColumns = (t: any) =>
  t
    .addColumn('tenant_id', 'text', (c: any) => c.notNull())
    .addColumn('user_id', 'text', (c: any) => c.notNull())
    .addColumn('id', 'text', (c: any) => c.notNull())
    .addColumn('created_date_time', 'text', (c: any) => c.notNull())
    .addColumn('last_modified_date_time', 'text', (c: any) => c.notNull())
    .addColumn('created_by_user_id', 'text')
    .addColumn('created_by_user_name', 'text')
    .addColumn('created_by_app_id', 'text')
    .addColumn('created_by_app_name', 'text')
    .addColumn('modified_by_user_id', 'text')
    .addColumn('modified_by_user_name', 'text')
    .addColumn('modified_by_app_id', 'text')
    .addColumn('modified_by_app_name', 'text')
    .addColumn('allowed_audiences', 'integer', (c: any) => c.notNull())
    .addColumn('inference_present', 'integer', (c: any) => c.notNull())
    .addColumn('inference_confidence_score', 'double precision')
    .addColumn('inference_user_has_verified_accuracy', 'integer')
    .addColumn('is_searchable', 'integer')
    .addColumn('source_present', 'integer', (c: any) => c.notNull())
    .addColumn('source_type', 'text');

export const migrations: Record<string, Migration> = {
  '0001_users_and_phones': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('users')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('user_principal_name', 'text', (c) => c.notNull())
        .addColumn('upn_key', 'text')
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('created_date_time', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('users_pk', ['tenant_id', 'id'])
        .addUniqueConstraint('users_upn_unique', ['tenant_id', 'upn_key'])
        .execute();
      await facetColumns(db.schema.createTable('phones'))
        .addColumn('display_name', 'text')
        .addColumn('number', 'text', (c: any) => c.notNull())
        .addColumn('type', 'text')
        .addPrimaryKeyConstraint('phones_pk', ['tenant_id', 'user_id', 'id'])
        .execute();
      await db.schema
        .createIndex('phones_by_owner_created')
        .on('phones')
        .columns(['tenant_id', 'user_id', 'created_date_time', 'id'])
        .execute();
    },
  },
  // PostgreSQL compares text by the database's collation (often a locale, where 'B' sorts after 'a');
  // SQLite compares bytes. Every text column compares bytes on both, so that list order, $orderby, range
  // filters, keyset paging and export order are the same on either store. (A later migration adding a text
  // column declares it with byteOrderText(db); a test checks every text column.)
  '0002_postgres_byte_order_text': {
    async up(db: Kysely<any>) {
      if (!isPostgres(db)) return; // SQLite's default BINARY collation already compares bytes
      const alter = (table: string, columns: readonly string[]) =>
        sql`alter table ${sql.table(table)} ${sql.join(columns.map((c) => sql`alter column ${sql.ref(c)} type text collate "C"`))}`.execute(db);
      await alter('users', ['tenant_id', 'id', 'user_principal_name', 'upn_key', 'display_name', 'created_date_time']);
      await alter('phones', [
        'tenant_id',
        'user_id',
        'id',
        'created_date_time',
        'last_modified_date_time',
        'created_by_user_id',
        'created_by_user_name',
        'created_by_app_id',
        'created_by_app_name',
        'modified_by_user_id',
        'modified_by_user_name',
        'modified_by_app_id',
        'modified_by_app_name',
        'source_type',
        'display_name',
        'number',
        'type',
      ]);
    },
  },
  // Instances behind one load balancer must agree on what they sign (a nextLink made by one is followed on
  // another), and a restart must not void the links clients hold: such keys live in the database.
  '0003_service_secrets': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('service_secrets')
        .addColumn('name', byteOrderText(db), (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
  },
  // itemFacet.source follows production Graph's personDataSources: its `type` is a collection of strings
  // (items nullable), kept as JSON array text. The single string of the older personDataSource becomes a
  // one-item array ('User' -> ["User"]); a null type stays null, and source_present is unchanged, so
  // {"type": null} stays {"type": null} and a null source stays null. The JSON is written by the database's
  // own JSON functions (correct escaping), in the form JSON.stringify writes for one string.
  '0004_phones_source_types': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('phones').addColumn('source_types', byteOrderText(db)).execute();
      const oneItemArray = isPostgres(db) ? sql`json_build_array(source_type)::text` : sql`json_array(source_type)`;
      await sql`update phones set source_types = ${oneItemArray} where source_type is not null`.execute(db);
      await db.schema.alterTable('phones').dropColumn('source_type').execute();
    },
  },
  // Throttling (RATE_LIMIT) counted once for every instance on a PostgreSQL database: hits per caller key
  // (a hash) and fixed window; rows past expires_at_ms are swept. Created on SQLite too (one schema for both),
  // where a single instance counts in memory and leaves it empty.
  '0005_rate_limit_hits': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('rate_limit_hits')
        .addColumn('key', byteOrderText(db), (c) => c.notNull())
        .addColumn('window_start_ms', 'bigint', (c) => c.notNull())
        .addColumn('hits', 'integer', (c) => c.notNull())
        .addColumn('expires_at_ms', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('rate_limit_hits_pk', ['key', 'window_start_ms'])
        .execute();
      await db.schema.createIndex('rate_limit_hits_expiry').on('rate_limit_hits').column('expires_at_ms').execute();
    },
  },
  // Entity tags (ETag, If-Match): each phone counts its writes, so a conditional write can name the version it read in
  // its own WHERE clause and two writers holding the same tag cannot both succeed. Existing rows start at 1.
  '0006_phones_version': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('phones').addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Any fixed number: the advisory lock that serializes migrations between instances of this service. */
const MIGRATION_LOCK = 0x70686f6e; // "phon"

/**
 * Brings the database to the latest schema. Refuses a database that a newer version of the service
 * has migrated (it would otherwise run on a schema it does not understand).
 *
 * Everything runs in one transaction on one connection: on PostgreSQL under a transaction-level advisory
 * lock (so it also works through PgBouncer in transaction mode), on SQLite under BEGIN IMMEDIATE (the
 * write lock). A second instance waits, then finds nothing left to do; a failure leaves no partial schema.
 */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const postgres = isPostgres(db);
  return db.connection().execute(async (conn) => {
    await sql.raw(postgres ? 'begin' : 'begin immediate').execute(conn);
    try {
      if (postgres) {
        // Migrations are not requests: the pool's statement timeout must not cut them (or the wait for the lock) short.
        await sql`set local statement_timeout = '10min'`.execute(conn);
        await sql`select pg_advisory_xact_lock(${sql.lit(MIGRATION_LOCK)})`.execute(conn);
      }
      await refuseNewerSchema(conn);
      const { error, results } = await new Migrator({ db: conn, provider, disableTransactions: true }).migrateToLatest();
      if (error) throw error instanceof Error ? error : new Error(String(error));
      await sql`commit`.execute(conn);
      return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => undefined); // the connection may be gone; the error that matters is err
      throw err;
    }
  });
}

async function refuseNewerSchema(db: Kysely<any>): Promise<void> {
  const known = new Set(Object.keys(migrations));
  // Kysely's introspection leaves its own tables out unless asked (without this, the check never ran).
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((t) => t.name === 'kysely_migration')) return;
  const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  const unknown = applied.rows.map((r) => r.name).filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new StoreStartError(
      `The database has schema migrations this version does not know (${unknown.join(', ')}): it was used by a newer version of the service. Downgrading is not supported; run the newer version or restore a backup taken before the upgrade.`,
    );
  }
}

/** The names of the migrations applied to the database, in order (the schema version an export records). */
export async function appliedMigrations(db: Kysely<any>): Promise<string[]> {
  const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  return rows.rows.map((r) => r.name).sort();
}
