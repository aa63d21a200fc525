// Objects with one fixed list of keys, made by a function compiled once per list (a statement's columns, an entity
// type's properties). Setting keys one at a time in a loop (`o[name] = value`) goes through V8's megamorphic keyed
// stores and grows every object key by key: about 1.7 µs for a phone's 22-column row, where an object literal of the
// same keys takes about 0.03 µs (issue 15's notes in bench/RESULTS.md); a page of phones makes two such objects per
// phone. Written by hand: no library compiles object literals for a list of keys known only at run time
// (fast-json-stringify compiles serializers, not objects).
//
// Keys are written as JSON string literals, so any name is a plain key. A list that names __proto__ is built key by
// key with defineProperty instead: in a literal, or by assignment, that key would set the prototype. A key listed twice
// holds the later value.

type Built = Record<string, unknown>;

const literalable = (keys: readonly string[]) => !keys.includes('__proto__');

/** An own, ordinary property, whatever its name. */
const define = (o: Built, key: string, value: unknown) =>
  Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });

/** `(values) => ({ [keys[i]]: values[i], ... })`. */
export function fromValues(keys: readonly string[]): (values: readonly unknown[]) => Built {
  if (!literalable(keys)) {
    return (values) => {
      const o: Built = {};
      for (let i = 0; i < keys.length; i++) define(o, keys[i]!, values[i]);
      return o;
    };
  }
  const fields = keys.map((k, i) => `${JSON.stringify(k)}: v[${i}]`).join(', ');
  return new Function('v', `return { ${fields} };`) as (values: readonly unknown[]) => Built;
}

export interface PickedKey {
  readonly name: string;
  /** An array value is written as one comma-separated string (an OData flags enum). */
  readonly joinArray: boolean;
}

/** `(source) => ({ [k.name]: source[k.name], ... })` in the order given, arrays joined where asked. */
export function picking(keys: readonly PickedKey[]): (source: Built) => Built {
  const join = (x: unknown) => (Array.isArray(x) ? x.join(',') : x);
  if (!literalable(keys.map((k) => k.name))) {
    return (source) => {
      const o: Built = {};
      for (const k of keys) define(o, k.name, k.joinArray ? join(source[k.name]) : source[k.name]);
      return o;
    };
  }
  const fields = keys
    .map((k) => {
      const name = JSON.stringify(k.name);
      return `${name}: ${k.joinArray ? `join(s[${name}])` : `s[${name}]`}`;
    })
    .join(', ');
  return new Function('join', `return (s) => ({ ${fields} });`)(join) as (source: Built) => Built;
}
