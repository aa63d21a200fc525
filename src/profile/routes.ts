// The profile entity itself (GET /me/profile, /users/{id | upn}/profile), with $expand bringing any of its
// collections inline as Graph does ("phones@odata.context" then "phones").
import type { FastifyInstance } from 'fastify';
import { graphErrors } from '../graph/errors.ts';
import { methodNotAllowed, sendJson, type PublicBase } from '../graph/http.ts';
import { applySelect, MAX_PAGE_SIZE, systemQueryOptions } from '../graph/odata/collectionQuery.ts';
import { contextUrl, selectedSuffix } from '../graph/odata/context.ts';
import { parseSelect } from '../graph/odata/parse.ts';
import type { Store } from '../store/types.ts';
import { profileAccessHook, profileAccessOf, type ProfileParams, type ResolveProfileAccess } from './access.ts';
import { readableBy } from './audience.ts';
import { toWire, type ProfileCollection } from './collection.ts';
import { PROFILE_ROOTS } from './collectionRoutes.ts';
import { defaultOrder } from './listPage.ts';

interface Expansion {
  readonly collection: ProfileCollection<any>;
  readonly select: readonly string[] | undefined;
}

/** The items of $expand (`phones`, `phones($select=a,b)`, ...): commas outside parentheses separate them. */
function expandItems(expand: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expand.length; i++) {
    if (expand[i] === '(') depth++;
    else if (expand[i] === ')') depth--;
    else if (expand[i] === ',' && depth === 0) {
      items.push(expand.slice(start, i));
      start = i + 1;
    }
  }
  items.push(expand.slice(start));
  return items;
}

/** Each item names a collection, with $select the one nested option supported. */
function readExpand(expand: string, collections: readonly ProfileCollection<any>[]): Expansion[] {
  return expandItems(expand).map((item) => {
    const m = /^\s*([A-Za-z]+)\s*(?:\((.*)\))?\s*$/.exec(item);
    const collection = m && collections.find((c) => c.segment === m[1]);
    if (!m || !collection) {
      const served = collections.map((c) => c.segment).join(', ');
      throw graphErrors.badQuery(`Could not expand '${item}': the profile's navigation properties served here are: ${served}.`);
    }
    if (m[2] === undefined) return { collection, select: undefined };
    const nested = /^\s*\$select\s*=\s*([^;]*)$/i.exec(m[2]);
    if (!nested) throw graphErrors.badQuery(`Only $select is supported inside $expand=${collection.segment}(...), got '${m[2]}'.`);
    return { collection, select: parseSelect(nested[1]!, collection.entity) };
  });
}

export function registerProfileRoutes(
  app: FastifyInstance,
  deps: { collections: readonly ProfileCollection<any>[]; store: Store; resolveAccess: ResolveProfileAccess; publicBase: PublicBase },
): void {
  for (const path of PROFILE_ROOTS) {
    app.get<{ Params: ProfileParams }>(path, { onRequest: profileAccessHook(deps.resolveAccess, 'read') }, async (request, reply) => {
      const raw = systemQueryOptions(request.query, ['$expand']);
      const a = profileAccessOf(request);
      const base = deps.publicBase(request);
      const profile = `users('${a.owner.userId}')/profile`;
      const body: Record<string, unknown> = { '@odata.context': contextUrl(base, `${profile}/$entity`), id: a.owner.userId };
      for (const { collection, select } of raw.$expand !== undefined ? readExpand(raw.$expand, deps.collections) : []) {
        const { segment, entity } = collection;
        // Inline collections are not paged: at most one page of the largest size.
        const items = await readableBy(deps.store.facets(collection.table), a, entity).list(a.owner, {
          orderBy: defaultOrder(entity),
          skip: 0,
          limit: MAX_PAGE_SIZE,
        });
        body[`${segment}@odata.context`] = contextUrl(base, `${profile}/${segment}${selectedSuffix(select)}`);
        body[segment] = items.map((i) => applySelect(toWire(collection, i), select));
      }
      return sendJson(reply, 200, body);
    });
    methodNotAllowed(app, path, ['GET']);
  }
}
