// Microsoft Graph's HTTP conventions, installed once on the app: request-id and client-request-id
// on every response, the error envelope for every failure (ours, Fastify's and Node's parser's),
// the JSON body parser, 404 and 405, and the content types Graph answers with.
import { randomUUID } from 'node:crypto';
import { METHODS, STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GraphError, errorBody, graphErrors } from './errors.ts';

/** What Graph sends with a successful JSON body. */
export const ODATA_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
/** Graph's errors use plain application/json (the v3 SDK parses error bodies only then). */
const ERROR_JSON = 'application/json';
export const MAX_BODY_BYTES = 64 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The body's bytes as the JSON parser read them, whole (null: no body was parsed). The request journal
     * (emulator/) shows them, with no stream of its own in the body's way.
     */
    rawBody: Buffer | null;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** A client-request-id is echoed when it is reasonable; it is never required (Kiota sends none). */
function clientRequestIdOf(request: FastifyRequest): string {
  const sent = request.headers['client-request-id'];
  if (typeof sent === 'string' && sent.length > 0 && sent.length <= 128 && /^[\x21-\x7e]+$/.test(sent)) return sent;
  return request.id; // Graph answers with the request-id when the client sent none
}

export const newRequestId = () => randomUUID();

export function sendError(request: FastifyRequest, reply: FastifyReply, err: GraphError): FastifyReply {
  reply.code(err.status).type(ERROR_JSON).headers(err.headers);
  // A Buffer, because Fastify appends "; charset=utf-8" to a JSON type sent as a string.
  return reply.send(Buffer.from(errorBody(err, request.id, clientRequestIdOf(request))));
}

export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type(ODATA_JSON).header('odata-version', '4.0').send(JSON.stringify(body));
}

/** The parsed JSON body of a POST or PATCH; a request without one is refused like Graph refuses it. */
export function jsonBody(request: FastifyRequest): unknown {
  if (request.body !== undefined) return request.body;
  if (!request.headers['content-type']) throw graphErrors.unsupportedMediaType(undefined);
  throw graphErrors.malformedJson();
}

/** The base URL the service names itself by in Location, @odata.context and @odata.nextLink (no trailing slash). */
export type PublicBase = (request: FastifyRequest) => string;

/**
 * PUBLIC_URL when configured; otherwise the scheme this service listens with and the Host the caller used.
 * The listener's scheme rather than the request socket's: inner $batch requests arrive through inject() on a
 * plain mock socket, and must still say https:// when the batch came over TLS.
 */
export function publicBaseOf(configured: string | undefined, scheme: 'http' | 'https'): PublicBase {
  return (request) => configured ?? `${scheme}://${request.host}`;
}

/** Turns Fastify's own errors (media type, body size, unroutable URLs) into Graph errors. */
function toGraphError(err: unknown, request: FastifyRequest): GraphError | undefined {
  if (err instanceof GraphError) return err;
  switch ((err as { code?: string }).code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return graphErrors.unsupportedMediaType(request.headers['content-type']);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return graphErrors.payloadTooLarge(MAX_BODY_BYTES);
    case 'FST_ERR_BAD_URL':
      return graphErrors.badQuery('The request URL is not valid (bad percent-encoding).');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return graphErrors.uriTooLong();
  }
  const status = (err as { statusCode?: number }).statusCode;
  // Any other refusal of Fastify's (e.g. a Content-Length that does not match the body) keeps its status.
  if (status && status >= 400 && status < 500) return graphErrors.refusedByHttp(status, (err as Error).message);
  return undefined;
}

function setRequestIdHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('request-id', request.id).header('client-request-id', clientRequestIdOf(request));
}

/**
 * Fastify reports a URL it cannot route (bad percent-encoding, an over-long segment) through its
 * `frameworkErrors` option, before any hook runs; this answers those in Graph's form too.
 */
export function frameworkErrors(err: Error, request: FastifyRequest, reply: FastifyReply): void {
  setRequestIdHeaders(request, reply);
  void sendError(request, reply, toGraphError(err, request) ?? graphErrors.badQuery(err.message));
}

