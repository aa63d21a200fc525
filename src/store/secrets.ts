// Secrets shared by every instance on one database: the first instance to ask for one makes it, the rest
// (and later restarts) read the same, so what one instance signs another accepts.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export function sharedSecrets(db: Kysely<Database>) {
  return async function sharedSecret(name: string): Promise<Buffer> {
    await db
      .insertInto('service_secrets')
      .values({ name, value: randomBytes(32).toString('base64') })
      .onConflict((oc) => oc.column('name').doNothing()) // another instance was first: keep its secret
      .execute();
    const row = await db.selectFrom('service_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
    return Buffer.from(row.value, 'base64');
  };
}
