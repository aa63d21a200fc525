// JSON batching: POST /beta/$batch, as Microsoft Graph does it (concepts/json-batching.md).
//
// Only the envelope is handled here. Every inner request is replayed through the same Fastify app with
// app.inject(), carrying the outer request's Authorization, so identity, permissions, validation and
// error handling are exactly those of a direct request: nothing is reimplemented.
//
// Choices (also in docs/differences-from-graph.md):
// - A malformed batch (not JSON, no `requests` array, none or more than 20 requests, a request that is
//   not an object, a missing or non-string id/method/url, an unknown method, duplicate ids compared
//   case-insensitively, headers that are not an object of strings, a body without a Content-Type header,
//   a dependsOn that is not a list of other ids in the batch, or a dependency cycle) is answered 400
//   BadRequest as a whole, and nothing runs.
// - A well-formed request whose URL cannot be served from this batch (absolute, another version such as
//   /v1.0/..., an explicit /beta/ prefix, "." or ".." segments, or a nested $batch) is answered 400
//   BadRequest in its own response; the rest of the batch runs.
// - Requests run one at a time, in an order that honours dependsOn (array order otherwise); responses
//   come back in the order of the requests. A request whose dependency answered >= 400 (including 424)
//   is not run and answers 424 FailedDependency.
// - The outer POST needs no token of its own: its Authorization header is passed to every inner request
//   (an Authorization header inside the batch is ignored), and each inner request answers 401/403 itself.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, graphErrors, type GraphError } from './errors.ts';
import { jsonBody, methodNotAllowed, newRequestId, sendJson } from './http.ts';

export const MAX_BATCH_REQUESTS = 20;
/** The methods an inner request may use. */
export const BATCH_METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']);
/** Headers of an inner request that the batch sets itself (or that describe the outer message). */
const DROPPED_INNER_HEADERS = new Set(['authorization', 'host', 'content-length', 'transfer-encoding', 'connection', 'expect', 'upgrade']);
/** Response headers copied into an inner response, with the spelling Graph uses there. */
const RESPONSE_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['content-type', 'Content-Type'],
  ['location', 'Location'],
  ['etag', 'ETag'],
  ['odata-version', 'OData-Version'],
  ['retry-after', 'Retry-After'],
  ['www-authenticate', 'WWW-Authenticate'],
  ['allow', 'Allow'],
  ['request-id', 'request-id'],
  ['client-request-id', 'client-request-id'],
];

/** The batch step an inner request replays: hooks that see every request (the request journal) ask it. */
export interface BatchStep {
  readonly outer: FastifyRequest;
  /** The inner request's `id` in the batch. */
  readonly id: string;
}
/**
 * How an inner request knows the step it replays: sent with this header, whose value is a random key of `steps` while
 * the request runs. A client cannot pass for a step: a key it sends names none (unless it guesses a UUID in flight).
 * Not an AsyncLocalStorage: once one had run, Node's promise hooks stayed on for the rest of the process, and every
 * later request cost a sixth to a third more CPU (with the in-process test helper, every promise of the test suite
 * paid too; bench/RESULTS.md, issue 15). Turned off after each batch (its experimental disable()), the hooks would still
 * slow every request answered while a batch runs. Nor a request type per step (inject's `Request` option, which
 * light-my-request builds anew for each request): each inner request cost about 70% more.
 */
export const BATCH_STEP_HEADER = 'x-graph-phones-batch-step';
const steps = new Map<string, BatchStep>();

/** The batch step `request` replays, when it is an inner request of a $batch. */
export function batchStepOf(request: FastifyRequest): BatchStep | undefined {
  const key = request.headers[BATCH_STEP_HEADER];
  return typeof key === 'string' ? steps.get(key) : undefined;
}

interface BatchRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  hasBody: boolean;
  dependsOn: string[];
}

export interface BatchResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

