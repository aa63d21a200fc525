// The /_emulator control routes: JSON in, JSON out, thin over the Emulator (index.ts). No token is asked for: the
// controls exist only in development identity mode, which listens on loopback only (as the `token` command, anyone
// who can reach them can mint tokens anyway).
import type { FastifyInstance } from 'fastify';
import { jsonBody, methodNotAllowed } from '../graph/http.ts';
import { registerFaultRoutes } from './faultRoutes.ts';
import type { Emulator } from './index.ts';
import { registerJournalRoutes } from './journalRoutes.ts';
import { CONTROL_PREFIX, controlRoute, sendControlJson } from './paths.ts';
import type { EmulatorTokenRequest } from './tokens.ts';

/** Every /_emulator route: the state controls here, the journal's and the faults' in their own files. */
export function registerEmulatorRoutes(app: FastifyInstance, emulator: Emulator): void {
  app.post(`${CONTROL_PREFIX}/reset`, controlRoute, async (_request, reply) => sendControlJson(reply, 200, await emulator.reset()));
  app.post(`${CONTROL_PREFIX}/seed`, controlRoute, async (request, reply) => sendControlJson(reply, 200, await emulator.seed(jsonBody(request))));
  app.post(`${CONTROL_PREFIX}/tokens`, controlRoute, async (request, reply) =>
    // The emulator checks the body's shape itself (it may come from in-process callers just as well).
    sendControlJson(reply, 200, await emulator.token(jsonBody(request) as EmulatorTokenRequest)),
  );
  for (const path of ['reset', 'seed', 'tokens']) methodNotAllowed(app, `${CONTROL_PREFIX}/${path}`, ['POST']);
  registerJournalRoutes(app, emulator.journal);
  registerFaultRoutes(app, emulator.faults);
}
