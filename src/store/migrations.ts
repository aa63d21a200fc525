// Versioned schema changes, applied in order by Kysely's Migrator (which keeps its own table and lock).
// A migration, once released, is never edited: a change is a new entry at the end.
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

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
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * Brings the database to the latest schema. Refuses a database that a newer version of the service
 * has migrated (it would otherwise run on a schema it does not understand).
 */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const known = new Set(Object.keys(migrations));
  const tables = await db.introspection.getTables();
  if (tables.some((t) => t.name === 'kysely_migration')) {
    const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
    const unknown = applied.rows.map((r) => r.name).filter((n) => !known.has(n));
    if (unknown.length > 0) {
      throw new Error(
        `The database has schema migrations this version does not know (${unknown.join(', ')}): it was used by a newer version of the service. Downgrading is not supported; run the newer version or restore a backup taken before the upgrade.`,
      );
    }
  }
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
