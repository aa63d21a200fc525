// The OpenAPI 3.1 description of every served path, generated from the same EDM descriptors that validate
// requests and drive $metadata (graph/edm.ts; each profile collection's definition, profile/collection.ts), so
// the published schemas cannot drift from what the service accepts and answers. Here the pieces (schemas.ts,
// parameters.ts, paths.ts, each profile collection's named by collections.ts) become one document, and
// registerOpenApiRoutes serves it, built once (its page for people, /beta/docs, is the web page's: src/web/).
import type { FastifyInstance } from 'fastify';
import { methodNotAllowed } from '../http.ts';
import type { EdmModel } from '../odata/metadata.ts';
import { listed, nameCollections, type OpenApiCollection } from './collections.ts';
import { parameterComponents } from './parameters.ts';
import { buildPaths } from './paths.ts';
import { batchSchemas, collectionResponseSchema, ERROR_NAME, errorSchemas, keepReachable, modelSchemas, ref, type Schema } from './schemas.ts';

export type { OpenApiCollection } from './collections.ts';

/**
 * Paths a part of the service that graph/ knows nothing of describes itself (the /_emulator controls): added after
 * the generated ones, under tags of their own. Its operations may refer to the document's components (the error
 * response, an entity type's schema) and bring schemas of their own.
 */
export interface OpenApiExtension {
  readonly tags: readonly { readonly name: string; readonly description: string }[];
  readonly paths: Readonly<Record<string, Schema>>;
  readonly schemas?: Readonly<Record<string, Schema>>;
}

export interface OpenApiOptions {
  version?: string;
  extensions?: readonly OpenApiExtension[];
}

/**
 * Builds the OpenAPI document for `model` and the profile `collections` it serves (their paths are generated,
 * under /beta/me and /beta/users/{user-id}). Throws when a collection does not fit the model.
 */
export function buildOpenApi(model: EdmModel, collections: readonly OpenApiCollection[], options: OpenApiOptions = {}): Schema {
  const named = nameCollections(model, collections);
  const extensions = options.extensions ?? [];
  const paths = buildPaths(named);
  for (const extension of extensions) {
    for (const [path, item] of Object.entries(extension.paths)) {
      if (Object.hasOwn(paths, path)) throw new Error(`the OpenAPI path ${path} is described twice`);
      paths[path] = item;
    }
  }
  const parameters = parameterComponents(named);
  const schemas = {
    ...modelSchemas(model),
    ...Object.fromEntries(named.map((c) => [c.responseSchema, collectionResponseSchema(c.entity.name)])),
    ...errorSchemas(),
    ...batchSchemas(`/me/profile/${named[0]!.segment}`),
    ...Object.assign({}, ...extensions.map((e) => e.schemas ?? {})),
  };
  // Only the schemas the paths reach: an entity type no served path answers with (microsoft.graph.user,
  // since /users/{id} itself is not served) would be an unused component.
  keepReachable(schemas, [paths, parameters, ref(ERROR_NAME)]);
  const segments = listed(named.map((c) => c.segment));
  return {
    openapi: '3.1.0',
    info: {
      title: `Microsoft Graph beta profile ${segments} (self-hosted)`,
      version: options.version ?? '1.0.0',
      description: `The Microsoft Graph beta ${listed(named.map((c) => c.shortName))} API (profile ${segments}), generated from the service's EDM descriptors. See also /beta/$metadata.`,
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    tags: [
      { name: 'me.profile', description: 'The signed-in user\'s profile' },
      { name: 'users.profile', description: 'Any user\'s profile in the caller\'s tenant' },
      { name: 'batch', description: 'JSON batching' },
      { name: 'service', description: 'Service documents and health' },
      ...extensions.flatMap((e) => e.tags),
    ],
    paths,
    components: {
      schemas,
      parameters,
      responses: {
        error: { description: 'error', content: { 'application/json': { schema: ref(ERROR_NAME) } } },
        preconditionFailed: { description: 'If-Match or If-None-Match does not hold (resourceModified); nothing was changed.', content: { 'application/json': { schema: ref(ERROR_NAME) } } },
      },
      headers: {
        ETag: { description: 'The weak entity tag of the item, W/"<version>": it changes on every update.', schema: { type: 'string' } },
      },
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token (Entra ID, or the development issuer).' } },
    },
  };
}

/**
 * Serves GET /beta/openapi.json (and HEAD), anonymously, built once (see buildOpenApi). Its page for people,
 * /beta/docs, is the web page's (src/web/): Swagger UI over this document.
 */
export function registerOpenApiRoutes(app: FastifyInstance, model: EdmModel, collections: readonly OpenApiCollection[], options: OpenApiOptions = {}): void {
  const doc = buildOpenApi(model, collections, options);
  const json = Buffer.from(JSON.stringify(doc), 'utf8');
  app.get('/beta/openapi.json', async (_request, reply) => reply.code(200).type('application/json; charset=utf-8').send(json));
  methodNotAllowed(app, '/beta/openapi.json', ['GET']);
}
