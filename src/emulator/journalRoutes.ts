// The request journal over HTTP: GET /_emulator/requests (and /count) with ?method=&path=&status=, DELETE to forget.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { methodNotAllowed } from '../graph/http.ts';
import { filterFromQuery, type RequestJournal } from './journal.ts';
import { CONTROL_PREFIX, controlRoute, sendControlJson } from './paths.ts';

const filterOf = (request: FastifyRequest) => filterFromQuery(request.query as Record<string, unknown>);

export function registerJournalRoutes(app: FastifyInstance, journal: RequestJournal): void {
  app.get(`${CONTROL_PREFIX}/requests`, controlRoute, async (request, reply) => {
    const value = journal.list(filterOf(request));
    return sendControlJson(reply, 200, { count: value.length, value });
  });
  app.delete(`${CONTROL_PREFIX}/requests`, controlRoute, async (request, reply) => {
    journal.remove(filterOf(request));
    return reply.code(204).send();
  });
  app.get(`${CONTROL_PREFIX}/requests/count`, controlRoute, async (request, reply) => sendControlJson(reply, 200, { count: journal.count(filterOf(request)) }));
  methodNotAllowed(app, `${CONTROL_PREFIX}/requests`, ['GET', 'DELETE']);
  methodNotAllowed(app, `${CONTROL_PREFIX}/requests/count`, ['GET']);
}
