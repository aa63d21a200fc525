// Versioned schema changes, applied in order by Kysely's Migrator (which keeps its own table), all in one
// transaction under a lock, so that instances starting at once against one database apply each exactly once.
// A migration, once released, is never edited: a change is a new entry at the end. The service's own come
// first (users, phones as it was first declared, secrets, rate limits); each profile collection's table adds
// its own after them (FacetTable.migrations). What differs between the databases is asked of the dialect.
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { StoreDialect } from './dialect.ts';
import type { FacetTable } from './facetTable.ts';
import { StoreStartError } from './types.ts';

/**
 * itemFacet's columns as migration 0001 created them (frozen: later migrations changed source_type and added
 * version). A collection declared today gets the current columns from createFacetTable (facetTable.ts).
 */
const facetColumnsOf0001 = (t: any) =>
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

/** The service's own migrations, as they run on `dialect`. */
function ownMigrations(dialect: StoreDialect): Record<string, Migration> {
  const byteOrderText = dialect.byteOrderText;
  return {
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
        await facetColumnsOf0001(db.schema.createTable('phones'))
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
    // column declares it with byteOrderText; a test checks every text column.)
    '0002_postgres_byte_order_text': {
      async up(db: Kysely<any>) {
        if (dialect.textComparesBytes) return; // e.g. SQLite's default BINARY collation
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
          .addColumn('name', byteOrderText, (c) => c.primaryKey())
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
        await db.schema.alterTable('phones').addColumn('source_types', byteOrderText).execute();
        await sql`update phones set source_types = ${dialect.jsonArrayOf(sql.ref('source_type'))} where source_type is not null`.execute(db);
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
          .addColumn('key', byteOrderText, (c) => c.notNull())
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
}

/**
 * Every migration of a database holding `tables`, by name: the service's own, then each table's (given the dialect).
 * Two with one name are a fault of whoever declared them.
 */
export function serviceMigrations(dialect: StoreDialect, tables: readonly FacetTable<any>[]): Record<string, Migration> {
  const all = ownMigrations(dialect);
  for (const table of tables) {
    for (const [name, up] of Object.entries(table.migrations)) {
      if (name in all) throw new Error(`two migrations are named '${name}' (table ${table.name})`);
      all[name] = { up: (db: Kysely<any>) => up(db, dialect) };
    }
  }
  return all;
}

/**
 * Brings the database to the latest schema. Refuses a database that a newer version of the service
 * has migrated (it would otherwise run on a schema it does not understand).
 *
 * Everything runs in one transaction on one connection, under the dialect's lock (beginMigrations: on
 * PostgreSQL a transaction-level advisory lock, so it also works through PgBouncer in transaction mode; on
 * SQLite BEGIN IMMEDIATE, the write lock). A second instance waits, then finds nothing left to do; a failure leaves no partial schema.
 */
export async function migrateToLatest(db: Kysely<any>, dialect: StoreDialect, tables: readonly FacetTable<any>[]): Promise<string[]> {
  const migrations = serviceMigrations(dialect, tables);
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  return db.connection().execute(async (conn) => {
    try {
      await dialect.beginMigrations(conn);
      await refuseNewerSchema(conn, migrations);
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

async function refuseNewerSchema(db: Kysely<any>, migrations: Record<string, Migration>): Promise<void> {
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
