// The OpenAPI 3.1 description of every served path, generated from the same EDM descriptors that validate
// requests and drive $metadata (graph/edm.ts; each profile collection's definition, profile/collection.ts), so
// the published schemas cannot drift from what the service accepts and answers. Here the pieces (schemas.ts,
// parameters.ts, paths.ts, each profile collection's named by collections.ts) become one document, and
// registerOpenApiRoutes serves it and its page (docsPage.ts), both built once.
import type { FastifyInstance } from 'fastify';
import { methodNotAllowed } from '../http.ts';
import type { EdmModel } from '../odata/metadata.ts';
import { listed, nameCollections, type OpenApiCollection } from './collections.ts';
import { renderDocsHtml } from './docsPage.ts';
import { parameterComponents } from './parameters.ts';
import { buildPaths } from './paths.ts';
import { batchSchemas, collectionResponseSchema, ERROR_NAME, errorSchemas, keepReachable, modelSchemas, ref, type Schema } from './schemas.ts';

export type { OpenApiCollection } from './collections.ts';
export { renderDocsHtml } from './docsPage.ts';

/**
 * Paths served beside the Graph API (the emulator's controls, in development mode), described by whoever serves
 * them: added to the document as given, under tags of their own. Nothing here knows what they are.
 */
export interface OpenApiSection {
  readonly tags: readonly { name: string; description: string }[];
  readonly paths: Readonly<Record<string, Schema>>;
  /** Component schemas the paths name with #/components/schemas/... */
  readonly schemas?: Readonly<Record<string, Schema>>;
}

export interface OpenApiOptions {
  version?: string;
  sections?: readonly OpenApiSection[];
}

/**
 * Builds the OpenAPI document for `model` and the profile `collections` it serves (their paths are generated,
 * under /beta/me and /beta/users/{user-id}), and the `sections` served beside them. Throws when a collection does
 * not fit the model.
 */
export function buildOpenApi(model: EdmModel, collections: readonly OpenApiCollection[], options: OpenApiOptions = {}): Schema {
  const named = nameCollections(model, collections);
  const sections = options.sections ?? [];
  const paths = Object.assign(buildPaths(named), ...sections.map((s) => s.paths));
  const parameters = parameterComponents(named);
  const schemas = {
    ...modelSchemas(model),
    ...Object.fromEntries(named.map((c) => [c.responseSchema, collectionResponseSchema(c.entity.name)])),
    ...errorSchemas(),
    ...batchSchemas(`/me/profile/${named[0]!.segment}`),
    ...Object.assign({}, ...sections.map((s) => s.schemas ?? {})),
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
      ...sectionTags(sections),
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

/** The sections' tags; sections may share one: listed once, as the first describes it. */
function sectionTags(sections: readonly OpenApiSection[]): { name: string; description: string }[] {
  const tags = new Map<string, { name: string; description: string }>();
  for (const tag of sections.flatMap((s) => s.tags)) if (!tags.has(tag.name)) tags.set(tag.name, tag);
  return [...tags.values()];
}

/** Serves GET /beta/openapi.json and GET /beta/docs (and HEAD), anonymously, both built once (see buildOpenApi). */
export function registerOpenApiRoutes(app: FastifyInstance, model: EdmModel, collections: readonly OpenApiCollection[], options: OpenApiOptions = {}): void {
  const doc = buildOpenApi(model, collections, options);
  const json = Buffer.from(JSON.stringify(doc), 'utf8');
  const html = Buffer.from(renderDocsHtml(doc), 'utf8');
  app.get('/beta/openapi.json', async (_request, reply) => reply.code(200).type('application/json; charset=utf-8').send(json));
  app.get('/beta/docs', async (_request, reply) => reply.code(200).type('text/html; charset=utf-8').send(html));
  methodNotAllowed(app, '/beta/openapi.json', ['GET']);
  methodNotAllowed(app, '/beta/docs', ['GET']);
}
