// A small description of OData (EDM) types, and a reader that checks a JSON request body against one.
// Written by hand because Graph answers bad bodies with the OData deserializer's own messages
// ("The property 'x' does not exist on type ...", "A null value was found for the property named ..."),
// which a JSON Schema validator such as Ajv cannot produce; and because one description here also
// drives the stored columns and, later, $metadata and OpenAPI, so the types are written down once.
import { UNSTORABLE_IN_REQUEST, unstorableText } from '../model/storableText.ts';
import { graphErrors } from './errors.ts';

export type EdmType =
  | { readonly kind: 'string'; readonly maxLength: number }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'double' }
  | { readonly kind: 'dateTimeOffset' }
  | {
      readonly kind: 'enum';
      readonly name: string;
      readonly members: readonly string[];
      readonly flags: boolean;
      /**
       * The members' underlying values, in the order of `members`, as $metadata declares them. Only
       * $metadata reads them; when absent a plain enum numbers its members 0, 1, 2, ... and a flags enum
       * 1, 2, 4, ... (OData's defaults).
       */
      readonly values?: readonly number[];
    }
  | { readonly kind: 'complex'; readonly name: string; readonly properties: Readonly<Record<string, PropertyDef>> }
  /**
   * A collection (OData `Collection(T)`), e.g. personDataSources.type: `Collection(Edm.String)`. The
   * property holding it says whether the collection itself may be null (`PropertyDef.nullable`); this type
   * says whether its items may be (CSDL's Nullable attribute on a collection property is about its items)
   * and how many there may be (the service's limit; Graph documents none).
   */
  | { readonly kind: 'collection'; readonly element: EdmType; readonly elementNullable: boolean; readonly maxItems: number };

export interface PropertyDef {
  readonly type: EdmType;
  readonly nullable: boolean;
  /** false for server-managed properties: sent in a body they are ignored, never stored. */
  readonly settable: boolean;
  /**
   * Whether the published schema ($metadata, OpenAPI) declares the property nullable, when that differs
   * from `nullable` (what the service accepts). Graph's schema and Graph's behaviour do not always agree:
   * itemPhone.type is Nullable="false" yet Graph answers and accepts null. Only descriptions of the
   * schema read it; request validation always uses `nullable`. Absent: the same as `nullable`.
   */
  readonly declaredNullable?: boolean;
}

export interface EntityTypeDef {
  /** Qualified name, e.g. microsoft.graph.itemPhone. */
  readonly name: string;
  readonly properties: Readonly<Record<string, PropertyDef>>;
}

export const edm = {
  string: (maxLength: number): EdmType => ({ kind: 'string', maxLength }),
  boolean: { kind: 'boolean' } as EdmType,
  double: { kind: 'double' } as EdmType,
  dateTimeOffset: { kind: 'dateTimeOffset' } as EdmType,
  collection: (element: EdmType, options: { elementNullable: boolean; maxItems: number }): EdmType => ({ kind: 'collection', element, ...options }),
};

/** A qualified name without its namespace: microsoft.graph.itemPhone -> itemPhone. */
export const unqualifiedName = (qualified: string): string => qualified.slice(qualified.lastIndexOf('.') + 1);

export function typeName(t: EdmType): string {
  switch (t.kind) {
    case 'string':
      return 'Edm.String';
    case 'boolean':
      return 'Edm.Boolean';
    case 'double':
      return 'Edm.Double';
    case 'dateTimeOffset':
      return 'Edm.DateTimeOffset';
    case 'enum':
    case 'complex':
      return t.name;
    case 'collection':
      return `Collection(${typeName(t.element)})`;
  }
}

