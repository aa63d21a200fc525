// Who sees which items of a profile: allowedAudiences, enforced on reads.
//
// Graph documents the audiences (me, family, contacts, groupMembers, organization, federatedOrganizations,
// everyone) but not how the profile service applies them to other readers, so this is the safest reading
// (docs/differences-from-graph.md):
// - the owner, and a caller who may change the owner's profile (an administrator), see every item;
// - any other reader (a colleague with User.Read.All, or an application) is in the owner's organization, and sees
//   the items shared with `organization`, `federatedOrganizations` or `everyone`: each includes the organization;
// - `family`, `contacts` and `groupMembers` name relationships the service does not know, so they never match,
//   and an item shared only with them (or only with `me`) is as absent to others: not listed, not counted, 404.
// Shared by every profile collection: it only needs the facet's allowedAudiences.
import type { EntityTypeDef } from '../graph/edm.ts';
import type { FilterExpr } from '../graph/odata/ast.ts';
import { parseFilter } from '../graph/odata/parse.ts';
import type { ItemFacet } from '../model/itemFacet.ts';
import { oncePer } from '../oncePer.ts';
import type { FacetStore } from '../store/types.ts';
import type { ProfileAccess } from './access.ts';

/** The audiences that include any reader of the owner's organization. */
export const ORGANIZATION_AUDIENCES: readonly string[] = ['organization', 'federatedOrganizations', 'everyone'];

/** The reads of a collection's store. */
export type FacetReads<T extends ItemFacet> = Pick<FacetStore<T>, 'list' | 'count' | 'get'>;

/** The audiences condition as a $filter of the entity type, parsed once per type. */
const organizationFilter = oncePer((entity: EntityTypeDef): FilterExpr =>
  parseFilter(ORGANIZATION_AUDIENCES.map((a) => `allowedAudiences has '${a}'`).join(' or '), entity),
);

const both = (a: FilterExpr | undefined, b: FilterExpr): FilterExpr => (a ? { kind: 'and', left: a, right: b } : b);

/** The store's reads as `access`'s caller may make them: everything, or only what is shared with the organization. */
export function readableBy<T extends ItemFacet>(store: FacetReads<T>, access: ProfileAccess, entity: EntityTypeDef): FacetReads<T> {
  if (access.seesEverything) return store;
  const shared = organizationFilter(entity);
  return {
    list: (owner, query) => store.list(owner, { ...query, filter: both(query.filter, shared) }),
    count: (owner, filter) => store.count(owner, both(filter, shared)),
    async get(owner, id) {
      const item = await store.get(owner, id);
      return item && item.allowedAudiences.some((a) => ORGANIZATION_AUDIENCES.includes(a)) ? item : undefined;
    },
  };
}