const malformed = (message: string) => graphErrors.badQuery(`Invalid batch payload: ${message}`);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates the whole envelope; throws a 400 GraphError for a malformed batch. */
export function parseBatch(payload: unknown): BatchRequest[] {
  if (!isObject(payload) || !Array.isArray(payload.requests)) throw malformed("the body must be a JSON object with a 'requests' array.");
  const raw = payload.requests;
  if (raw.length === 0) throw malformed("'requests' must contain at least one request.");
  if (raw.length > MAX_BATCH_REQUESTS) {
    throw malformed(`a batch can contain at most ${MAX_BATCH_REQUESTS} requests; this one has ${raw.length}.`);
  }
  const seen = new Map<string, string>();
  const requests = raw.map((r: unknown, index): BatchRequest => {
    const where = `request at index ${index}`;
    if (!isObject(r)) throw malformed(`the ${where} is not a JSON object.`);
    const { id, method, url, headers, body, dependsOn } = r;
    if (typeof id !== 'string' || id.length === 0) throw malformed(`the ${where} has no 'id' (a non-empty string).`);
    const key = id.toLowerCase();
    if (seen.has(key)) throw malformed(`the request id '${id}' is used more than once (ids are compared case-insensitively).`);
    seen.set(key, id);
    if (typeof method !== 'string' || method.length === 0) throw malformed(`request '${id}' has no 'method'.`);
    const upper = method.toUpperCase();
    if (!BATCH_METHODS.has(upper)) throw malformed(`request '${id}' has the method '${method}'; the methods are ${[...BATCH_METHODS].join(', ')}.`);
    if (typeof url !== 'string' || url.length === 0) throw malformed(`request '${id}' has no 'url'.`);
    const innerHeaders: Record<string, string> = {};
    if (headers !== undefined && headers !== null) {
      if (!isObject(headers)) throw malformed(`the 'headers' of request '${id}' must be a JSON object.`);
      for (const [name, value] of Object.entries(headers)) {
        if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
          throw malformed(`the header '${name}' of request '${id}' must be a string.`);
        }
        innerHeaders[name.toLowerCase()] = String(value);
      }
    }
    const hasBody = body !== undefined;
    if (hasBody && !innerHeaders['content-type']) {
      throw malformed(`request '${id}' has a body but no Content-Type header; 'headers' must give one when 'body' is present.`);
    }
    let deps: string[] = [];
    if (dependsOn !== undefined && dependsOn !== null) {
      if (!Array.isArray(dependsOn) || dependsOn.some((d) => typeof d !== 'string')) {
        throw malformed(`the 'dependsOn' of request '${id}' must be an array of request ids.`);
      }
      deps = dependsOn as string[];
    }
    return { id, method: upper, url, headers: innerHeaders, body, hasBody, dependsOn: deps };
  });
  // Second pass, once every id is known: dependencies name other requests of this batch.
  for (const r of requests) {
    r.dependsOn = r.dependsOn.map((d) => {
      const found = seen.get(d.toLowerCase());
      if (found === undefined) throw malformed(`request '${r.id}' depends on '${d}', which is not a request of this batch.`);
      if (found === r.id) throw malformed(`request '${r.id}' depends on itself.`);
      return found;
    });
  }
  return requests;
}

/** The requests in an order that runs every dependency first (array order otherwise); refuses cycles. */
export function executionOrder(requests: readonly BatchRequest[]): BatchRequest[] {
  const done = new Set<string>();
  const order: BatchRequest[] = [];
  while (order.length < requests.length) {
    const next = requests.find((r) => !done.has(r.id) && r.dependsOn.every((d) => done.has(d)));
    if (!next) {
      const stuck = requests.filter((r) => !done.has(r.id)).map((r) => `'${r.id}'`);
      throw malformed(`the dependsOn of requests ${stuck.join(', ')} form a cycle.`);
    }
    done.add(next.id);
    order.push(next);
  }
  return order;
}

