// Every error the service answers with is a GraphError, made here and nowhere else, so that the
// wire form ({"error":{"code","message","innerError":{...}}}) is written in exactly one place.

export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers (WWW-Authenticate, Allow, Retry-After...). */
    readonly headers: Readonly<Record<string, string>> = {},
    /**
     * The property of the request body the error is about, as a path with '/' between levels (source/type), as
     * OData's error `target` names it. Not written on the wire (Graph's answers here carry none): it lets a caller
     * that reads many bodies at once (the /_emulator seed) say which one and where.
     */
    readonly target?: string,
  ) {
    super(message);
    this.name = 'GraphError';
  }
}

/** innerError.date as Graph writes it: UTC, seconds precision, no zone designator. */
export function graphErrorDate(now = new Date()): string {
  return now.toISOString().slice(0, 19);
}

export function errorBody(err: GraphError, requestId: string, clientRequestId: string): string {
  return JSON.stringify({
    error: {
      code: err.code,
      message: err.message,
      innerError: { date: graphErrorDate(), 'request-id': requestId, 'client-request-id': clientRequestId },
    },
  });
}

// The 401 challenge Graph sends (microsofthackathons/tdi#24).
const WWW_AUTHENTICATE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

export const graphErrors = {
  unauthenticated: (message: string) =>
    new GraphError(401, 'InvalidAuthenticationToken', message, { 'www-authenticate': WWW_AUTHENTICATE }),
  forbidden: (message = 'Insufficient privileges to complete the operation.') =>
    new GraphError(403, 'Authorization_RequestDenied', message),
  meWithAppToken: () => new GraphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.'),
  userNotFound: (idOrUpn: string) =>
    new GraphError(
      404,
      'Request_ResourceNotFound',
      `Resource '${idOrUpn}' does not exist or one of its queried reference-property objects are not present.`,
    ),
  itemNotFound: (typeName: string, id: string) =>
    new GraphError(404, 'itemNotFound', `The ${typeName} with id '${id}' was not found in this profile.`),
  segmentNotFound: (segment: string) => new GraphError(404, 'BadRequest', `Resource not found for the segment '${segment}'.`),
  methodNotAllowed: (allowed: readonly string[]) =>
    new GraphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.', {
      allow: allowed.join(', '),
    }),
  malformedJson: () =>
    new GraphError(
      400,
      'BadRequest',
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    ),
  bodyRead: (message: string, target?: string) => new GraphError(400, 'RequestBodyRead', message, {}, target),
  invalidRequest: (message: string, target?: string) => new GraphError(400, 'invalidRequest', message, {}, target),
  /** `err` about a value inside a larger body: its message after the value's place there (tenants[0].users[1].phones[2].type). */
  within: (place: string, err: GraphError) => new GraphError(err.status, err.code, `${place}: ${err.message}`, err.headers),
  badQuery: (message: string) => new GraphError(400, 'BadRequest', message),
  badPrecondition: (header: string) =>
    new GraphError(400, 'BadRequest', `The ${header} header is not valid: it must be '*' or a comma-separated list of entity tags such as W/"1" or "1".`),
  // Graph's documented code for 412 ("usually an eTag mismatch", concepts/errors.md).
  preconditionFailed: (message: string) => new GraphError(412, 'resourceModified', message),
  unsupportedMediaType: (got: string | undefined) =>
    new GraphError(
      415,
      'RequestBodyRead',
      `A supported MIME type could not be found that matches the content type of the request. The supported type is 'application/json'; the request had ${got ? `'${got}'` : 'no Content-Type'}.`,
    ),
  payloadTooLarge: (limit: number) =>
    new GraphError(413, 'RequestEntityTooLarge', `The request body is larger than the limit of ${limit} bytes.`),
  uriTooLong: () => new GraphError(414, 'RequestUriTooLong', 'A segment of the request URL is too long.'),
  /** A $batch step not run because a step it depends on failed. */
  failedDependency: (failedId: string) =>
    new GraphError(424, 'FailedDependency', `The request was not run because the request '${failedId}' it depends on failed.`),
  /** Graph's throttling answer: `after` words the wait for people, `retryAfterSeconds` is Retry-After for clients. */
  tooManyRequests: (max: number, windowSeconds: number, after: string, retryAfterSeconds: number) =>
    new GraphError(429, 'TooManyRequests', `Too many requests: at most ${max} every ${windowSeconds} s. Retry after ${after}.`, {
      'retry-after': String(retryAfterSeconds),
    }),
  headersTooLarge: () => new GraphError(431, 'RequestHeaderFieldsTooLarge', 'The request headers are too large.'),
  /** Any other 4xx of the HTTP layer's (e.g. a Content-Length that does not match the body): its status and words. */
  refusedByHttp: (status: number, message: string) => new GraphError(status, 'BadRequest', message),
  serviceUnavailable: (message: string) =>
    new GraphError(503, 'serviceNotAvailable', message, { 'retry-after': '5' }),
  internal: () => new GraphError(500, 'generalException', 'An internal server error occurred. The request-id identifies it in the service log.'),
  /**
   * An answer a test asked for (POST /_emulator/faults): Graph's code for the status, a message saying it was
   * injected and by which fault, and Retry-After when the fault gives one.
   */
  injectedFault: (status: number, faultId: string, retryAfterSeconds?: number) => {
    const known = INJECTED[status];
    const headers: Record<string, string> = { ...(known?.headers ?? {}) };
    if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
    return new GraphError(
      status,
      known?.code ?? (status < 500 ? 'BadRequest' : 'generalException'),
      `${known?.says ?? `The request failed with status ${status}.`} This is an injected fault ('${faultId}', see GET /_emulator/faults): the request was not processed.`,
      headers,
    );
  },
  /** A drop fault met an inner request of a $batch, which has no connection of its own to close. */
  injectedDropInBatch: (faultId: string) =>
    new GraphError(
      504,
      'gatewayTimeout',
      `The gateway timed out. This is an injected fault ('${faultId}', see GET /_emulator/faults): it drops the connection, which an inner request of a $batch does not have, so it answers 504 instead; match POST /beta/$batch to drop the whole batch. The request was not processed.`,
    ),
  /** REQUEST_JOURNAL=0: the journal's routes exist, and say why there is nothing to read. */
  journalOff: () =>
    new GraphError(404, 'itemNotFound', 'The request journal is off: the service was started with REQUEST_JOURNAL=0, so no request is recorded. Start it without REQUEST_JOURNAL (its default), or with the number of requests to keep.'),
  faultNotFound: (id: string) => new GraphError(404, 'itemNotFound', `No fault has the id '${id}': it was removed, or used up its times.`),
};

/** Graph's code and words for the statuses a fault is most often asked for; any other 4xx/5xx gets a generic one. */
const INJECTED: Readonly<Record<number, { code: string; says: string; headers?: Record<string, string> }>> = {
  400: { code: 'BadRequest', says: 'The request is not valid.' },
  401: { code: 'InvalidAuthenticationToken', says: 'Access token validation failure.', headers: { 'www-authenticate': WWW_AUTHENTICATE } },
  403: { code: 'Authorization_RequestDenied', says: 'Insufficient privileges to complete the operation.' },
  404: { code: 'itemNotFound', says: 'The resource was not found.' },
  409: { code: 'conflict', says: 'The request conflicts with the current state of the resource.' },
  423: { code: 'resourceLocked', says: 'The resource is locked.' },
  429: { code: 'TooManyRequests', says: 'Too many requests. Retry after the time given in Retry-After.' },
  500: { code: 'generalException', says: 'An internal server error occurred.' },
  502: { code: 'badGateway', says: 'The gateway received an invalid answer.' },
  503: { code: 'serviceNotAvailable', says: 'The service is temporarily unavailable. Retry after the time given in Retry-After.' },
  504: { code: 'gatewayTimeout', says: 'The gateway timed out.' },
};
