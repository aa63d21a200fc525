// Whole-store writes for a test suite (FixtureStore): clearing every user and item, and seeding users and items in
// one transaction. Written once against Kysely, over every table the store was opened with.
import type { Kysely } from 'kysely';
import { rowOf } from './facetRows.ts';
import type { FacetTable } from './facetTable.ts';
import { retryingLostUserRaces, writeUser } from './kyselyUserStore.ts';
import type { Database } from './schema.ts';
import type { FixtureStore } from './types.ts';

export function kyselyFixtures(db: Kysely<Database>, tables: readonly FacetTable<any>[], isUniqueViolation: (err: unknown) => boolean): FixtureStore {
  // Facet tables are reached by name (facetTable.ts): the typed Database knows only the service's own tables.
  const byName = (tx: Kysely<Database>) => tx as Kysely<any>;
  return {
    clear: () =>
      db.transaction().execute(async (tx) => {
        const removed: Record<string, number> = {};
        // Items first: a profile is never left without its user, even to a reader between two statements.
        for (const table of tables) {
          removed[table.name] = Number((await byName(tx).deleteFrom(table.name).executeTakeFirst()).numDeletedRows);
        }
        removed.users = Number((await tx.deleteFrom('users').executeTakeFirst()).numDeletedRows);
        return removed;
      }),
    async seed({ users, items }) {
      for (const { table } of items) {
        if (!tables.includes(table)) throw new Error(`the store was not opened with the table '${table.name}'`);
      }
      // A user's first request may write the same user at the same moment: the seed then runs again, as upsert does.
      await retryingLostUserRaces(isUniqueViolation, () =>
        db.transaction().execute(async (tx) => {
          for (const user of users) await writeUser(tx, user);
          for (const { table, owner, item } of items) await byName(tx).insertInto(table.name).values(rowOf(table, owner, item)).execute();
        }),
      );
    },
  };
}