/** Why a request's URL cannot be served from this batch, or undefined with the path to inject. */
function resolveUrl(url: string): { path: string } | { refusal: string } {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//') || url.startsWith('\\')) {
    return { refusal: `The request URL '${url}' must be relative to /beta (for example '/me/profile/phones'), not absolute.` };
  }
  if (/[\s#\\]/.test(url)) return { refusal: `The request URL '${url}' is not valid.` };
  const relative = url.replace(/^\/+/, '');
  const path = relative.split('?')[0]!;
  const segments = path.split('/').map((s) => {
    try {
      return decodeURIComponent(s).toLowerCase();
    } catch {
      return s.toLowerCase();
    }
  });
  const first = segments[0] ?? '';
  if (first === 'beta' || first === 'v1.0' || /^v\d/.test(first)) {
    return { refusal: `The request URL '${url}' names a version; URLs in a /beta/$batch are relative to /beta (for example '/me/profile/phones').` };
  }
  if (segments.some((s) => s === '.' || s === '..')) return { refusal: `The request URL '${url}' must not contain '.' or '..' segments.` };
  if (segments.some((s) => s === '$batch')) return { refusal: 'A $batch request cannot be nested inside another batch.' };
  return { path: `/beta/${relative}` };
}

/** An inner response the batch answers itself (the request never reached the app). */
function errorResponse(r: BatchRequest, err: GraphError): BatchResponse {
  const requestId = newRequestId();
  const clientRequestId = r.headers['client-request-id'] || requestId;
  return {
    id: r.id,
    status: err.status,
    headers: { 'Content-Type': 'application/json', 'request-id': requestId, 'client-request-id': clientRequestId },
    body: JSON.parse(errorBody(err, requestId, clientRequestId)),
  };
}

function innerPayload(r: BatchRequest): string | Buffer | undefined {
  if (!r.hasBody) return undefined;
  const type = r.headers['content-type'] ?? '';
  // Graph: a body is JSON, or base64 for anything else.
  if (typeof r.body === 'string' && !/json/i.test(type)) return Buffer.from(r.body, 'base64');
  return JSON.stringify(r.body);
}

function responseBody(contentType: string | undefined, raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  if (contentType && /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType)) {
    try {
      return JSON.parse(raw.toString('utf8'));
    } catch {
      // fall through: sent as it came
    }
  }
  if (contentType && /^text\//i.test(contentType)) return raw.toString('utf8');
  return raw.toString('base64');
}

async function runOne(app: FastifyInstance, outer: FastifyRequest, r: BatchRequest): Promise<BatchResponse> {
  const target = resolveUrl(r.url);
  if ('refusal' in target) return errorResponse(r, graphErrors.badQuery(target.refusal));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(r.headers)) if (!DROPPED_INNER_HEADERS.has(name)) headers[name] = value;
  if (outer.headers.authorization !== undefined) headers.authorization = outer.headers.authorization;
  // So that Location and @odata.context name the host the caller used.
  if (outer.headers.host !== undefined) headers.host = outer.headers.host;
  const key = randomUUID();
  headers[BATCH_STEP_HEADER] = key;
  steps.set(key, { outer, id: r.id });
  let res;
  try {
    res = await app.inject({ method: r.method as 'GET', url: target.path, headers, payload: innerPayload(r) });
  } catch (err) {
    outer.log.warn({ err, batchRequestId: r.id }, 'batch: inner request could not be sent');
    return errorResponse(r, graphErrors.badQuery(`The request URL '${r.url}' is not valid.`));
  } finally {
    steps.delete(key);
  }
  const out: BatchResponse = { id: r.id, status: res.statusCode, headers: {} };
  for (const [name, spelled] of RESPONSE_HEADERS) {
    const value = res.headers[name];
    if (value !== undefined) out.headers[spelled] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  const body = responseBody(out.headers['Content-Type'], res.rawPayload);
  if (body !== undefined) out.body = body;
  return out;
}

/** Runs a parsed batch: dependencies first, one request at a time; 424 for a failed dependency. */
export async function runBatch(app: FastifyInstance, outer: FastifyRequest, requests: BatchRequest[]): Promise<BatchResponse[]> {
  const byId = new Map<string, BatchResponse>();
  for (const r of executionOrder(requests)) {
    const failed = r.dependsOn.find((d) => byId.get(d)!.status >= 400);
    byId.set(
      r.id,
      failed !== undefined
        ? errorResponse(r, graphErrors.failedDependency(failed))
        : await runOne(app, outer, r),
    );
  }
  return requests.map((r) => byId.get(r.id)!);
}

export function registerBatchRoute(app: FastifyInstance): void {
  app.post('/beta/$batch', async (request: FastifyRequest, reply: FastifyReply) => {
    const requests = parseBatch(jsonBody(request));
    executionOrder(requests); // refuses a cycle before anything runs
    return sendJson(reply, 200, { responses: await runBatch(app, request, requests) });
  });
  methodNotAllowed(app, '/beta/$batch', ['POST']);
}
