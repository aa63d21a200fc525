// The document's components.schemas: the EDM types (graph/edm.ts) written as JSON Schema 2020-12, OpenAPI 3.1's
// dialect, plus the envelopes the EDM does not describe (a collection page, the error, $batch).
import { BATCH_METHODS, MAX_BATCH_REQUESTS } from '../batch.ts';
import { unqualifiedName, type EdmType, type PropertyDef } from '../edm.ts';
import type { EdmModel, EntityTypeDecl, NavigationPropertyDecl } from '../odata/metadata.ts';

export type Schema = Record<string, unknown>;
type Schemas = Record<string, Schema>;
type EnumType = Extract<EdmType, { kind: 'enum' }>;
type ComplexType = Extract<EdmType, { kind: 'complex' }>;

export const ERROR_NAME = 'microsoft.graph.ODataErrors.ODataError';
export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const nullableRef = (name: string): Schema => ({ anyOf: [ref(name), { type: 'null' }] });

/** Date-times as Graph's own OpenAPI describes Edm.DateTimeOffset. */
const DATE_TIME_PATTERN =
  '^[0-9]{4,}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,12})?(Z|[+-][0-9][0-9]:[0-9][0-9])$';

const regexEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A schema for every entity type of `model`, each preceded by the enum and complex types its own properties
 * reach the first time one is reached. Throws when a base type is not in the model.
 */
export function modelSchemas(model: EdmModel): Schemas {
  const out: Schemas = {};
  const entities = new Map<string, EntityTypeDecl>(model.entityTypes.map((e) => [e.type.name, e]));
  for (const e of model.entityTypes) {
    const base = e.baseType ? entities.get(e.baseType) : undefined;
    if (e.baseType && !base) throw new Error(`${e.type.name}: base type ${e.baseType} is not in the model`);
    const schema = entitySchema(e, base, out); // adds the types it reaches first, so they come before it
    out[e.type.name] = schema;
  }
  return out;
}

/** Only the properties `base` does not have: the rest are inherited through allOf, as in Graph's OpenAPI. */
function entitySchema(e: EntityTypeDecl, base: EntityTypeDecl | undefined, out: Schemas): Schema {
  const own = Object.entries(e.type.properties).filter(([name]) => !base || !Object.hasOwn(base.type.properties, name));
  const props = propertySchemas(own, out);
  for (const n of e.navigationProperties ?? []) props[n.name] = navigationSchema(n);
  const body: Schema = { title: unqualifiedName(e.type.name), type: 'object', properties: props };
  return base ? { allOf: [ref(base.type.name), body] } : body;
}

function navigationSchema(n: NavigationPropertyDecl): Schema {
  return { ...(n.collection ? { type: 'array', items: ref(n.target) } : ref(n.target)), 'x-ms-navigationProperty': true };
}

function propertySchemas(entries: [string, PropertyDef][], out: Schemas): Schemas {
  const props: Schemas = {};
  for (const [name, def] of entries) props[name] = propertySchema(def, out);
  return props;
}

/** The property's schema; the enum and complex types it names are added to `out`. */
function propertySchema(def: PropertyDef, out: Schemas): Schema {
  // What the published schema declares (Graph's CSDL), which is not always what validation accepts.
  const nullable = def.declaredNullable ?? def.nullable;
  const s = typeSchema(def.type, nullable, out);
  if (!def.settable) s.readOnly = true;
  return s;
}

function typeSchema(t: EdmType, nullable: boolean, out: Schemas): Schema {
  const type = (json: string) => (nullable ? [json, 'null'] : json);
  switch (t.kind) {
    case 'string':
      return { type: type('string'), maxLength: t.maxLength };
    case 'boolean':
      return { type: type('boolean') };
    case 'double':
      return { type: type('number'), format: 'double' };
    case 'dateTimeOffset':
      return { type: type('string'), format: 'date-time', pattern: DATE_TIME_PATTERN };
    case 'enum':
      addEnum(t, out);
      return nullable ? nullableRef(t.name) : ref(t.name);
    case 'complex':
      addComplex(t, out);
      return nullable ? nullableRef(t.name) : ref(t.name);
    case 'collection': {
      // The items' nullability is the collection type's; the collection's own is the property's.
      const items = propertySchema({ type: t.element, nullable: t.elementNullable, settable: true }, out);
      return { type: type('array'), items, maxItems: t.maxItems };
    }
  }
}

function addEnum(t: EnumType, out: Schemas): void {
  if (out[t.name]) return;
  if (!t.flags) {
    out[t.name] = { title: unqualifiedName(t.name), type: 'string', enum: [...t.members] };
    return;
  }
  // JSON Schema has no flags enum: a pattern says what the service reads and writes (edm.ts readFlags).
  const member = `(${t.members.map(regexEscape).join('|')})`;
  out[t.name] = {
    title: unqualifiedName(t.name),
    type: 'string',
    description: `Flags: one or more of ${t.members.join(', ')}, written as one comma-separated string (e.g. "${t.members.slice(0, 2).join(',')}"). On input a JSON array of members is also accepted.`,
    pattern: `^${member}(,${member})*$`,
    'x-ms-enum-flags': { isFlags: true },
  };
}

function addComplex(t: ComplexType, out: Schemas): void {
  if (out[t.name]) return;
  out[t.name] = {}; // reserved first: a complex type may reach itself
  out[t.name] = { title: unqualifiedName(t.name), type: 'object', properties: propertySchemas(Object.entries(t.properties), out) };
}

/** The page a list operation answers: `<entity>CollectionResponse`, as Graph's OpenAPI names it. */
export function collectionResponseSchema(entityName: string): Schema {
  return {
    title: `Collection of ${unqualifiedName(entityName)}`,
    type: 'object',
    required: ['value'],
    properties: {
      '@odata.context': { type: 'string' },
      value: { type: 'array', items: ref(entityName) },
      '@odata.nextLink': { type: ['string', 'null'], description: 'Present when more matches remain: follow it as it is.' },
      '@odata.count': { type: ['integer', 'null'], format: 'int64', description: 'All matches, with $count=true.' },
    },
  };
}

/** Graph's error envelope (graph/errors.ts), which every operation may answer. */
export function errorSchemas(): Schemas {
  return {
    [ERROR_NAME]: {
      type: 'object',
      required: ['error'],
      properties: { error: ref('microsoft.graph.ODataErrors.MainError') },
    },
    'microsoft.graph.ODataErrors.MainError': {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        innerError: ref('microsoft.graph.ODataErrors.InnerError'),
      },
    },
    'microsoft.graph.ODataErrors.InnerError': {
      type: 'object',
      properties: {
        date: { type: 'string', description: 'UTC, seconds precision, no zone designator (as Graph writes it).', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}$' },
        'request-id': { type: 'string' },
        'client-request-id': { type: 'string' },
      },
    },
  };
}

/** The $batch envelope (graph/batch.ts); `exampleUrl` is a served URL relative to /beta. */
export function batchSchemas(exampleUrl: string): Schemas {
  return {
    BatchRequest: {
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
              method: { type: 'string', enum: [...BATCH_METHODS] },
              url: { type: 'string', description: `Relative to /beta, e.g. ${exampleUrl}.` },
              headers: { type: 'object', additionalProperties: { type: 'string' } },
              body: {},
              dependsOn: { type: 'array', items: { type: 'string' } },
            },
          },
        },
      },
    },
    BatchResponse: {
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
    },
  };
}

/** Deletes from `schemas` every schema that no `$ref` in `roots` reaches, directly or through other schemas. */
export function keepReachable(schemas: Schemas, roots: unknown[]): void {
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
