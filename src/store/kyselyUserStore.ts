// The directory of users (who has a profile, by id and by userPrincipalName), written once against Kysely.
import type { Kysely, Selectable } from 'kysely';
import { matchable } from '../model/storableText.ts';
import type { Database } from './schema.ts';
import type { DirectoryUser, UserStore } from './types.ts';

/** How many times a directory write is tried when a concurrent writer of the same key won (retryingLostUserRaces). */
const UPSERT_TRIES = 5;

/**
 * Writes `user` with `executor` (a transaction of the caller's): creates it, or brings its UPN and display name up
 * to date. A UPN can move to another account (Entra reuses them): the older holder loses it.
 */
export async function writeUser(executor: Kysely<Database>, user: DirectoryUser): Promise<void> {
  const upnKey = user.userPrincipalName.toLowerCase();
  await executor
    .updateTable('users')
    .set({ upn_key: null })
    .where('tenant_id', '=', user.tenantId)
    .where('upn_key', '=', upnKey)
    .where('id', '!=', user.id)
    .execute();
  await executor
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
}

/**
 * Runs `write`, a transaction that writes users, again when a concurrent writer of the same user won. Two requests of
 * a user nobody has seen yet (through two instances, or two connections of one pool) insert the same row at once.
 * ON CONFLICT settles the primary key, but a unique key it does not name (the UPN) is raised as a violation by the one
 * that loses. Once the winner has committed, trying again finds its row and updates it, so the loser tries again (a
 * few times: the UPN may be moving between accounts meanwhile).
 */
export async function retryingLostUserRaces<T>(isUniqueViolation: (err: unknown) => boolean, write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= UPSERT_TRIES || !isUniqueViolation(err)) throw err;
    }
  }
}

export function kyselyUserStore(db: Kysely<Database>, isUniqueViolation: (err: unknown) => boolean): UserStore {
  const toUser = (r: Selectable<Database['users']>): DirectoryUser => ({
    tenantId: r.tenant_id,
    id: r.id,
    userPrincipalName: r.user_principal_name,
    displayName: r.display_name,
  });
  return {
    upsert: (user) => retryingLostUserRaces(isUniqueViolation, () => db.transaction().execute((tx) => writeUser(tx, user))),
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
