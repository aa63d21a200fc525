// The five itemPhone operations, on /me/profile/phones and /users/{id | userPrincipalName}/profile/phones.
// Thin: access is settled before the body is read (profile/access.ts), the body rules live in rules.ts,
// and persistence behind the store interface.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { graphErrors } from '../../graph/errors.ts';
import { jsonBody, methodNotAllowed, publicBase, sendJson } from '../../graph/http.ts';
import { contextUrl, refuseQueryOptions } from '../../graph/odata.ts';
import type { Operation } from '../../identity/policy.ts';
import type { PhoneStore } from '../../store/types.ts';
import type { ProfileAccess, ResolveProfileAccess } from '../access.ts';
import { graphTimestamp } from '../itemFacet.ts';
import { newPhone, phoneChanges } from './rules.ts';
import { itemPhoneToWire } from './schema.ts';

declare module 'fastify' {
  interface FastifyRequest {
    profileAccess: ProfileAccess | null;
  }
}

interface Deps {
  phones: PhoneStore;
  resolveAccess: ResolveProfileAccess;
  publicUrl: string | undefined;
}

type Params = { userId?: string; phoneId?: string };

const ROOTS = ['/beta/me/profile/phones', '/beta/users/:userId/profile/phones'];

export function registerPhoneRoutes(app: FastifyInstance, deps: Deps): void {
  const { phones, resolveAccess } = deps;
  app.decorateRequest('profileAccess', null);

  const access = (operation: Operation) =>
    async function authorize(request: FastifyRequest) {
      request.profileAccess = await resolveAccess(request, operation, (request.params as Params).userId);
      refuseQueryOptions(request.query);
    };
  const ctx = (request: FastifyRequest, a: ProfileAccess, suffix = '') =>
    contextUrl(publicBase(request, deps.publicUrl), `users('${a.owner.userId}')/profile/phones${suffix}`);
  const phoneUrl = (request: FastifyRequest, a: ProfileAccess, id: string) =>
    `${publicBase(request, deps.publicUrl)}/beta/users/${a.owner.userId}/profile/phones/${id}`;

  for (const root of ROOTS) {
    const item = `${root}/:phoneId`;

    app.get(root, { onRequest: access('read') }, async (request, reply) => {
      const a = request.profileAccess!;
      const value = (await phones.list(a.owner)).map(itemPhoneToWire);
      return sendJson(reply, 200, { '@odata.context': ctx(request, a), value });
    });

    app.post(root, { onRequest: access('write') }, async (request, reply) => {
      const a = request.profileAccess!;
      const phone = newPhone(jsonBody(request), a.actor);
      await phones.insert(a.owner, phone);
      reply.header('location', phoneUrl(request, a, phone.id));
      return sendJson(reply, 201, { '@odata.context': ctx(request, a, '/$entity'), ...itemPhoneToWire(phone) });
    });

    app.get(item, { onRequest: access('read') }, async (request, reply) => {
      const a = request.profileAccess!;
      const id = (request.params as Params).phoneId!;
      const phone = await phones.get(a.owner, id);
      if (!phone) throw graphErrors.itemNotFound('itemPhone', id);
      return sendJson(reply, 200, { '@odata.context': ctx(request, a, '/$entity'), ...itemPhoneToWire(phone) });
    });

    app.patch(item, { onRequest: access('write') }, async (request, reply) => {
      const a = request.profileAccess!;
      const id = (request.params as Params).phoneId!;
      const changes = phoneChanges(jsonBody(request));
      const phone = await phones.update(a.owner, id, changes, { at: graphTimestamp(), by: a.actor });
      if (!phone) throw graphErrors.itemNotFound('itemPhone', id);
      return sendJson(reply, 200, { '@odata.context': ctx(request, a, '/$entity'), ...itemPhoneToWire(phone) });
    });

    app.delete(item, { onRequest: access('write') }, async (request, reply) => {
      const a = request.profileAccess!;
      const id = (request.params as Params).phoneId!;
      if (!(await phones.delete(a.owner, id))) throw graphErrors.itemNotFound('itemPhone', id);
      return reply.code(204).send();
    });

    methodNotAllowed(app, root, ['GET', 'POST']);
    methodNotAllowed(app, item, ['GET', 'PATCH', 'DELETE']);
  }
}
