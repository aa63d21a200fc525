// Injected faults over HTTP: POST /_emulator/faults adds one, GET lists them, DELETE removes one or all.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { graphErrors } from '../graph/errors.ts';
import { jsonBody, methodNotAllowed } from '../graph/http.ts';
import type { Faults } from './faults.ts';
import { CONTROL_PREFIX, controlRoute, sendControlJson } from './paths.ts';

type ById = FastifyRequest<{ Params: { faultId: string } }>;

export function registerFaultRoutes(app: FastifyInstance, faults: Faults): void {
  app.post(`${CONTROL_PREFIX}/faults`, controlRoute, async (request, reply) => {
    const fault = faults.add(jsonBody(request));
    return sendControlJson(reply.header('location', `${CONTROL_PREFIX}/faults/${fault.id}`), 201, fault);
  });
  app.get(`${CONTROL_PREFIX}/faults`, controlRoute, async (_request, reply) => sendControlJson(reply, 200, { value: faults.list() }));
  app.delete(`${CONTROL_PREFIX}/faults`, controlRoute, async (_request, reply) => {
    faults.clear();
    return reply.code(204).send();
  });
  app.get(`${CONTROL_PREFIX}/faults/:faultId`, controlRoute, async (request: ById, reply) => {
    const fault = faults.get(request.params.faultId.toLowerCase());
    if (!fault) throw graphErrors.faultNotFound(request.params.faultId);
    return sendControlJson(reply, 200, fault);
  });
  app.delete(`${CONTROL_PREFIX}/faults/:faultId`, controlRoute, async (request: ById, reply) => {
    if (!faults.remove(request.params.faultId.toLowerCase())) throw graphErrors.faultNotFound(request.params.faultId);
    return reply.code(204).send();
  });
  methodNotAllowed(app, `${CONTROL_PREFIX}/faults`, ['GET', 'POST', 'DELETE']);
  methodNotAllowed(app, `${CONTROL_PREFIX}/faults/:faultId`, ['GET', 'DELETE']);
}
