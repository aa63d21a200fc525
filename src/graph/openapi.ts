// The OpenAPI 3.1 description of every served path, generated from the same EDM descriptors that
// validate requests and drive $metadata (graph/edm.ts, profile/phones/schema.ts), so the published
// schemas cannot drift from what the service accepts and answers. The routes are few and listed here
// by hand; every property list comes from the descriptors. buildOpenApi and renderDocsHtml are pure;
// registerOpenApiRoutes serves both documents, built once.
import type { FastifyInstance } from 'fastify';
import type { EdmType, PropertyDef } from './edm.ts';
import { MAX_BATCH_REQUESTS } from './batch.ts';
import { methodNotAllowed } from './http.ts';
import { MAX_PAGE_SIZE, MAX_SKIP } from './odata/collectionQuery.ts';
import { xmlEscape, type EdmModel, type EntityTypeDecl } from './odata/metadata.ts';
import { QUERY_LIMITS } from './odata/parse.ts';

type Schema = Record<string, unknown>;
type EnumType = Extract<EdmType, { kind: 'enum' }>;
type ComplexType = Extract<EdmType, { kind: 'complex' }>;

const ERROR_NAME = 'microsoft.graph.ODataErrors.ODataError';
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const nullableRef = (name: string): Schema => ({ anyOf: [ref(name), { type: 'null' }] });

/** Date-times as Graph's own OpenAPI describes Edm.DateTimeOffset. */
const DATE_TIME_PATTERN =
  '^[0-9]{4,}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,12})?(Z|[+-][0-9][0-9]:[0-9][0-9])$';

const regexEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Builds the OpenAPI document for `model`, whose entity types include microsoft.graph.itemPhone. */
export function buildOpenApi(model: EdmModel, options: { version?: string } = {}): Schema {
  const schemas: Record<string, Schema> = {};
  const entities = new Map<string, EntityTypeDecl>(model.entityTypes.map((e) => [e.type.name, e]));

  const addEnum = (t: EnumType): void => {
    if (schemas[t.name]) return;
    if (t.flags) {
      const member = `(${t.members.map(regexEscape).join('|')})`;
      schemas[t.name] = {
        title: t.name.slice(t.name.lastIndexOf('.') + 1),
        type: 'string',
        description: `Flags: one or more of ${t.members.join(', ')}, written as one comma-separated string (e.g. "${t.members.slice(0, 2).join(',')}"). On input a JSON array of members is also accepted.`,
        pattern: `^${member}(,${member})*$`,
        'x-ms-enum-flags': { isFlags: true },
      };
    } else {
      schemas[t.name] = { title: t.name.slice(t.name.lastIndexOf('.') + 1), type: 'string', enum: [...t.members] };
    }
  };

  const addComplex = (t: ComplexType): void => {
    if (schemas[t.name]) return;
    schemas[t.name] = {}; // reserved first: a complex type may reach itself
    schemas[t.name] = { title: t.name.slice(t.name.lastIndexOf('.') + 1), type: 'object', properties: properties(Object.entries(t.properties)) };
  };

  const propertySchema = (def: PropertyDef): Schema => {
    const nullable = def.declaredNullable ?? def.nullable;
    const t = def.type;
    let s: Schema;
    switch (t.kind) {
      case 'string':
        s = { type: nullable ? ['string', 'null'] : 'string', maxLength: t.maxLength };
        break;
      case 'boolean':
        s = { type: nullable ? ['boolean', 'null'] : 'boolean' };
        break;
      case 'double':
        s = { type: nullable ? ['number', 'null'] : 'number', format: 'double' };
        break;
      case 'dateTimeOffset':
        s = { type: nullable ? ['string', 'null'] : 'string', format: 'date-time', pattern: DATE_TIME_PATTERN };
        break;
      case 'enum':
        addEnum(t);
        s = nullable ? nullableRef(t.name) : ref(t.name);
        break;
      case 'complex':
        addComplex(t);
        s = nullable ? nullableRef(t.name) : ref(t.name);
        break;
      case 'collection': {
        // The items' nullability is the collection type's; the collection's own is the property's.
        const items = propertySchema({ type: t.element, nullable: t.elementNullable, settable: true });
        s = { type: nullable ? ['array', 'null'] : 'array', items, maxItems: t.maxItems };
        break;
      }
    }
    if (!def.settable) s.readOnly = true;
    return s;
  };

  function properties(entries: [string, PropertyDef][]): Record<string, Schema> {
    const out: Record<string, Schema> = {};
    for (const [name, def] of entries) out[name] = propertySchema(def);
    return out;
  }

  for (const e of model.entityTypes) {
    const base = e.baseType ? entities.get(e.baseType) : undefined;
    if (e.baseType && !base) throw new Error(`${e.type.name}: base type ${e.baseType} is not in the model`);
    const own = Object.entries(e.type.properties).filter(([name]) => !base || !Object.hasOwn(base.type.properties, name));
    const props = properties(own);
    for (const n of e.navigationProperties ?? []) {
      props[n.name] = { ...(n.collection ? { type: 'array', items: ref(n.target) } : ref(n.target)), 'x-ms-navigationProperty': true };
    }
    const body: Schema = { title: e.type.name.slice(e.type.name.lastIndexOf('.') + 1), type: 'object', properties: props };
    schemas[e.type.name] = base ? { allOf: [ref(base.type.name), body] } : body;
  }

  schemas['microsoft.graph.itemPhoneCollectionResponse'] = {
    title: 'Collection of itemPhone',
    type: 'object',
    required: ['value'],
    properties: {
      '@odata.context': { type: 'string' },
      value: { type: 'array', items: ref('microsoft.graph.itemPhone') },
      '@odata.nextLink': { type: ['string', 'null'], description: 'Present when more matches remain: follow it as it is.' },
      '@odata.count': { type: ['integer', 'null'], format: 'int64', description: 'All matches, with $count=true.' },
    },
  };
  schemas[ERROR_NAME] = {
    type: 'object',
    required: ['error'],
    properties: { error: ref('microsoft.graph.ODataErrors.MainError') },
  };
  schemas['microsoft.graph.ODataErrors.MainError'] = {
    type: 'object',
    required: ['code', 'message'],
    properties: {
      code: { type: 'string' },
      message: { type: 'string' },
      innerError: ref('microsoft.graph.ODataErrors.InnerError'),
    },
  };
  schemas['microsoft.graph.ODataErrors.InnerError'] = {
    type: 'object',
    properties: {
      date: { type: 'string', description: 'UTC, seconds precision, no zone designator (as Graph writes it).', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}$' },
      'request-id': { type: 'string' },
      'client-request-id': { type: 'string' },
    },
  };
  schemas.BatchRequest = {
    type: 'object',
    required: ['requests'],
    properties: {
      requests: {
        type: 'array',
        minItems: 1,
        maxItems: MAX_BATCH_REQUESTS,
        items: {
          type: 'object',
          required: ['id', 'method', 'url'],
          properties: {
            id: { type: 'string' },
            method: { type: 'string', enum: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] },
            url: { type: 'string', description: 'Relative to /beta, e.g. /me/profile/phones.' },
            headers: { type: 'object', additionalProperties: { type: 'string' } },
            body: {},
            dependsOn: { type: 'array', items: { type: 'string' } },
          },
        },
      },
    },
  };
  schemas.BatchResponse = {
    type: 'object',
    required: ['responses'],
    properties: {
      responses: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'status'],
          properties: {
            id: { type: 'string' },
            status: { type: 'integer' },
            headers: { type: 'object', additionalProperties: { type: 'string' } },
            body: {},
          },
        },
      },
    },
  };

  // ---- parameters ----
  const phone = entities.get('microsoft.graph.itemPhone');
  if (!phone) throw new Error('microsoft.graph.itemPhone is not in the model');
  const phoneProps = Object.keys(phone.type.properties);
  const q = (name: string, schema: Schema, description: string, extra: Schema = {}): Schema => ({ name, in: 'query', description, schema, ...extra });
  const parameters: Record<string, Schema> = {
    filter: q('$filter', { type: 'string', maxLength: QUERY_LIMITS.maxLength }, 'Filter items by property values (see the README for the grammar).'),
    orderby: q('$orderby', { type: 'array', maxItems: QUERY_LIMITS.maxOrderByKeys, uniqueItems: true, items: { type: 'string' } }, 'Order items by property values, e.g. displayName desc,number.', { style: 'form', explode: false }),
    select: q('$select', { type: 'array', uniqueItems: true, items: { type: 'string', enum: [...phoneProps, '*'] } }, 'Select properties to be returned (id is always included).', { style: 'form', explode: false }),
    top: q('$top', { type: 'integer', minimum: 0, maximum: MAX_PAGE_SIZE }, 'Show only the first n items (page size).'),
    skip: q('$skip', { type: 'integer', minimum: 0, maximum: MAX_SKIP }, 'Skip the first n items (first page only).'),
    count: q('$count', { type: 'boolean' }, 'Include the count of matching items (@odata.count).'),
    skiptoken: q('$skiptoken', { type: 'string' }, 'Opaque paging token from @odata.nextLink.'),
    expand: q('$expand', { type: 'array', uniqueItems: true, items: { type: 'string' } }, 'Expand related entities: phones, or phones($select=...).', { style: 'form', explode: false }),
    userId: { name: 'user-id', in: 'path', required: true, description: 'The id or userPrincipalName of the user.', schema: { type: 'string' } },
    itemPhoneId: { name: 'itemPhone-id', in: 'path', required: true, description: 'The id of the itemPhone.', schema: { type: 'string' } },
    ifMatch: {
      name: 'If-Match',
      in: 'header',
      description: "Only if the item's ETag is one of these ('*': any); otherwise 412. W/ is ignored when comparing.",
      schema: { type: 'string' },
    },
    ifNoneMatch: {
      name: 'If-None-Match',
      in: 'header',
      description: "Only if the item's ETag is none of these ('*': any); otherwise 304 on GET, 412 on a write.",
      schema: { type: 'string' },
    },
  };
  const param = (name: string): Schema => ({ $ref: `#/components/parameters/${name}` });

  // ---- responses and operations ----
  const json = (schema: Schema) => ({ 'application/json': { schema } });
  const errors = { '4XX': { $ref: '#/components/responses/error' }, '5XX': { $ref: '#/components/responses/error' } };
  const etag = { ETag: { $ref: '#/components/headers/ETag' } };
  const preconditionFailed = { 412: { $ref: '#/components/responses/preconditionFailed' } };
  const anonymous = { security: [] as unknown[] };
  const phoneBody = { required: true, description: 'An itemPhone (read-only properties and annotations are ignored).', content: json(ref('microsoft.graph.itemPhone')) };
  const op = (operationId: string, tag: string, summary: string, rest: Schema): Schema => ({ tags: [tag], summary, operationId, ...rest });

  const paths: Record<string, Schema> = {};
  for (const [prefix, root, pathParams] of [
    ['me', '/beta/me', [] as Schema[]],
    ['users', '/beta/users/{user-id}', [param('userId')]],
  ] as const) {
    const tag = `${prefix}.profile`;
    paths[`${root}/profile`] = {
      parameters: pathParams,
      get: op(`${prefix}.GetProfile`, tag, 'Get the profile', {
        parameters: [param('expand')],
        responses: { 200: { description: 'The profile (its id is the user id).', content: json(ref('microsoft.graph.profile')) }, ...errors },
      }),
    };
    paths[`${root}/profile/phones`] = {
      parameters: pathParams,
      get: op(`${prefix}.profile.ListPhones`, tag, 'List phones', {
        parameters: ['filter', 'orderby', 'select', 'top', 'skip', 'count', 'skiptoken'].map(param),
        responses: { 200: { description: 'A page of phones.', content: json(ref('microsoft.graph.itemPhoneCollectionResponse')) }, ...errors },
      }),
      post: op(`${prefix}.profile.CreatePhones`, tag, 'Create a phone', {
        requestBody: phoneBody,
        responses: {
          201: {
            description: 'The created phone.',
            headers: { Location: { description: 'The phone, under /beta/users/{id}.', schema: { type: 'string' } }, ...etag },
            content: json(ref('microsoft.graph.itemPhone')),
          },
          ...errors,
        },
      }),
    };
    paths[`${root}/profile/phones/{itemPhone-id}`] = {
      parameters: [...pathParams, param('itemPhoneId')],
      get: op(`${prefix}.profile.GetPhones`, tag, 'Get a phone', {
        parameters: ['select', 'ifMatch', 'ifNoneMatch'].map(param),
        responses: {
          200: { description: 'The phone.', headers: etag, content: json(ref('microsoft.graph.itemPhone')) },
          304: { description: 'Not modified: If-None-Match names the current ETag (or is *). No body.', headers: etag },
          ...preconditionFailed,
          ...errors,
        },
      }),
      patch: op(`${prefix}.profile.UpdatePhones`, tag, 'Update a phone', {
        parameters: ['ifMatch', 'ifNoneMatch'].map(param),
        requestBody: { ...phoneBody, description: 'Only the properties to change.' },
        responses: { 200: { description: 'The updated phone.', headers: etag, content: json(ref('microsoft.graph.itemPhone')) }, ...preconditionFailed, ...errors },
      }),
      delete: op(`${prefix}.profile.DeletePhones`, tag, 'Delete a phone', {
        parameters: ['ifMatch', 'ifNoneMatch'].map(param),
        responses: { 204: { description: 'Deleted.' }, ...preconditionFailed, ...errors },
      }),
    };
    paths[`${root}/profile/phones/$count`] = {
      parameters: pathParams,
      get: op(`${prefix}.profile.phones.GetCount`, tag, 'Count phones', {
        parameters: [param('filter')],
        responses: { 200: { description: 'The number of matching phones.', content: { 'text/plain': { schema: { type: 'integer', format: 'int32' } } } }, ...errors },
      }),
    };
  }
  paths['/beta/$batch'] = {
    post: op('batch', 'batch', `Run up to ${MAX_BATCH_REQUESTS} requests in one round trip`, {
      description: 'Each inner request is authenticated with the outer Authorization header and answered as if sent directly.',
      requestBody: { required: true, content: json(ref('BatchRequest')) },
      responses: { 200: { description: 'One response per request.', content: json(ref('BatchResponse')) }, ...errors },
    }),
  };
  paths['/beta/$metadata'] = {
    get: op('getMetadata', 'service', 'The OData CSDL of what is served', {
      ...anonymous,
      responses: { 200: { description: 'CSDL XML.', content: { 'application/xml': { schema: { type: 'string' } } } }, ...errors },
    }),
  };
  paths['/beta/openapi.json'] = {
    get: op('getOpenApi', 'service', 'This OpenAPI description', {
      ...anonymous,
      responses: { 200: { description: 'OpenAPI 3.1 document.', content: json({ type: 'object' }) }, ...errors },
    }),
  };
  paths['/beta/docs'] = {
    get: op('getDocs', 'service', 'A browsable page of this API', {
      ...anonymous,
      responses: { 200: { description: 'HTML.', content: { 'text/html': { schema: { type: 'string' } } } }, ...errors },
    }),
  };
  const health = {
    type: 'object',
    properties: { status: { type: 'string' }, store: { type: 'object', properties: { kind: { type: 'string' }, state: { type: 'string' } } } },
  };
  paths['/health'] = {
    get: op('getHealth', 'service', 'Readiness of this instance and its store', {
      ...anonymous,
      responses: {
        200: { description: 'Ready.', content: json(health) },
        503: { description: 'Starting, stopping or store unreachable.', content: json(health) },
        // As on every path, a request Node's parser refuses (headers over 16 KiB, bytes that are not HTTP) gets 431 or 400 in Graph's form.
        ...errors,
      },
    }),
  };

  // Only the schemas the paths reach: an entity type no served path answers with (microsoft.graph.user,
  // since /users/{id} itself is not served) would be an unused component.
  keepReachable(schemas, [paths, parameters, ref(ERROR_NAME)]);

  return {
    openapi: '3.1.0',
    info: {
      title: 'Microsoft Graph beta profile phones (self-hosted)',
      version: options.version ?? '1.0.0',
      description: 'The Microsoft Graph beta itemPhone API (profile phones), generated from the service\'s EDM descriptors. See also /beta/$metadata.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    tags: [
      { name: 'me.profile', description: 'The signed-in user\'s profile' },
      { name: 'users.profile', description: 'Any user\'s profile in the caller\'s tenant' },
      { name: 'batch', description: 'JSON batching' },
      { name: 'service', description: 'Service documents and health' },
    ],
    paths,
    components: {
      schemas,
      parameters,
      responses: {
        error: { description: 'error', content: json(ref(ERROR_NAME)) },
        preconditionFailed: { description: 'If-Match or If-None-Match does not hold (resourceModified); nothing was changed.', content: json(ref(ERROR_NAME)) },
      },
      headers: {
        ETag: { description: 'The weak entity tag of the item, W/"<version>": it changes on every update.', schema: { type: 'string' } },
      },
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token (Entra ID, or the development issuer).' } },
    },
  };
}

