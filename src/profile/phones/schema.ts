// itemPhone: the entity type and the values of a phone. With collection.ts, the whole of the phones collection.
import { edm, type EntityTypeDef } from '../../graph/edm.ts';
import type { ItemFacet } from '../../model/itemFacet.ts';
import { itemFacetProperties } from '../itemFacet.ts';

export const PHONE_TYPES = [
  'home',
  'business',
  'mobile',
  'other',
  'assistant',
  'homeFax',
  'businessFax',
  'otherFax',
  'pager',
  'radio',
] as const;

/** Documented limits (Graph documents none; see docs/differences-from-graph.md). */
export const PHONE_LIMITS = { displayName: 256, number: 128 } as const;

export const itemPhoneType: EntityTypeDef = {
  name: 'microsoft.graph.itemPhone',
  properties: {
    ...itemFacetProperties,
    displayName: { type: edm.string(PHONE_LIMITS.displayName), nullable: true, settable: true },
    // The CSDL says Nullable="false", yet Graph itself answers "type": null when none was given
    // (the create example); null is accepted so that such an object can be sent back unchanged.
    // $metadata still publishes the CSDL's Nullable="false".
    type: {
      type: { kind: 'enum', name: 'microsoft.graph.phoneType', members: PHONE_TYPES, flags: false },
      nullable: true,
      declaredNullable: false,
      settable: true,
    },
    // Required by the service (a phone needs a number); the CSDL leaves it nullable.
    number: { type: edm.string(PHONE_LIMITS.number), nullable: false, declaredNullable: true, settable: true },
  },
};

export interface ItemPhone extends ItemFacet {
  displayName: string | null;
  type: string | null;
  number: string;
}
