// The profile entity itself (GET /me/profile, /users/{id | upn}/profile), with $expand=phones bringing
// the phones inline as Graph does ("phones@odata.context" then "phones").
import type { FastifyInstance } from 'fastify';
import { graphErrors } from '../graph/errors.ts';
import { methodNotAllowed, sendJson, type PublicBase } from '../graph/http.ts';
import { applySelect, MAX_PAGE_SIZE, systemQueryOptions } from '../graph/odata/collectionQuery.ts';
import { contextUrl } from '../graph/odata/context.ts';
import { parseSelect } from '../graph/odata/parse.ts';
import type { PhoneStore } from '../store/types.ts';
import { profileAccessHook, type ResolveProfileAccess } from './access.ts';
import { readableBy } from './audience.ts';
import { defaultOrder } from './listPage.ts';
import { itemPhoneToWire, itemPhoneType } from './phones/schema.ts';

/** `phones` or `phones($select=a,b)`: the one navigation property served, with the one nested option supported. */
function readExpand(expand: string): { select: readonly string[] | undefined } {
  const m = /^\s*phones\s*(?:\((.*)\))?\s*$/.exec(expand);
  if (!m) {
    throw graphErrors.badQuery(`Could not expand '${expand}': the profile's navigation properties served here are: phones.`);
  }
  if (m[1] === undefined) return { select: undefined };
  const nested = /^\s*\$select\s*=\s*([^;]*)$/i.exec(m[1]);
  if (!nested) throw graphErrors.badQuery(`Only $select is supported inside $expand=phones(...), got '${m[1]}'.`);
  return { select: parseSelect(nested[1]!, itemPhoneType) };
}

export function registerProfileRoutes(
  app: FastifyInstance,
  deps: { phones: PhoneStore; resolveAccess: ResolveProfileAccess; publicBase: PublicBase },
): void {
  const order = defaultOrder(itemPhoneType);
  for (const path of ['/beta/me/profile', '/beta/users/:userId/profile']) {
    app.get(path, { onRequest: profileAccessHook(deps.resolveAccess, 'read') }, async (request, reply) => {
      const raw = systemQueryOptions(request.query, ['$expand']);
      const a = request.profileAccess!;
      const base = deps.publicBase(request);
      const profile = `users('${a.owner.userId}')/profile`;
      const body: Record<string, unknown> = { '@odata.context': contextUrl(base, `${profile}/$entity`), id: a.owner.userId };
      if (raw.$expand !== undefined) {
        const { select } = readExpand(raw.$expand);
        // Inline collections are not paged: at most one page of the largest size.
        const phones = await readableBy(deps.phones, a, itemPhoneType).list(a.owner, { orderBy: order, skip: 0, limit: MAX_PAGE_SIZE });
        body['phones@odata.context'] = contextUrl(base, `${profile}/phones${select ? `(${select.join(',')})` : ''}`);
        body.phones = phones.map((p) => applySelect(itemPhoneToWire(p), select));
      }
      return sendJson(reply, 200, body);
    });
    methodNotAllowed(app, path, ['GET']);
  }
}
