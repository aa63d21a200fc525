// The phones collection (/profile/phones): its entity type, its table, and its rules beyond the types (what a
// new phone starts with, what a number must be). Routes, $metadata, OpenAPI and the store are built from this.
import { graphErrors } from '../../graph/errors.ts';
import type { ProfileCollection } from '../collection.ts';
import { itemPhoneType, PHONE_TYPES, type ItemPhone } from './schema.ts';

function checkNumber(number: unknown): void {
  if (typeof number === 'string' && number.trim() === '') {
    throw graphErrors.invalidRequest("The property 'number' cannot be empty.", 'number');
  }
}

export const phones: ProfileCollection<ItemPhone> = {
  segment: 'phones',
  entity: itemPhoneType,
  table: {
    name: 'phones',
    columns: {
      displayName: { kind: 'text', column: 'display_name' },
      type: { kind: 'enum', column: 'type', members: PHONE_TYPES },
      number: { kind: 'text', column: 'number', required: true },
    },
    // The phones table predates collections declaring their tables: migrations 0001 to 0006 of the service's own
    // made it as it is (store/migrations.ts), and released migrations are never moved or renamed.
    migrations: {},
  },
  create(sent) {
    if (sent.number === undefined) throw graphErrors.invalidRequest("The property 'number' is required when creating an itemPhone.", 'number');
    checkNumber(sent.number);
    return { displayName: sent.displayName ?? null, type: sent.type ?? null, number: sent.number };
  },
  checkChanges(sent) {
    if (sent.number !== undefined) checkNumber(sent.number);
  },
};
