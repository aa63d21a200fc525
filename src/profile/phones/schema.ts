// itemPhone: the one description of the resource. It drives request validation, the stored
// values and the wire form.
import { edm, type EntityTypeDef } from '../../graph/edm.ts';
import { itemFacetProperties, itemFacetToWire, type ItemFacet } from '../itemFacet.ts';

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
    type: { type: { kind: 'enum', name: 'microsoft.graph.phoneType', members: PHONE_TYPES, flags: false }, nullable: true, settable: true },
    number: { type: edm.string(PHONE_LIMITS.number), nullable: false, settable: true },
  },
};

export interface ItemPhone extends ItemFacet {
  displayName: string | null;
  type: string | null;
  number: string;
}

/** What a caller may set on an itemPhone: all of it on create, any subset on update. */
export type ItemPhoneSettable = Pick<
  ItemPhone,
  'allowedAudiences' | 'inference' | 'isSearchable' | 'source' | 'displayName' | 'type' | 'number'
>;

export function itemPhoneToWire(p: ItemPhone): Record<string, unknown> {
  return { ...itemFacetToWire(p), displayName: p.displayName, type: p.type, number: p.number };
}
