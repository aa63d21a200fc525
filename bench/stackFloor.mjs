// The stack's floor for bench/run.ts: what the service's own stack costs per request before any of its work. Fastify
// and pino (the project's versions, from node_modules) set up as src/app.ts and src/serve.ts set them up for every
// request: a request id from randomUUID, a child logger per request (pino at warn, as the bench runs the service),
// request-id and client-request-id headers from a hook, the per-request log line, and a parameterised route like GET
// one phone's. It answers bench/fixedAnswer.mjs's body, as the ceiling does, with no token, store or journal. The gap
// between this and the ceiling is Fastify's and pino's; the gap between the service and this is the service's own.
// Plain JavaScript run by node alone, like the ceiling.
//
//   node bench/stackFloor.mjs [port]      (listens on 127.0.0.1 only)
import { randomUUID } from 'node:crypto';
import Fastify, { LogController } from 'fastify';
import pino from 'pino';
import { CEILING_BODY, CEILING_CONTENT_TYPE } from './fixedAnswer.mjs';

const port = Number(process.argv[2] ?? 0);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`usage: stackFloor.mjs <port>  (got '${process.argv[2]}')\n`);
  process.exit(2);
}

const logger = pino(
  { level: 'warn', base: { service: 'stack-floor' }, timestamp: pino.stdTimeFunctions.isoTime },
  pino.destination({ dest: 1, sync: false }),
);
const app = Fastify({
  loggerInstance: logger,
  genReqId: () => randomUUID(),
  logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
  routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 8192 },
});
app.addHook('onRequest', (request, reply, done) => {
  const clientRequestId = request.headers['client-request-id'];
  reply.header('request-id', request.id).header('client-request-id', typeof clientRequestId === 'string' ? clientRequestId : request.id);
  done();
});
app.addHook('onResponse', (request, reply, done) => {
  request.log.info({ method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
  done();
});
const answer = (_request, reply) => {
  reply.code(200).type(CEILING_CONTENT_TYPE).header('odata-version', '4.0').send(CEILING_BODY);
};
app.get('/', answer); // what the runner polls for readiness
app.get('/beta/me/profile/phones/:phoneId', answer);

await app.listen({ port, host: '127.0.0.1' });
process.stdout.write(`stack floor listening on http://127.0.0.1:${app.server.address().port}\n`);
const stop = () => app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
