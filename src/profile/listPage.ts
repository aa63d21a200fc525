// One page of a profile collection, as Graph answers a list: $filter, $orderby, $select, $top, $skip,
// $count, and an @odata.nextLink whose $skiptoken continues after the last row served (keyset paging:
// rows added or removed between pages neither repeat nor go missing). Shared by every profile collection.
import type { FastifyRequest } from 'fastify';
import type { EntityTypeDef } from '../graph/edm.ts';
import { graphErrors } from '../graph/errors.ts';
import type { LiteralValue, OrderByItem } from '../graph/odata/ast.ts';
import { applySelect, readCollectionQuery } from '../graph/odata/collectionQuery.ts';
import { parseOrderBy } from '../graph/odata/parse.ts';
import type { SkipTokens } from '../graph/odata/skipToken.ts';
import type { ItemFacet } from '../model/itemFacet.ts';
import type { ProfileOwner } from '../model/profileOwner.ts';
import { oncePer } from '../oncePer.ts';
import type { FacetStore } from '../store/types.ts';

export interface Page {
  readonly select: readonly string[] | undefined;
  /** @odata.count and @odata.nextLink when due, then value. */
  readonly body: Record<string, unknown>;
}

interface Orders {
  /** Graph's default order for profile collections (createdDateTime), then id so that every position is unique. */
  readonly byDefault: readonly OrderByItem[];
  /** id, appended to a requested order that lacks it. */
  readonly byId: readonly OrderByItem[];
}

/** Parsed once per entity type, not per request. */
const orders = oncePer(
  (entity: EntityTypeDef): Orders => ({ byDefault: parseOrderBy('createdDateTime,id', entity), byId: parseOrderBy('id', entity) }),
);

/** The order a collection is listed in when the request names none. */
export const defaultOrder = (entity: EntityTypeDef): readonly OrderByItem[] => orders(entity).byDefault;

function completeOrder(entity: EntityTypeDef, requested: readonly OrderByItem[]): readonly OrderByItem[] {
  if (requested.length === 0) return orders(entity).byDefault;
  if (requested.some((o) => o.property.path.join('/') === 'id')) return requested;
  return [...requested, ...orders(entity).byId];
}

function valueAt(wire: Record<string, unknown>, path: readonly string[]): LiteralValue {
  let v: unknown = wire;
  for (const name of path) v = v === null || typeof v !== 'object' ? null : (v as Record<string, unknown>)[name];
  return (v ?? null) as LiteralValue;
}

/** Query-string encoding that keeps `$`, `,`, `'` and `/` readable, as Graph's links do. */
const encode = (v: string) => encodeURIComponent(v).replace(/%24/g, '$').replace(/%2C/gi, ',').replace(/%2F/gi, '/');

export async function listPage<T extends ItemFacet>(
  request: FastifyRequest,
  owner: ProfileOwner,
  store: Pick<FacetStore<T>, 'list' | 'count'>,
  entity: EntityTypeDef,
  toWire: (item: T) => Record<string, unknown>,
  skipTokens: SkipTokens,
  base: string,
): Promise<Page> {
  const q = readCollectionQuery(request.query, entity);
  const orderBy = completeOrder(entity, q.orderBy);
  // A token is only good for the owner and the query that made it.
  const scope = [owner.tenantId, owner.userId, q.raw.$filter ?? '', q.raw.$orderby ?? ''].join('\n');
  if (q.skipToken !== undefined && q.raw.$skip !== undefined) {
    throw graphErrors.badQuery("'$skip' cannot be combined with '$skiptoken'. Follow @odata.nextLink exactly as it was received.");
  }
  const after = q.skipToken !== undefined ? skipTokens.read(q.skipToken, scope, orderBy.length) : undefined;

  const rows = q.top === 0 ? [] : await store.list(owner, { filter: q.filter, orderBy, after, skip: q.skip, limit: q.top + 1 });
  const page = rows.slice(0, q.top).map(toWire);
  const body: Record<string, unknown> = {};
  if (q.count) body['@odata.count'] = await store.count(owner, q.filter);
  if (rows.length > q.top) {
    const last = page[page.length - 1]!;
    const token = skipTokens.make(orderBy.map((o) => valueAt(last, o.property.path)), scope);
    const kept = Object.entries(q.raw).filter(([name]) => name !== '$skip' && name !== '$skiptoken');
    const query = [...kept, ['$skiptoken', token]].map(([name, value]) => `${name}=${encode(value!)}`).join('&');
    body['@odata.nextLink'] = `${base}${request.url.split('?')[0]}?${query}`;
  }
  body.value = page.map((w) => applySelect(w, q.select));
  return { select: q.select, body };
}
