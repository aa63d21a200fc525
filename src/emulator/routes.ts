// The /_emulator control routes: JSON in, JSON out, thin over the Emulator (index.ts). No token is asked for: the
// controls exist only in development identity mode, which listens on loopback only (as the `token` command, anyone
// who can reach them can mint tokens anyway).
import type { FastifyInstance, FastifyReply } from 'fastify';
import { jsonBody, methodNotAllowed } from '../graph/http.ts';
import type { Emulator } from './index.ts';
import type { EmulatorTokenRequest } from './tokens.ts';

/** Where the controls live: beside /beta, never inside it (they are not Graph's). */
export const EMULATOR_ROOT = '/_emulator';

// A test suite's own set-up calls must never spend the throttling budget (RATE_LIMIT) of the app under test.
const control = { config: { rateLimit: false } };

/** The controls' answers are plain JSON (not OData: no @odata annotations, no odata-version). */
const sendControlJson = (reply: FastifyReply, body: unknown) => reply.code(200).type('application/json; charset=utf-8').send(JSON.stringify(body));

export function registerEmulatorRoutes(app: FastifyInstance, emulator: Emulator): void {
  app.post(`${EMULATOR_ROOT}/reset`, control, async (_request, reply) => sendControlJson(reply, await emulator.reset()));
  app.post(`${EMULATOR_ROOT}/seed`, control, async (request, reply) => sendControlJson(reply, await emulator.seed(jsonBody(request))));
  app.post(`${EMULATOR_ROOT}/tokens`, control, async (request, reply) =>
    // The emulator checks the body's shape itself (it may come from in-process callers just as well).
    sendControlJson(reply, await emulator.token(jsonBody(request) as EmulatorTokenRequest)),
  );
  for (const path of ['reset', 'seed', 'tokens']) methodNotAllowed(app, `${EMULATOR_ROOT}/${path}`, ['POST']);
}