/** Deletes from `schemas` every schema that no `$ref` in `roots` reaches, directly or through other schemas. */
function keepReachable(schemas: Record<string, Schema>, roots: unknown[]): void {
  const prefix = '#/components/schemas/';
  const reached = new Set<string>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(prefix)) {
        const name = value.slice(prefix.length);
        if (reached.has(name)) continue;
        reached.add(name);
        visit(schemas[name]);
      } else {
        visit(value);
      }
    }
  };
  visit(roots);
  for (const name of Object.keys(schemas)) if (!reached.has(name)) delete schemas[name];
}

// ---- the browsable page: rendered on the server from the document, no script, no external assets ----

const h = xmlEscape;

function schemaLabel(s: Schema | undefined): string {
  if (!s) return '';
  if (typeof s.$ref === 'string') {
    const name = s.$ref.slice(s.$ref.lastIndexOf('/') + 1);
    return `<a href="#schema-${h(name)}">${h(name)}</a>`;
  }
  if (Array.isArray(s.anyOf)) return (s.anyOf as Schema[]).map(schemaLabel).join(' | ');
  if (Array.isArray(s.allOf)) return (s.allOf as Schema[]).map(schemaLabel).join(' & ');
  if (s.type === 'array' || (Array.isArray(s.type) && s.type.includes('array'))) {
    const nullable = Array.isArray(s.type) && s.type.includes('null') ? ' | null' : '';
    const items = typeof s.maxItems === 'number' ? ` <small>(at most ${h(String(s.maxItems))} items)</small>` : '';
    const of = schemaLabel(s.items as Schema);
    return `array of ${of.includes(' | ') ? `(${of})` : of}${items}${nullable}`;
  }
  const type = Array.isArray(s.type) ? s.type.join(' | ') : String(s.type ?? 'any');
  const extra: string[] = [];
  if (Array.isArray(s.enum)) extra.push(`one of ${(s.enum as unknown[]).join(', ')}`);
  if (typeof s.maxLength === 'number') extra.push(`max ${s.maxLength} chars`);
  if (typeof s.format === 'string') extra.push(s.format);
  if (s.readOnly) extra.push('read-only');
  return h(type) + (extra.length ? ` <small>(${h(extra.join('; '))})</small>` : '');
}

