// itemFacet's values as the service keeps them: the types and constants every profile collection shares, below
// both the store (which keeps them) and the resources (which serve them), so that every import points down.
// Their EDM description (names, limits, wire order) is the resource layer's: profile/itemFacet.ts.

/** Graph's allowedAudiences members, in declaration order: a set of them is stored as bits in this order. */
export const ALLOWED_AUDIENCES = [
  'me',
  'family',
  'contacts',
  'groupMembers',
  'organization',
  'federatedOrganizations',
  'everyone',
  'unknownFutureValue',
] as const;

export type AllowedAudience = (typeof ALLOWED_AUDIENCES)[number];

export const DEFAULT_ALLOWED_AUDIENCES: readonly string[] = ['organization'];

export interface Identity {
  id: string | null;
  displayName: string | null;
}

/** Who created or changed an item (createdBy, lastModifiedBy). */
export interface IdentitySet {
  application: Identity | null;
  device: Identity | null;
  user: Identity | null;
}

export interface InferenceData {
  confidenceScore: number | null;
  userHasVerifiedAccuracy: boolean | null;
}

export interface PersonDataSources {
  type: (string | null)[] | null;
}

/** The values of an itemFacet a caller may set. */
export interface ItemFacetSettable {
  allowedAudiences: string[];
  inference: InferenceData | null;
  isSearchable: boolean | null;
  source: PersonDataSources | null;
}

/** The values the server keeps on every itemFacet. */
export interface ItemFacetManaged {
  id: string;
  createdDateTime: string;
  createdBy: IdentitySet;
  lastModifiedDateTime: string;
  lastModifiedBy: IdentitySet;
  /**
   * 1 when created, one more on every update. Not a Graph property (never on the wire): the entity tag is made
   * from it (graph/preconditions.ts), and conditional writes compare it.
   */
  version: number;
}

export type ItemFacet = ItemFacetManaged & ItemFacetSettable;

/** A collection's own values: an item's beyond itemFacet's. */
export type OwnValues<T extends ItemFacet> = Omit<T, keyof ItemFacet>;

/** What a caller may change of an item: itemFacet's settable values and the collection's own (any subset on update). */
export type ItemChanges<T extends ItemFacet> = Partial<ItemFacetSettable & OwnValues<T>>;

/** When and by whom an item was last changed. */
export interface Modification {
  readonly at: string;
  readonly by: IdentitySet;
}