function jsonNodeKind(value: unknown): string {
  if (Array.isArray(value)) return 'StartArray';
  if (value !== null && typeof value === 'object') return 'StartObject';
  return 'PrimitiveValue';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Reads the settable properties present in `body` against `entity`.
 * Annotations (`@odata.type`, `number@odata.type`, ...) and read-only properties are dropped; anything
 * unknown or of the wrong shape is a 400 with the OData-style message Graph uses.
 */
export function readEntityBody(entity: EntityTypeDef, body: unknown): Record<string, unknown> {
  if (!isPlainObject(body)) {
    throw graphErrors.bodyRead(
      `An unexpected '${body === null ? 'PrimitiveValue' : jsonNodeKind(body)}' node was found when reading from the JSON reader. A 'StartObject' node was expected.`,
    );
  }
  return readProperties(entity.name, entity.properties, body, '', true);
}

function readProperties(
  typeQualifiedName: string,
  properties: Readonly<Record<string, PropertyDef>>,
  body: Record<string, unknown>,
  path: string,
  skipReadOnly: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(body)) {
    if (key.includes('@')) continue; // instance or property annotation: never stored
    const def = Object.hasOwn(properties, key) ? properties[key] : undefined;
    if (!def) {
      throw graphErrors.bodyRead(
        `The property '${key}' does not exist on type '${typeQualifiedName}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
        path + key,
      );
    }
    if (skipReadOnly && !def.settable) continue;
    out[key] = readValue(def, body[key], path + key);
  }
  return out;
}

function readValue(def: PropertyDef, value: unknown, path: string): unknown {
  if (value === null) {
    if (def.nullable) return null;
    const full = `${typeName(def.type)}[Nullable=False]`;
    throw graphErrors.bodyRead(
      `A null value was found for the property named '${path}', which has the expected type '${full}'. The expected type '${full}' does not allow null values.`,
      path,
    );
  }
  return readNonNull(def.type, value, path);
}

/** A value other than null of type `t`; `item` is its index when it is an item of the collection at `path`. */
function readNonNull(t: EdmType, value: unknown, path: string, item?: number): unknown {
  switch (t.kind) {
    case 'string': {
      if (typeof value !== 'string') throw wrongType(value, path, t);
      return readString(value, t.maxLength, path, item);
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw wrongType(value, path, t);
      return value;
    case 'double':
      // JSON.parse turns 1e400 into Infinity, which JSON cannot carry back: refuse it rather than lose it.
      if (typeof value !== 'number' || !Number.isFinite(value)) throw wrongType(value, path, t);
      return value;
    case 'dateTimeOffset': {
      if (typeof value !== 'string') throw wrongType(value, path, t);
      if (Number.isNaN(Date.parse(value))) throw graphErrors.bodyRead(`Cannot convert the literal '${value}' to the expected type 'Edm.DateTimeOffset' for property '${path}'.`, path);
      return value;
    }
    case 'enum':
      return t.flags ? readFlags(t, value, path) : readEnumMember(t, value, path);
    case 'complex': {
      if (!isPlainObject(value)) {
        throw graphErrors.bodyRead(
          `An unexpected '${jsonNodeKind(value)}' node was found for property named '${path}' when reading from the JSON reader. A 'StartObject' node was expected.`,
          path,
        );
      }
      const read = readProperties(t.name, t.properties, value, path + '/', false);
      // A complex value is stored whole: members not sent are null.
      const complete: Record<string, unknown> = {};
      for (const name of Object.keys(t.properties)) complete[name] = name in read ? read[name] : null;
      return complete;
    }
    case 'collection': {
      // A single value where a collection belongs (the older {"type": "User"} of personDataSource) is
      // refused as the OData reader refuses it, never wrapped: the caller learns the type it must send.
      if (!Array.isArray(value)) {
        throw graphErrors.bodyRead(
          `An unexpected '${jsonNodeKind(value)}' node was found for property named '${path}' when reading from the JSON reader. A 'StartArray' node was expected.`,
          path,
        );
      }
      if (value.length > t.maxItems) {
        throw graphErrors.invalidRequest(`The property '${path}' has ${value.length} items; at most ${t.maxItems} are allowed.`, path);
      }
      return value.map((v: unknown, i) => {
        if (v !== null) return readNonNull(t.element, v, path, i);
        if (t.elementNullable) return null;
        throw graphErrors.bodyRead(
          `A null value was found in the collection of the property named '${path}', but the expected collection item type '${typeName(t.element)}' does not allow null values.`,
          path,
        );
      });
    }
  }
}

function wrongType(value: unknown, path: string, t: EdmType): Error {
  const kind = jsonNodeKind(value);
  if (kind !== 'PrimitiveValue') {
    return graphErrors.bodyRead(
      `An unexpected '${kind}' node was found for property named '${path}' when reading from the JSON reader. A 'PrimitiveValue' node was expected.`,
      path,
    );
  }
  return graphErrors.bodyRead(
    `Cannot convert the literal '${String(value)}' to the expected type '${typeName(t)}' for property '${path}'.`,
    path,
  );
}

function readString(value: string, maxLength: number, path: string, item?: number): string {
  const subject = item === undefined ? `The property '${path}'` : `The item at index ${item} of the property '${path}'`;
  const unstorable = unstorableText(value);
  if (unstorable) throw graphErrors.invalidRequest(`${subject} contains ${UNSTORABLE_IN_REQUEST[unstorable]}, which is not allowed.`, path);
  // Length in UTF-16 code units, as .NET (and so Graph) counts a string's length.
  if (value.length > maxLength) {
    throw graphErrors.invalidRequest(`${subject} is ${value.length} characters long; at most ${maxLength} are allowed.`, path);
  }
  return value;
}

function notAMember(t: { name: string; members: readonly string[] }, literal: string, path: string): Error {
  return graphErrors.bodyRead(
    `The string '${literal}' is not a valid enumeration type constant for property '${path}' of type '${t.name}'. Valid values (case-sensitive): ${t.members.join(', ')}.`,
    path,
  );
}

function readEnumMember(t: { name: string; members: readonly string[] }, value: unknown, path: string): string {
  if (typeof value !== 'string') throw wrongType(value, path, { kind: 'enum', name: t.name, members: t.members, flags: false });
  if (!t.members.includes(value)) throw notAMember(t, value, path);
  return value;
}

/**
 * A flags enum is written by Graph as one comma-separated string ("me,family"). On input both that
 * string and a JSON array of members are accepted. The result is the set of members in declaration
 * order, so equal sets are stored and sent identically.
 */
function readFlags(t: Extract<EdmType, { kind: 'enum' }>, value: unknown, path: string): string[] {
  let parts: unknown[];
  if (typeof value === 'string') parts = value.split(',').map((p) => p.trim());
  else if (Array.isArray(value)) parts = value;
  else throw wrongType(value, path, t);
  if (parts.length === 0) {
    throw graphErrors.bodyRead(`The property '${path}' must name at least one member of '${t.name}'.`, path);
  }
  const chosen = new Set<string>();
  for (const part of parts) chosen.add(readEnumMember(t, part, path));
  return t.members.filter((m) => chosen.has(m));
}
