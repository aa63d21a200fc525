// The document's paths: every served operation, under both roots a profile is reached from (/beta/me and
// /beta/users/{user-id}), and the service's own documents and health.
import { MAX_BATCH_REQUESTS } from '../batch.ts';
import { param } from './parameters.ts';
import { ref, type Schema } from './schemas.ts';

type Paths = Record<string, Schema>;

/** Where a profile is reached from: the signed-in user's, or any user's in the caller's tenant. */
interface Root {
  /** The operationIds' and tags' first word: me.profile.ListPhones. */
  readonly prefix: 'me' | 'users';
  readonly path: string;
  readonly parameters: readonly Schema[];
}
const ROOTS: readonly Root[] = [
  { prefix: 'me', path: '/beta/me', parameters: [] },
  { prefix: 'users', path: '/beta/users/{user-id}', parameters: [param('userId')] },
];

const json = (schema: Schema) => ({ 'application/json': { schema } });
const errors = { '4XX': { $ref: '#/components/responses/error' }, '5XX': { $ref: '#/components/responses/error' } };
const etag = { ETag: { $ref: '#/components/headers/ETag' } };
const preconditionFailed = { 412: { $ref: '#/components/responses/preconditionFailed' } };
const anonymous = { security: [] as unknown[] };
const op = (operationId: string, tag: string, summary: string, rest: Schema): Schema => ({ tags: [tag], summary, operationId, ...rest });

/** Every path of the document, in the order the page lists them. */
export function buildPaths(): Paths {
  const paths: Paths = {};
  for (const root of ROOTS) {
    paths[`${root.path}/profile`] = profilePath(root);
    Object.assign(paths, phonePaths(root));
  }
  return Object.assign(paths, servicePaths());
}

function profilePath(root: Root): Schema {
  return {
    parameters: [...root.parameters],
    get: op(`${root.prefix}.GetProfile`, `${root.prefix}.profile`, 'Get the profile', {
      parameters: [param('expand')],
      responses: { 200: { description: 'The profile (its id is the user id).', content: json(ref('microsoft.graph.profile')) }, ...errors },
    }),
  };
}

function phonePaths(root: Root): Paths {
  const collection = `${root.path}/profile/phones`;
  return {
    [collection]: { parameters: [...root.parameters], get: listOperation(root), post: createOperation(root) },
    [`${collection}/{itemPhone-id}`]: {
      parameters: [...root.parameters, param('itemPhoneId')],
      get: getOperation(root),
      patch: updateOperation(root),
      delete: deleteOperation(root),
    },
    [`${collection}/$count`]: { parameters: [...root.parameters], get: countOperation(root) },
  };
}

const phoneBody = { required: true, description: 'An itemPhone (read-only properties and annotations are ignored).', content: json(ref('microsoft.graph.itemPhone')) };

function listOperation(root: Root): Schema {
  return op(`${root.prefix}.profile.ListPhones`, `${root.prefix}.profile`, 'List phones', {
    parameters: ['filter', 'orderby', 'select', 'top', 'skip', 'count', 'skiptoken'].map(param),
    responses: { 200: { description: 'A page of phones.', content: json(ref('microsoft.graph.itemPhoneCollectionResponse')) }, ...errors },
  });
}

function createOperation(root: Root): Schema {
  return op(`${root.prefix}.profile.CreatePhones`, `${root.prefix}.profile`, 'Create a phone', {
    requestBody: phoneBody,
    responses: {
      201: {
        description: 'The created phone.',
        headers: { Location: { description: 'The phone, under /beta/users/{id}.', schema: { type: 'string' } }, ...etag },
        content: json(ref('microsoft.graph.itemPhone')),
      },
      ...errors,
    },
  });
}

function getOperation(root: Root): Schema {
  return op(`${root.prefix}.profile.GetPhones`, `${root.prefix}.profile`, 'Get a phone', {
    parameters: ['select', 'ifMatch', 'ifNoneMatch'].map(param),
    responses: {
      200: { description: 'The phone.', headers: etag, content: json(ref('microsoft.graph.itemPhone')) },
      304: { description: 'Not modified: If-None-Match names the current ETag (or is *). No body.', headers: etag },
      ...preconditionFailed,
      ...errors,
    },
  });
}

function updateOperation(root: Root): Schema {
  return op(`${root.prefix}.profile.UpdatePhones`, `${root.prefix}.profile`, 'Update a phone', {
    parameters: ['ifMatch', 'ifNoneMatch'].map(param),
    requestBody: { ...phoneBody, description: 'Only the properties to change.' },
    responses: { 200: { description: 'The updated phone.', headers: etag, content: json(ref('microsoft.graph.itemPhone')) }, ...preconditionFailed, ...errors },
  });
}

function deleteOperation(root: Root): Schema {
  return op(`${root.prefix}.profile.DeletePhones`, `${root.prefix}.profile`, 'Delete a phone', {
    parameters: ['ifMatch', 'ifNoneMatch'].map(param),
    responses: { 204: { description: 'Deleted.' }, ...preconditionFailed, ...errors },
  });
}

function countOperation(root: Root): Schema {
  return op(`${root.prefix}.profile.phones.GetCount`, `${root.prefix}.profile`, 'Count phones', {
    parameters: [param('filter')],
    responses: { 200: { description: 'The number of matching phones.', content: { 'text/plain': { schema: { type: 'integer', format: 'int32' } } } }, ...errors },
  });
}

/** The paths outside any profile: $batch, the service's documents, and /health. */
function servicePaths(): Paths {
  const health = {
    type: 'object',
    properties: { status: { type: 'string' }, store: { type: 'object', properties: { kind: { type: 'string' }, state: { type: 'string' } } } },
  };
  return {
    '/beta/$batch': {
      post: op('batch', 'batch', `Run up to ${MAX_BATCH_REQUESTS} requests in one round trip`, {
        description: 'Each inner request is authenticated with the outer Authorization header and answered as if sent directly.',
        requestBody: { required: true, content: json(ref('BatchRequest')) },
        responses: { 200: { description: 'One response per request.', content: json(ref('BatchResponse')) }, ...errors },
      }),
    },
    '/beta/$metadata': {
      get: op('getMetadata', 'service', 'The OData CSDL of what is served', {
        ...anonymous,
        responses: { 200: { description: 'CSDL XML.', content: { 'application/xml': { schema: { type: 'string' } } } }, ...errors },
      }),
    },
    '/beta/openapi.json': {
      get: op('getOpenApi', 'service', 'This OpenAPI description', {
        ...anonymous,
        responses: { 200: { description: 'OpenAPI 3.1 document.', content: json({ type: 'object' }) }, ...errors },
      }),
    },
    '/beta/docs': {
      get: op('getDocs', 'service', 'A browsable page of this API', {
        ...anonymous,
        responses: { 200: { description: 'HTML.', content: { 'text/html': { schema: { type: 'string' } } } }, ...errors },
      }),
    },
    '/health': {
      get: op('getHealth', 'service', 'Readiness of this instance and its store', {
        ...anonymous,
        responses: {
          200: { description: 'Ready.', content: json(health) },
          503: { description: 'Starting, stopping or store unreachable.', content: json(health) },
          // As on every path, a request Node's parser refuses (headers over 16 KiB, bytes that are not HTTP) gets 431 or 400 in Graph's form.
          ...errors,
        },
      }),
    },
  };
}
