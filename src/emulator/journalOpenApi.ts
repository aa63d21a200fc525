// The OpenAPI description of the request journal and the faults (/_emulator/requests, /_emulator/faults): part of
// the emulator's (openapi.ts), under the tag `emulator`.
import type { Schema } from '../graph/openapi/schemas.ts';
import { JOURNAL_CAPACITY, JOURNAL_MAX_BODY_BYTES } from './journal.ts';
import { MAX_DELAY_MS } from './faults.ts';
import { EMULATOR_TAG } from './paths.ts';

const json = (schema: Schema) => ({ 'application/json': { schema } });
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const errors = { '4XX': { $ref: '#/components/responses/error' }, '5XX': { $ref: '#/components/responses/error' } };
/** No token: the controls exist only in development mode, on loopback. */
const control = (operationId: string, summary: string, rest: Schema): Schema => ({ tags: [EMULATOR_TAG], summary, operationId, security: [], ...rest });

const filters: Schema[] = [
  { name: 'method', in: 'query', required: false, description: 'Only requests with this method (any case).', schema: { type: 'string' } },
  { name: 'path', in: 'query', required: false, description: "Only requests to this path (case-insensitive, query string ignored), or under a prefix ending in '*'.", schema: { type: 'string' } },
  { name: 'status', in: 'query', required: false, description: 'Only requests answered with this status (404) or class (4xx).', schema: { type: 'string', pattern: '^[1-5]([0-9][0-9]|xx|XX)$' } },
];

const headers = { type: 'object', additionalProperties: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] } };
const message = (what: string): Schema => ({
  type: 'object',
  required: ['headers', 'bodyBytes', 'bodyTruncated'],
  properties: {
    headers: { ...headers, description: `The ${what} headers, names in lower case${what === 'request' ? "; Authorization's value is replaced by '<scheme> <redacted>'" : ''}.` },
    body: { description: `The ${what} body: its JSON value when it is JSON and whole, else its text (the first ${JOURNAL_MAX_BODY_BYTES} bytes). Absent when there was none${what === 'request' ? ' or it was not read (a 401/403 is decided before the body is read)' : ''}.` },
    bodyBytes: { type: 'integer', minimum: 0 },
    bodyTruncated: { type: 'boolean' },
  },
});

const faultSpecProperties: Schema = {
  match: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      method: { type: 'string', description: 'Any method when absent.' },
      path: { type: 'string', description: "A path (case-insensitive, query string ignored), or a prefix ending in '*'; '*' alone: every path but /_emulator/." },
    },
  },
  respond: {
    type: 'object',
    additionalProperties: false,
    description: 'At least one of status, drop and delayMs; status and drop exclude each other.',
    properties: {
      status: { type: 'integer', minimum: 400, maximum: 599, description: "Answer this status in Graph's error envelope; the request is not run." },
      retryAfterSeconds: { type: 'integer', minimum: 0, description: 'Retry-After with status; 429 and 503 get 1 unless given.' },
      delayMs: { type: 'integer', minimum: 0, maximum: MAX_DELAY_MS, description: 'Wait first; alone, the request then runs as usual.' },
      drop: { type: 'boolean', description: 'Close the connection without an answer (an inner request of a $batch is answered 504 instead).' },
    },
  },
  times: { type: 'integer', minimum: 1, description: 'How many requests it meets before it is removed; absent: until removed.' },
};

