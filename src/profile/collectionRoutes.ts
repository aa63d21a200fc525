// The five operations of a profile collection, and $count, on /me/profile/{segment} and
// /users/{id | userPrincipalName}/profile/{segment}, for any collection's definition (collection.ts).
// Thin: access is settled before the body is read (access.ts), query options are read by graph/odata,
// If-Match and If-None-Match by graph/preconditions, the body rules are the collection's, and persistence
// is behind the store interface.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { graphErrors } from '../graph/errors.ts';
import { jsonBody, methodNotAllowed, sendJson, type PublicBase } from '../graph/http.ts';
import { contextUrl, selectedSuffix } from '../graph/odata/context.ts';
import { applySelect, systemQueryOptions } from '../graph/odata/collectionQuery.ts';
import { parseFilter, parseSelect } from '../graph/odata/parse.ts';
import { entityTag, evaluateOnCollection, evaluateRead, readPreconditions, writeCondition, writeRefused } from '../graph/preconditions.ts';
import type { SkipTokens } from '../graph/odata/skipToken.ts';
import type { Operation } from '../identity/policy.ts';
import type { ItemFacet } from '../model/itemFacet.ts';
import type { FacetStore } from '../store/types.ts';
import { profileAccessHook, profileAccessOf, type ProfileAccess, type ProfileParams, type ResolveProfileAccess } from './access.ts';
import { readableBy } from './audience.ts';
import { idParam, itemChanges, newItem, shortName, toWire, type ProfileCollection } from './collection.ts';
import { graphTimestamp } from './itemFacet.ts';
import { listPage } from './listPage.ts';

export interface CollectionRouteDeps {
  resolveAccess: ResolveProfileAccess;
  publicBase: PublicBase;
  skipTokens: SkipTokens;
}

/** The two forms of a profile's path: the caller's own, and a user's by id or userPrincipalName. */
export const PROFILE_ROOTS = ['/beta/me/profile', '/beta/users/:userId/profile'] as const;

type Route = { Params: ProfileParams };

export function registerCollectionRoutes<T extends ItemFacet>(
  app: FastifyInstance,
  collection: ProfileCollection<T>,
  store: FacetStore<T>,
  deps: CollectionRouteDeps,
): void {
  const { segment, entity } = collection;
  const typeName = shortName(collection);
  const param = idParam(collection);
  const access = (operation: Operation) => ({ onRequest: profileAccessHook(deps.resolveAccess, operation) });
  const base = deps.publicBase;
  const ctx = (request: FastifyRequest, a: ProfileAccess, suffix = '') =>
    contextUrl(base(request), `users('${a.owner.userId}')/profile/${segment}${suffix}`);
  const sendItem = (request: FastifyRequest, reply: FastifyReply, a: ProfileAccess, status: number, item: T) =>
    sendJson(reply.header('etag', entityTag(item.version)), status, { '@odata.context': ctx(request, a, '/$entity'), ...toWire(collection, item) });
  const itemId = (request: FastifyRequest<Route>) => request.params[param]!; // the route pattern has it
  const subject = (request: FastifyRequest<Route>) => `The ${typeName} with id '${itemId(request)}'`;
  const notFound = (request: FastifyRequest<Route>) => graphErrors.itemNotFound(typeName, itemId(request));
  /** What the caller may read of the owner's items (allowedAudiences, audience.ts). */
  const readable = (a: ProfileAccess) => readableBy(store, a, entity);

  for (const profile of PROFILE_ROOTS) {
    const root = `${profile}/${segment}`;
    const item = `${root}/:${param}`;

    app.get<Route>(root, access('read'), async (request, reply) => {
      evaluateOnCollection(readPreconditions(request), false);
      const a = profileAccessOf(request);
      const page = await listPage(request, a.owner, readable(a), entity, (i) => toWire(collection, i), deps.skipTokens, base(request));
      return sendJson(reply, 200, { '@odata.context': ctx(request, a, selectedSuffix(page.select)), ...page.body });
    });

    app.get<Route>(`${root}/$count`, access('read'), async (request, reply) => {
      const raw = systemQueryOptions(request.query, ['$filter']);
      evaluateOnCollection(readPreconditions(request), false);
      const filter = raw.$filter !== undefined ? parseFilter(raw.$filter, entity) : undefined;
      const a = profileAccessOf(request);
      const n = await readable(a).count(a.owner, filter);
      return reply.code(200).type('text/plain').send(String(n));
    });

    app.post<Route>(root, access('write'), async (request, reply) => {
      systemQueryOptions(request.query, []);
      evaluateOnCollection(readPreconditions(request), true);
      const a = profileAccessOf(request);
      const created = newItem(collection, jsonBody(request), a.actor);
      await store.insert(a.owner, created);
      reply.header('location', `${base(request)}/beta/users/${a.owner.userId}/profile/${segment}/${created.id}`);
      return sendItem(request, reply, a, 201, created);
    });

    app.get<Route>(item, access('read'), async (request, reply) => {
      const raw = systemQueryOptions(request.query, ['$select']);
      const select = raw.$select !== undefined ? parseSelect(raw.$select, entity) : undefined;
      const pre = readPreconditions(request);
      const a = profileAccessOf(request);
      const found = await readable(a).get(a.owner, itemId(request));
      if (!found) throw notFound(request);
      reply.header('etag', entityTag(found.version));
      if (evaluateRead(pre, found.version, subject(request)) === 'notModified') return reply.code(304).send();
      const wire = applySelect(toWire(collection, found), select);
      return sendJson(reply, 200, { '@odata.context': ctx(request, a, `${selectedSuffix(select)}/$entity`), ...wire });
    });

    app.patch<Route>(item, access('write'), async (request, reply) => {
      systemQueryOptions(request.query, []);
      const pre = readPreconditions(request);
      const a = profileAccessOf(request);
      const changes = itemChanges(collection, jsonBody(request));
      const updated = await store.update(a.owner, itemId(request), changes, { at: graphTimestamp(), by: a.actor }, writeCondition(pre));
      if (updated === 'notFound') throw notFound(request);
      if (updated === 'versionMismatch') throw writeRefused(pre, subject(request));
      return sendItem(request, reply, a, 200, updated);
    });

    app.delete<Route>(item, access('write'), async (request, reply) => {
      systemQueryOptions(request.query, []);
      const pre = readPreconditions(request);
      const a = profileAccessOf(request);
      const deleted = await store.delete(a.owner, itemId(request), writeCondition(pre));
      if (deleted === 'notFound') throw notFound(request);
      if (deleted === 'versionMismatch') throw writeRefused(pre, subject(request));
      return reply.code(204).send();
    });

    methodNotAllowed(app, root, ['GET', 'POST']);
    methodNotAllowed(app, `${root}/$count`, ['GET']);
    methodNotAllowed(app, item, ['GET', 'PATCH', 'DELETE']);
  }
}
