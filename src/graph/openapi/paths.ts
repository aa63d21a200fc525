// The document's paths: every served operation, under both roots a profile is reached from (/beta/me and
// /beta/users/{user-id}), and the service's own documents and health.
import { MAX_BATCH_REQUESTS } from '../batch.ts';
import { capitalized, withArticle, type NamedCollection } from './collections.ts';
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
export function buildPaths(collections: readonly NamedCollection[]): Paths {
  const paths: Paths = {};
  for (const root of ROOTS) {
    paths[`${root.path}/profile`] = profilePath(root);
    for (const c of collections) Object.assign(paths, collectionPaths(root, c));
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

/** The collection (list, create), one item (get, update, delete) and the collection's $count. */
function collectionPaths(root: Root, c: NamedCollection): Paths {
  const collection = `${root.path}/profile/${c.segment}`;
  const operation = (verb: string, summary: string, rest: Schema) => op(`${root.prefix}.profile.${verb}${c.operationWord}`, `${root.prefix}.profile`, summary, rest);
  return {
    [collection]: {
      parameters: [...root.parameters],
      get: operation('List', `List ${c.segment}`, listOperation(c)),
      post: operation('Create', `Create ${withArticle(c.singular)}`, createOperation(c)),
    },
    [`${collection}/{${c.idName}}`]: {
      parameters: [...root.parameters, param(c.idParameter)],
      get: operation('Get', `Get ${withArticle(c.singular)}`, getOperation(c)),
      patch: operation('Update', `Update ${withArticle(c.singular)}`, updateOperation(c)),
      delete: operation('Delete', `Delete ${withArticle(c.singular)}`, deleteOperation()),
    },
    [`${collection}/$count`]: {
      parameters: [...root.parameters],
      get: op(`${root.prefix}.profile.${c.segment}.GetCount`, `${root.prefix}.profile`, `Count ${c.segment}`, countOperation(c)),
    },
  };
}

// The operations' parameters, bodies and responses; op() adds the tag, summary and operationId.

const itemBody = (c: NamedCollection, description: string) => ({ required: true, description, content: json(ref(c.entity.name)) });

function listOperation(c: NamedCollection): Schema {
  return {
    parameters: ['filter', 'orderby', c.selectParameter, 'top', 'skip', 'count', 'skiptoken'].map(param),
    responses: { 200: { description: `A page of ${c.segment}.`, content: json(ref(c.responseSchema)) }, ...errors },
  };
}

function createOperation(c: NamedCollection): Schema {
  return {
    requestBody: itemBody(c, `${capitalized(withArticle(c.shortName))} (read-only properties and annotations are ignored).`),
    responses: {
      201: {
        description: `The created ${c.singular}.`,
        headers: { Location: { description: `The ${c.singular}, under /beta/users/{id}.`, schema: { type: 'string' } }, ...etag },
        content: json(ref(c.entity.name)),
      },
      ...errors,
    },
  };
}

function getOperation(c: NamedCollection): Schema {
  return {
    parameters: [c.selectParameter, 'ifMatch', 'ifNoneMatch'].map(param),
    responses: {
      200: { description: `The ${c.singular}.`, headers: etag, content: json(ref(c.entity.name)) },
      304: { description: 'Not modified: If-None-Match names the current ETag (or is *). No body.', headers: etag },
      ...preconditionFailed,
      ...errors,
    },
  };
}

function updateOperation(c: NamedCollection): Schema {
  return {
    parameters: ['ifMatch', 'ifNoneMatch'].map(param),
    requestBody: itemBody(c, 'Only the properties to change.'),
    responses: { 200: { description: `The updated ${c.singular}.`, headers: etag, content: json(ref(c.entity.name)) }, ...preconditionFailed, ...errors },
  };
}

function deleteOperation(): Schema {
  return {
    parameters: ['ifMatch', 'ifNoneMatch'].map(param),
    responses: { 204: { description: 'Deleted.' }, ...preconditionFailed, ...errors },
  };
}

function countOperation(c: NamedCollection): Schema {
  return {
    parameters: [param('filter')],
    responses: { 200: { description: `The number of matching ${c.segment}.`, content: { 'text/plain': { schema: { type: 'integer', format: 'int32' } } } }, ...errors },
  };
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
    '/beta/$metadata': serviceDocument('getMetadata', 'The OData CSDL of what is served', { 200: { description: 'CSDL XML.', content: { 'application/xml': { schema: { type: 'string' } } } } }),
    '/beta/openapi.json': serviceDocument('getOpenApi', 'This OpenAPI description', { 200: { description: 'OpenAPI 3.1 document.', content: json({ type: 'object' }) } }),
    '/beta/docs': serviceDocument('getDocs', 'A browsable page of this API', { 200: { description: 'HTML.', content: { 'text/html': { schema: { type: 'string' } } } } }),
    '/health': serviceDocument('getHealth', 'Readiness of this instance and its store', {
      200: { description: 'Ready.', content: json(health) },
      503: { description: 'Starting, stopping or store unreachable.', content: json(health) },
    }),
  };
}

/** A GET anyone may send, without a token: the service's documents and health. */
function serviceDocument(operationId: string, summary: string, responses: Schema): Schema {
  // Errors even here: as on every path, a request Node's parser refuses (headers over 16 KiB, bytes that are not
  // HTTP) gets 431 or 400 in Graph's form.
  return { get: op(operationId, 'service', summary, { ...anonymous, responses: { ...responses, ...errors } }) };
}
