// The five itemPhone operations, and $count, on /me/profile/phones and /users/{id | userPrincipalName}/profile/phones.
// Thin: access is settled before the body is read (profile/access.ts), query options are read by
// graph/odata, If-Match and If-None-Match by graph/preconditions, the body rules live in rules.ts, and
// persistence behind the store interface.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { graphErrors } from '../../graph/errors.ts';
import { jsonBody, methodNotAllowed, sendJson, type PublicBase } from '../../graph/http.ts';
import { contextUrl } from '../../graph/odata/context.ts';
import { applySelect, systemQueryOptions } from '../../graph/odata/collectionQuery.ts';
import { parseFilter, parseSelect } from '../../graph/odata/parse.ts';
import { entityTag, evaluateOnCollection, evaluateRead, readPreconditions, writeCondition, writeRefused } from '../../graph/preconditions.ts';
import type { SkipTokens } from '../../graph/odata/skipToken.ts';
import type { Operation } from '../../identity/policy.ts';
import type { PhoneStore } from '../../store/types.ts';
import { profileAccessHook, type ProfileAccess, type ResolveProfileAccess } from '../access.ts';
import { readableBy } from '../audience.ts';
import { graphTimestamp } from '../itemFacet.ts';
import { listPage } from '../listPage.ts';
import { newPhone, phoneChanges } from './rules.ts';
import { itemPhoneToWire, itemPhoneType, type ItemPhone } from './schema.ts';

interface Deps {
  phones: PhoneStore;
  resolveAccess: ResolveProfileAccess;
  publicBase: PublicBase;
  skipTokens: SkipTokens;
}

type Params = { phoneId?: string };

const ROOTS = ['/beta/me/profile/phones', '/beta/users/:userId/profile/phones'];

export function registerPhoneRoutes(app: FastifyInstance, deps: Deps): void {
  const { phones, resolveAccess } = deps;
  const access = (operation: Operation) => ({ onRequest: profileAccessHook(resolveAccess, operation) });
  const base = deps.publicBase;
  const ctx = (request: FastifyRequest, a: ProfileAccess, suffix = '') =>
    contextUrl(base(request), `users('${a.owner.userId}')/profile/phones${suffix}`);
  const selected = (select: readonly string[] | undefined) => (select ? `(${select.join(',')})` : '');
  const sendPhone = (request: FastifyRequest, reply: FastifyReply, a: ProfileAccess, status: number, phone: ItemPhone) =>
    sendJson(reply.header('etag', entityTag(phone.version)), status, { '@odata.context': ctx(request, a, '/$entity'), ...itemPhoneToWire(phone) });
  const phoneId = (request: FastifyRequest) => (request.params as Params).phoneId!;
  const subject = (request: FastifyRequest) => `The itemPhone with id '${phoneId(request)}'`;
  /** What the caller may read of the owner's phones (allowedAudiences, profile/audience.ts). */
  const readable = (a: ProfileAccess) => readableBy(phones, a, itemPhoneType);

  for (const root of ROOTS) {
    const item = `${root}/:phoneId`;

    app.get(root, access('read'), async (request, reply) => {
      evaluateOnCollection(readPreconditions(request), false);
      const a = request.profileAccess!;
      const page = await listPage(request, a.owner, readable(a), itemPhoneType, itemPhoneToWire, deps.skipTokens, base(request));
      return sendJson(reply, 200, { '@odata.context': ctx(request, a, selected(page.select)), ...page.body });
    });

    app.get(`${root}/$count`, access('read'), async (request, reply) => {
      const raw = systemQueryOptions(request.query, ['$filter']);
      evaluateOnCollection(readPreconditions(request), false);
      const filter = raw.$filter !== undefined ? parseFilter(raw.$filter, itemPhoneType) : undefined;
      const a = request.profileAccess!;
      const n = await readable(a).count(a.owner, filter);
      return reply.code(200).type('text/plain').send(String(n));
    });

    app.post(root, access('write'), async (request, reply) => {
      systemQueryOptions(request.query, []);
      evaluateOnCollection(readPreconditions(request), true);
      const a = request.profileAccess!;
      const phone = newPhone(jsonBody(request), a.actor);
      await phones.insert(a.owner, phone);
      reply.header('location', `${base(request)}/beta/users/${a.owner.userId}/profile/phones/${phone.id}`);
      return sendPhone(request, reply, a, 201, phone);
    });

    app.get(item, access('read'), async (request, reply) => {
      const raw = systemQueryOptions(request.query, ['$select']);
      const select = raw.$select !== undefined ? parseSelect(raw.$select, itemPhoneType) : undefined;
      const pre = readPreconditions(request);
      const a = request.profileAccess!;
      const phone = await readable(a).get(a.owner, phoneId(request));
      if (!phone) throw graphErrors.itemNotFound('itemPhone', phoneId(request));
      reply.header('etag', entityTag(phone.version));
      if (evaluateRead(pre, phone.version, subject(request)) === 'notModified') return reply.code(304).send();
      const wire = applySelect(itemPhoneToWire(phone), select);
      return sendJson(reply, 200, { '@odata.context': ctx(request, a, `${selected(select)}/$entity`), ...wire });
    });

    app.patch(item, access('write'), async (request, reply) => {
      systemQueryOptions(request.query, []);
      const pre = readPreconditions(request);
      const a = request.profileAccess!;
      const changes = phoneChanges(jsonBody(request));
      const phone = await phones.update(a.owner, phoneId(request), changes, { at: graphTimestamp(), by: a.actor }, writeCondition(pre));
      if (phone === 'notFound') throw graphErrors.itemNotFound('itemPhone', phoneId(request));
      if (phone === 'versionMismatch') throw writeRefused(pre, subject(request));
      return sendPhone(request, reply, a, 200, phone);
    });

    app.delete(item, access('write'), async (request, reply) => {
      systemQueryOptions(request.query, []);
      const pre = readPreconditions(request);
      const a = request.profileAccess!;
      const deleted = await phones.delete(a.owner, phoneId(request), writeCondition(pre));
      if (deleted === 'notFound') throw graphErrors.itemNotFound('itemPhone', phoneId(request));
      if (deleted === 'versionMismatch') throw writeRefused(pre, subject(request));
      return reply.code(204).send();
    });

    methodNotAllowed(app, root, ['GET', 'POST']);
    methodNotAllowed(app, `${root}/$count`, ['GET']);
    methodNotAllowed(app, item, ['GET', 'PATCH', 'DELETE']);
  }
}