export function renderDocsHtml(doc: Schema): string {
  const info = doc.info as { title: string; version: string; description: string };
  const paths = doc.paths as Record<string, Record<string, Schema>>;
  const components = doc.components as { schemas: Record<string, Schema>; parameters: Record<string, Schema> };
  const resolveParam = (p: Schema): Schema =>
    typeof p.$ref === 'string' ? components.parameters[p.$ref.slice(p.$ref.lastIndexOf('/') + 1)]! : p;
  const out: string[] = [];
  out.push('<!doctype html><html lang="en"><head><meta charset="utf-8">');
  out.push(`<title>${h(info.title)}</title>`);
  out.push('<style>body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}'
    + 'code{background:#f3f3f3;padding:0 .2em}table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}'
    + '.m{font-weight:bold;text-transform:uppercase;display:inline-block;min-width:4.5em}h3{margin-bottom:.2rem}</style></head><body>');
  out.push(`<h1>${h(info.title)}</h1><p>${h(info.description)} Version ${h(info.version)}. Machine-readable: <a href="openapi.json">openapi.json</a>.</p>`);
  out.push('<h2>Operations</h2>');
  for (const [path, item] of Object.entries(paths)) {
    const shared = (item.parameters as unknown as Schema[] | undefined) ?? [];
    for (const method of ['get', 'post', 'patch', 'delete']) {
      const o = item[method];
      if (!o) continue;
      out.push(`<h3 id="op-${h(String(o.operationId))}"><span class="m">${method}</span> <code>${h(path)}</code></h3>`);
      out.push(`<p>${h(String(o.summary))} — <code>${h(String(o.operationId))}</code>${Array.isArray(o.security) && o.security.length === 0 ? ' (no token needed)' : ''}</p>`);
      if (o.description) out.push(`<p>${h(String(o.description))}</p>`);
      const params = [...shared, ...((o.parameters as Schema[] | undefined) ?? [])].map(resolveParam);
      if (params.length) {
        out.push('<table><tr><th>parameter</th><th>in</th><th>type</th><th>description</th></tr>');
        for (const p of params) out.push(`<tr><td><code>${h(String(p.name))}</code></td><td>${h(String(p.in))}</td><td>${schemaLabel(p.schema as Schema)}</td><td>${h(String(p.description ?? ''))}</td></tr>`);
        out.push('</table>');
      }
      const body = o.requestBody as { content: Record<string, { schema: Schema }> } | undefined;
      if (body) out.push(`<p>Request body: ${Object.values(body.content).map((c) => schemaLabel(c.schema)).join(', ')}</p>`);
      const responses = o.responses as Record<string, { description?: string; content?: Record<string, { schema: Schema }>; $ref?: string }>;
      out.push('<table><tr><th>status</th><th>body</th></tr>');
      for (const [status, r] of Object.entries(responses)) {
        const bodyLabel = r.$ref ? schemaLabel({ $ref: '#/components/schemas/' + ERROR_NAME }) : Object.entries(r.content ?? {}).map(([type, c]) => `${h(type)}: ${schemaLabel(c.schema)}`).join(', ') || h(r.description ?? '');
        out.push(`<tr><td>${h(status)}</td><td>${bodyLabel}</td></tr>`);
      }
      out.push('</table>');
    }
  }
  out.push('<h2>Schemas</h2>');
  for (const [name, s] of Object.entries(components.schemas)) {
    out.push(`<h3 id="schema-${h(name)}">${h(name)}</h3>`);
    const parts = Array.isArray(s.allOf) ? (s.allOf as Schema[]) : [s];
    for (const part of parts) {
      if (part.$ref) {
        out.push(`<p>Inherits ${schemaLabel(part)}.</p>`);
        continue;
      }
      if (part.description) out.push(`<p>${h(String(part.description))}</p>`);
      const props = part.properties as Record<string, Schema> | undefined;
      if (props) {
        const required = new Set((part.required as string[] | undefined) ?? []);
        out.push('<table><tr><th>property</th><th>type</th></tr>');
        for (const [p, ps] of Object.entries(props)) out.push(`<tr><td><code>${h(p)}</code>${required.has(p) ? ' (required)' : ''}</td><td>${schemaLabel(ps)}</td></tr>`);
        out.push('</table>');
      } else {
        out.push(`<p>${schemaLabel(part)}</p>`);
      }
    }
  }
  out.push('</body></html>');
  return out.join('\n') + '\n';
}

/** Serves GET /beta/openapi.json and GET /beta/docs (and HEAD), anonymously, both built once from `model`. */
export function registerOpenApiRoutes(app: FastifyInstance, model: EdmModel, options: { version?: string } = {}): void {
  const doc = buildOpenApi(model, options);
  const json = Buffer.from(JSON.stringify(doc), 'utf8');
  const html = Buffer.from(renderDocsHtml(doc), 'utf8');
  app.get('/beta/openapi.json', async (_request, reply) => reply.code(200).type('application/json; charset=utf-8').send(json));
  app.get('/beta/docs', async (_request, reply) => reply.code(200).type('text/html; charset=utf-8').send(html));
  methodNotAllowed(app, '/beta/openapi.json', ['GET']);
  methodNotAllowed(app, '/beta/docs', ['GET']);
}
