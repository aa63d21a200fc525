// The rules of an itemPhone beyond its types: what a new phone starts with, and what a number must be.
import { randomUUID } from 'node:crypto';
import { graphErrors } from '../../graph/errors.ts';
import { readEntityBody } from '../../graph/edm.ts';
import { DEFAULT_ALLOWED_AUDIENCES, graphTimestamp, type IdentitySet } from '../itemFacet.ts';
import { itemPhoneType, type ItemPhone, type ItemPhoneSettable } from './schema.ts';

function checkNumber(number: unknown): void {
  if (typeof number === 'string' && number.trim() === '') {
    throw graphErrors.invalidRequest("The property 'number' cannot be empty.");
  }
}

/** Reads a create body and builds the new phone with the server's values and the defaults. */
export function newPhone(body: unknown, actor: IdentitySet): ItemPhone {
  const v = readEntityBody(itemPhoneType, body) as Partial<ItemPhoneSettable>;
  if (v.number === undefined) throw graphErrors.invalidRequest("The property 'number' is required when creating an itemPhone.");
  checkNumber(v.number);
  const now = graphTimestamp();
  return {
    id: randomUUID(),
    allowedAudiences: v.allowedAudiences ?? [...DEFAULT_ALLOWED_AUDIENCES],
    inference: v.inference ?? null,
    createdDateTime: now,
    createdBy: actor,
    lastModifiedDateTime: now,
    lastModifiedBy: actor,
    version: 1,
    isSearchable: v.isSearchable ?? null,
    source: v.source ?? null,
    displayName: v.displayName ?? null,
    type: v.type ?? null,
    number: v.number,
  };
}

/** Reads an update body: only the properties sent, each checked as on create. */
export function phoneChanges(body: unknown): Partial<ItemPhoneSettable> {
  const v = readEntityBody(itemPhoneType, body) as Partial<ItemPhoneSettable>;
  if (v.number !== undefined) checkNumber(v.number);
  return v;
}
