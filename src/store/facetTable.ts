// A profile collection's table, as the collection declares it to the store: every table has itemFacet's
// columns (schema.ts FacetColumns); this names the table, the columns of the collection's own properties, and
// the migrations that create and change it. The store builds the collection's reads and writes from it
// (kyselyFacetStore.ts), so a new collection adds a declaration, not store code.
import type { Kysely } from 'kysely';
import type { ItemFacet, OwnValues } from '../model/itemFacet.ts';
import type { StoreDialect } from './dialect.ts';

/** How one of the collection's own properties is stored: in one column, as its kind says. */
export type OwnColumn = (
  | { readonly kind: 'text' | 'number' | 'boolean' }
  /** A non-flags enum stored as its member name; it sorts by declaration order, as .NET (Graph) sorts enums. */
  | { readonly kind: 'enum'; readonly members: readonly string[] }
) & {
  readonly column: string;
  /** The column refuses null (the property is required). */
  readonly required?: boolean;
};

/** A schema change of one collection's table, given the dialect it runs on. */
export type TableMigration = (db: Kysely<any>, dialect: StoreDialect) => Promise<void>;

export interface FacetTable<T extends ItemFacet = ItemFacet> {
  /** The table's name, e.g. phones. Its primary key is (tenant_id, user_id, id). */
  readonly name: string;
  /** Where each of the collection's own properties is stored, by property name. */
  readonly columns: { readonly [K in keyof OwnValues<T>]-?: OwnColumn };
  /**
   * The migrations that create and change the table, by name, applied after the service's own (store/migrations.ts)
   * in name order: a name sorts after every migration already released (e.g. 0007_emails). A migration, once
   * released, is never edited. createFacetTable makes the table as it is today.
   */
  readonly migrations: Readonly<Record<string, TableMigration>>;
}

/** Creates `table` with itemFacet's columns as they are now, its own columns, its key, and the owner's index. */
export async function createFacetTable(db: Kysely<any>, dialect: StoreDialect, table: FacetTable<any>): Promise<void> {
  const text = dialect.byteOrderText;
  let create = db.schema
    .createTable(table.name)
    .addColumn('tenant_id', text, (c) => c.notNull())
    .addColumn('user_id', text, (c) => c.notNull())
    .addColumn('id', text, (c) => c.notNull())
    .addColumn('created_date_time', text, (c) => c.notNull())
    .addColumn('last_modified_date_time', text, (c) => c.notNull());
  for (const prefix of ['created_by', 'modified_by']) {
    for (const column of ['user_id', 'user_name', 'app_id', 'app_name']) create = create.addColumn(`${prefix}_${column}`, text);
  }
  create = create
    .addColumn('allowed_audiences', 'integer', (c) => c.notNull())
    .addColumn('inference_present', 'integer', (c) => c.notNull())
    .addColumn('inference_confidence_score', 'double precision')
    .addColumn('inference_user_has_verified_accuracy', 'integer')
    .addColumn('is_searchable', 'integer')
    .addColumn('source_present', 'integer', (c) => c.notNull())
    .addColumn('source_types', text)
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1));
  for (const own of Object.values<OwnColumn>(table.columns)) {
    const type = own.kind === 'number' ? 'double precision' : own.kind === 'boolean' ? 'integer' : text;
    create = create.addColumn(own.column, type, (c) => (own.required ? c.notNull() : c));
  }
  await create.addPrimaryKeyConstraint(`${table.name}_pk`, ['tenant_id', 'user_id', 'id']).execute();
  await db.schema
    .createIndex(`${table.name}_by_owner_created`)
    .on(table.name)
    .columns(['tenant_id', 'user_id', 'created_date_time', 'id'])
    .execute();
}
