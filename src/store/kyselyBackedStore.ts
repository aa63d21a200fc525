// The whole Store over one Kysely instance: every part written once, so a database adds only its dialect
// (dialect.ts) and where it lives, and a profile collection only its table's declaration (facetTable.ts).
import { sql, type Kysely } from 'kysely';
import type { ItemFacet } from '../model/itemFacet.ts';
import type { StoreDialect } from './dialect.ts';
import type { FacetTable } from './facetTable.ts';
import { kyselyFacetStore } from './kyselyFacetStore.ts';
import { kyselyFixtures } from './kyselyFixtures.ts';
import { kyselyUserStore } from './kyselyUserStore.ts';
import type { Database } from './schema.ts';
import { sharedSecrets } from './secrets.ts';
import { kyselyTransfer } from './transfer.ts';
import type { FacetStore, Store } from './types.ts';

export interface BackedStoreParts {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  /** Where the data lives (Store.location). */
  readonly location: string;
  /** The profile collections' tables the database was migrated with: the only ones facets() serves. */
  readonly tables: readonly FacetTable<any>[];
  /** Told the size of each batch of creates group commit writes. */
  readonly onGroupCommit?: (batchSize: number) => void;
}

export function kyselyBackedStore({ db, dialect, location, tables, onGroupCommit }: BackedStoreParts): Store {
  const isUnavailable = (err: unknown) => dialect.isUnavailable(err);
  const isUniqueViolation = (err: unknown) => dialect.isUniqueViolation(err);
  const facetStores = new Map<string, { table: FacetTable<any>; store: FacetStore<any> }>();
  for (const table of tables) {
    facetStores.set(table.name, { table, store: kyselyFacetStore(db, table, { groupCommit: dialect.groupCommit, isUnavailable, onGroupCommit }) });
  }
  return {
    kind: dialect.kind,
    location,
    isUnavailable,
    users: kyselyUserStore(db, isUniqueViolation),
    facets<T extends ItemFacet>(table: FacetTable<T>): FacetStore<T> {
      const known = facetStores.get(table.name);
      if (known?.table !== table) throw new Error(`the store was not opened with the table '${table.name}'`);
      return known.store as FacetStore<T>;
    },
    transfer: kyselyTransfer(db, dialect, tables),
    fixtures: kyselyFixtures(db, tables, isUniqueViolation),
    sharedSecret: sharedSecrets(db),
    async ping() {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}