/** Methods the service's routes take as Fastify defines them (PUT too: answered 405 once its body is read, as before). */
const HTTP_METHODS_SERVED = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export interface GraphConventionOptions {
  /**
   * Tells errors that mean "a dependency is down for now" (the database restarting, unreachable, busy):
   * they are answered 503 serviceNotAvailable with Retry-After, not 500. Given by whoever wires the app,
   * so that nothing here knows what the dependency is.
   */
  isUnavailable?: (err: unknown) => boolean;
}

export function installGraphConventions(app: FastifyInstance, options: GraphConventionOptions = {}): void {
  // Every method Node's parser knows (WebDAV's, PURGE, QUERY...) is routed, so that methodNotAllowed() answers
  // 405 with Allow for it on a path the service has; Fastify alone routes only some. Those the service never
  // serves are routed without a body, so that no Content-Type check comes before the 405. CONNECT never
  // reaches routing (refuseConnect).
  for (const method of METHODS) {
    if (method === 'CONNECT' || HTTP_METHODS_SERVED.has(method)) continue;
    app.addHttpMethod(method, { overrideExisting: app.supportedMethods.includes(method) });
  }
  // Hooks every request passes are written with a callback, not async: no promise and no extra turn per request.
  app.addHook('onRequest', (request, reply, done) => {
    setRequestIdHeaders(request, reply);
    done();
  });

  // One line per request, after the answer: cheap, and carries the request-id.
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      { method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
      'request',
    );
    done();
  });

  app.removeAllContentTypeParsers();
  app.decorateRequest('rawBody', null);
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (request, bytes, done) => {
    request.rawBody = bytes as Buffer;
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      done(graphErrors.unsupportedMediaType(request.headers['content-type']), undefined);
      return;
    }
    try {
      // fatal: bytes that are not UTF-8 are refused, never stored as U+FFFD; a BOM is allowed, as .NET allows it.
      done(null, JSON.parse(utf8.decode(bytes as Buffer)));
    } catch {
      done(graphErrors.malformedJson(), undefined);
    }
  });

  app.setErrorHandler((err, request, reply) => {
    const graphError = toGraphError(err, request);
    if (graphError) return sendError(request, reply, graphError);
    if (options.isUnavailable?.(err)) {
      request.log.warn({ err }, 'unavailable');
      return sendError(request, reply, graphErrors.serviceUnavailable('The service is temporarily unavailable. Retry after the time given in Retry-After.'));
    }
    request.log.error({ err }, 'unhandled error');
    return sendError(request, reply, graphErrors.internal());
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const segment = path.split('/').filter(Boolean).pop() ?? '';
    return sendError(request, reply, graphErrors.segmentNotFound(decodeSafe(segment)));
  });
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Answers 405 with Allow for every method a path does not serve (OPTIONS is CORS's, see app.ts). */
export function methodNotAllowed(app: FastifyInstance, url: string, allowed: readonly string[]): void {
  const served = new Set([...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])]);
  const others = app.supportedMethods.filter((m) => !served.has(m));
  app.route({
    method: others,
    url,
    handler: async (request, reply) => sendError(request, reply, graphErrors.methodNotAllowed(allowed)),
  });
}

/**
 * Node's HTTP parser rejects some requests before Fastify sees them (headers over the size limit, a method
 * that is no HTTP method, garbage bytes). They still get a Graph error body.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || (err as { code?: string }).code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return answerRaw(socket, graphErrors.headersTooLarge());
    case 'HPE_INVALID_METHOD':
      return answerRaw(socket, graphErrors.badQuery('The request method is not an HTTP method this service knows.'));
    default:
      return answerRaw(socket, graphErrors.badQuery('The request is not valid HTTP.'));
  }
}

/** CONNECT asks for a tunnel, which Node hands to the server's 'connect' listener instead of routing it. */
export function refuseConnect(_request: IncomingMessage, socket: Socket): void {
  answerRaw(socket, graphErrors.badQuery('CONNECT is not supported: this service is not a proxy.'));
}

/** An error written straight to a socket that never reached Fastify; the connection is closed after it. */
function answerRaw(socket: Socket, err: GraphError): void {
  const requestId = newRequestId();
  const body = errorBody(err, requestId, requestId);
  socket.end(
    `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status]}\r\n` +
      `content-type: ${ERROR_JSON}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nrequest-id: ${requestId}\r\n` +
      `client-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
  );
}
