// The whole Store over one Kysely instance: every part written once, so a database adds only its dialect,
// what it calls itself, and which of its errors mean "unavailable for now".
import { sql, type Kysely } from 'kysely';
import { kyselyPhoneStore, kyselyUserStore, type PhoneStoreOptions } from './kyselyStore.ts';
import type { Database } from './schema.ts';
import { sharedSecrets } from './secrets.ts';
import { kyselyTransfer } from './transfer.ts';
import type { Store } from './types.ts';

/** What differs between the databases, asked here and nowhere else. */
export interface DialectTraits extends Pick<PhoneStoreOptions, 'groupCommit' | 'onGroupCommit'> {
  /** The error a unique key raises when a concurrent writer inserted the same key first. */
  isUniqueViolation(err: unknown): boolean;
}

export function kyselyBackedStore(db: Kysely<Database>, own: Pick<Store, 'kind' | 'location' | 'isUnavailable'>, dialect: DialectTraits): Store {
  const { isUniqueViolation, ...options } = dialect;
  return {
    ...own,
    users: kyselyUserStore(db, isUniqueViolation),
    phones: kyselyPhoneStore(db, { ...options, isUnavailable: own.isUnavailable }),
    transfer: kyselyTransfer(db),
    sharedSecret: sharedSecrets(db),
    async ping() {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}