const schemas: Record<string, Schema> = {
  'emulator.JournalEntry': {
    type: 'object',
    required: ['id', 'startedAt', 'durationMs', 'method', 'path', 'query', 'status', 'requestId', 'clientRequestId', 'caller', 'request', 'response'],
    properties: {
      id: { type: 'integer', description: 'Increasing in the order requests arrived.' },
      startedAt: { type: 'string', format: 'date-time' },
      durationMs: { type: 'number', minimum: 0 },
      method: { type: 'string' },
      path: { type: 'string', description: 'As sent.' },
      query: { type: 'string', description: "The query string as sent, without '?'." },
      status: { type: ['integer', 'null'], description: 'null: the connection closed without an answer (a drop fault, or the client went away).' },
      requestId: { type: 'string' },
      clientRequestId: { type: ['string', 'null'] },
      caller: {
        description: "Who the bearer token says is calling (never the token); null without a valid token.",
        anyOf: [
          {
            type: 'object',
            required: ['kind', 'tenantId'],
            properties: {
              kind: { type: 'string', enum: ['delegated', 'application'] },
              tenantId: { type: 'string' },
              userId: { type: 'string' },
              userPrincipalName: { type: 'string' },
              appId: { type: 'string' },
              scopes: { type: 'array', items: { type: 'string' } },
              roles: { type: 'array', items: { type: 'string' } },
              directoryRoles: { type: 'array', items: { type: 'string' } },
            },
          },
          { type: 'null' },
        ],
      },
      request: message('request'),
      response: message('response'),
      fault: { type: 'string', description: 'The injected fault that answered, delayed or dropped the request.' },
      batch: {
        type: 'object',
        description: 'An inner request of a $batch: the journal id of the $batch request, and its own id in the batch.',
        required: ['outer', 'id'],
        properties: { outer: { type: 'integer' }, id: { type: 'string' } },
      },
    },
  },
  'emulator.FaultSpec': { type: 'object', additionalProperties: false, required: ['match', 'respond'], properties: faultSpecProperties },
  'emulator.Fault': {
    type: 'object',
    required: ['id', 'match', 'respond', 'remaining', 'matched'],
    properties: {
      id: { type: 'string' },
      ...faultSpecProperties,
      remaining: { type: ['integer', 'null'], description: 'Requests it may still meet; null: until removed.' },
      matched: { type: 'integer', minimum: 0, description: 'Requests it has met.' },
    },
  },
};

const faultId = { name: 'faultId', in: 'path', required: true, description: 'The id POST /_emulator/faults answered.', schema: { type: 'string' } };

export const journalOpenApi = {
  schemas,
  paths: {
    '/_emulator/requests': {
      get: control('emulator.ListRequests', 'The request journal, oldest first', {
        description: `The last requests answered, as many as REQUEST_JOURNAL says (${JOURNAL_CAPACITY} unless set; 0 turns the journal off, and these routes answer 404), the oldest forgotten first; except /_emulator/*, /health and /metrics; the inner requests of a $batch are entries of their own.`,
        parameters: filters,
        responses: {
          200: { description: 'The entries the filters select.', content: json({ type: 'object', required: ['count', 'value'], properties: { count: { type: 'integer' }, value: { type: 'array', items: ref('emulator.JournalEntry') } } }) },
          ...errors,
        },
      }),
      delete: control('emulator.ClearRequests', 'Forget the journal (or the entries the filters select)', {
        parameters: filters,
        responses: { 204: { description: 'Forgotten.' }, ...errors },
      }),
    },
    '/_emulator/requests/count': {
      get: control('emulator.CountRequests', 'Count journal entries', {
        parameters: filters,
        responses: { 200: { description: 'How many entries the filters select.', content: json({ type: 'object', required: ['count'], properties: { count: { type: 'integer' } } }) }, ...errors },
      }),
    },
    '/_emulator/faults': {
      post: control('emulator.AddFault', 'Inject a fault', {
        description: "Requests that match get the fault instead of (or, for a delay alone, before) their answer, before authentication: a faulted request is not run. Faults are tried oldest first.",
        requestBody: { required: true, content: json(ref('emulator.FaultSpec')) },
        responses: {
          201: { description: 'The fault, with its id.', headers: { Location: { description: 'The fault.', schema: { type: 'string' } } }, content: json(ref('emulator.Fault')) },
          ...errors,
        },
      }),
      get: control('emulator.ListFaults', 'The faults in force, in the order they are tried', {
        responses: { 200: { description: 'The faults.', content: json({ type: 'object', required: ['value'], properties: { value: { type: 'array', items: ref('emulator.Fault') } } }) }, ...errors },
      }),
      delete: control('emulator.ClearFaults', 'Remove every fault', { responses: { 204: { description: 'Removed.' }, ...errors } }),
    },
    '/_emulator/faults/{faultId}': {
      parameters: [faultId],
      get: control('emulator.GetFault', 'One fault', { responses: { 200: { description: 'The fault.', content: json(ref('emulator.Fault')) }, ...errors } }),
      delete: control('emulator.RemoveFault', 'Remove a fault', { responses: { 204: { description: 'Removed.' }, ...errors } }),
    },
  },
};
