// The whole Store over one Kysely instance: every part written once, so a database adds only its dialect,
// what it calls itself, and which of its errors mean "unavailable for now".
import { sql, type Kysely } from 'kysely';
import { kyselyPhoneStore, kyselyUserStore, type PhoneStoreOptions } from './kyselyStore.ts';
import type { Database } from './schema.ts';
import { sharedSecrets } from './secrets.ts';
import { kyselyTransfer } from './transfer.ts';
import type { Store } from './types.ts';

export function kyselyBackedStore(
  db: Kysely<Database>,
  own: Pick<Store, 'kind' | 'location' | 'isUnavailable'>,
  options: Pick<PhoneStoreOptions, 'groupCommit' | 'onGroupCommit'> = {},
): Store {
  return {
    ...own,
    users: kyselyUserStore(db),
    phones: kyselyPhoneStore(db, { ...options, isUnavailable: own.isUnavailable }),
    transfer: kyselyTransfer(db),
    sharedSecret: sharedSecrets(db),
    async ping() {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}
