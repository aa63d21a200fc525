// itemPhone: the one description of the resource. It drives request validation, the stored
// values and the wire form.
import { edm, type EntityTypeDef } from '../../graph/edm.ts';
import type { EdmModel } from '../../graph/odata/metadata.ts';
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

/** itemFacet as an entity type, for $metadata. */
export const itemFacetType: EntityTypeDef = { name: 'microsoft.graph.itemFacet', properties: itemFacetProperties };

export const itemPhoneType: EntityTypeDef = {
  name: 'microsoft.graph.itemPhone',
  properties: {
    ...itemFacetType.properties,
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

/**
 * Exactly the types and entity sets this service serves, for $metadata: users and me, each user's
 * profile, and the profile's phones. Graph's user derives from directoryObject and its profile has
 * many more collections; only what is served is published.
 */
export const phonesEdmModel: EdmModel = {
  namespace: 'microsoft.graph',
  alias: 'graph',
  entityTypes: [
    { type: { name: 'microsoft.graph.entity', properties: { id: itemFacetProperties.id } }, abstract: true, key: ['id'] },
    {
      type: { name: 'microsoft.graph.user', properties: { id: itemFacetProperties.id } },
      baseType: 'microsoft.graph.entity',
      navigationProperties: [{ name: 'profile', target: 'microsoft.graph.profile', collection: false, containsTarget: true }],
    },
    {
      type: { name: 'microsoft.graph.profile', properties: { id: itemFacetProperties.id } },
      baseType: 'microsoft.graph.entity',
      navigationProperties: [{ name: 'phones', target: 'microsoft.graph.itemPhone', collection: true, containsTarget: true }],
    },
    { type: itemFacetType, baseType: 'microsoft.graph.entity', abstract: true },
    { type: itemPhoneType, baseType: 'microsoft.graph.itemFacet' },
  ],
  openComplexTypes: ['microsoft.graph.identitySet', 'microsoft.graph.identity'],
  container: {
    name: 'GraphService',
    entitySets: [{ name: 'users', entityType: 'microsoft.graph.user' }],
    singletons: [{ name: 'me', type: 'microsoft.graph.user' }],
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
