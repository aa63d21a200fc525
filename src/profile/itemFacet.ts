// itemFacet: the abstract base of every profile collection (phones, emails, addresses, ...), as an EDM type:
// its properties, their wire order, which ones a caller may set. A collection's entity type starts with these,
// so a second collection reuses them untouched. The values' types are the model's (model/itemFacet.ts).
import { edm, type EdmType, type EntityTypeDef, type PropertyDef } from '../graph/edm.ts';
import { ALLOWED_AUDIENCES } from '../model/itemFacet.ts';

/** Limits on source.type (Graph documents none; see docs/differences-from-graph.md). */
export const SOURCE_TYPE_LIMITS = { maxItems: 32, maxLength: 128 } as const;

const identity: EdmType = {
  kind: 'complex',
  name: 'microsoft.graph.identity',
  properties: {
    displayName: { type: edm.string(256), nullable: true, settable: false },
    id: { type: edm.string(256), nullable: true, settable: false },
  },
};

const identitySet: EdmType = {
  kind: 'complex',
  name: 'microsoft.graph.identitySet',
  properties: {
    application: { type: identity, nullable: true, settable: false },
    device: { type: identity, nullable: true, settable: false },
    user: { type: identity, nullable: true, settable: false },
  },
};

const readOnly = (type: EdmType): PropertyDef => ({ type, nullable: true, settable: false });

/** itemFacet's properties in the order Graph writes them (the seed example's order). */
export const itemFacetProperties = {
  id: { type: edm.string(36), nullable: false, settable: false },
  allowedAudiences: {
    // Graph's values: `me` is 0 (no audience beyond the owner), the others one bit each.
    type: { kind: 'enum', name: 'microsoft.graph.allowedAudiences', members: ALLOWED_AUDIENCES, flags: true, values: [0, 1, 2, 4, 8, 16, 32, 64] },
    nullable: false,
    // The CSDL leaves it nullable; the service refuses null (it defaults to organization instead).
    declaredNullable: true,
    settable: true,
  },
  inference: {
    type: {
      kind: 'complex',
      name: 'microsoft.graph.inferenceData',
      properties: {
        confidenceScore: { type: edm.double, nullable: true, settable: true },
        userHasVerifiedAccuracy: { type: edm.boolean, nullable: true, settable: true },
      },
    },
    nullable: true,
    settable: true,
  },
  createdDateTime: readOnly(edm.dateTimeOffset),
  createdBy: readOnly(identitySet),
  lastModifiedDateTime: readOnly(edm.dateTimeOffset),
  lastModifiedBy: readOnly(identitySet),
  isSearchable: { type: edm.boolean, nullable: true, settable: true },
  source: {
    // personDataSources, as production Graph beta and every generated SDK type it: `type` is a collection
    // of strings (items nullable). The CSDL excerpt and the docs still show the older personDataSource,
    // whose `type` is one string; that form is refused (docs/differences-from-graph.md).
    type: {
      kind: 'complex',
      name: 'microsoft.graph.personDataSources',
      properties: {
        type: {
          type: edm.collection(edm.string(SOURCE_TYPE_LIMITS.maxLength), { elementNullable: true, maxItems: SOURCE_TYPE_LIMITS.maxItems }),
          nullable: true,
          settable: true,
        },
      },
    },
    nullable: true,
    settable: true,
  },
} as const satisfies Record<string, PropertyDef>;

/** itemFacet as an entity type, for $metadata: the abstract base type of every collection's entity type. */
export const itemFacetType: EntityTypeDef = { name: 'microsoft.graph.itemFacet', properties: itemFacetProperties };

/**
 * Graph writes DateTimeOffset with seven fractional digits ("2020-07-06T06:34:12.2294868Z").
 * The clock gives milliseconds; the last four digits are zeros rather than invented precision.
 */
export function graphTimestamp(ms = Date.now()): string {
  const iso = new Date(ms).toISOString(); // always YYYY-MM-DDTHH:mm:ss.sssZ for the years a clock gives
  return `${iso.slice(0, -1)}0000Z`;
}
