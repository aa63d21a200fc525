// Reading the control API's JSON bodies (and a seed file): each value is checked where it stands, and refused with
// its place in the body (tenants[0].users[1].displayName), so that one bad value in a large body is found at once.
import { graphErrors, type GraphError } from '../graph/errors.ts';
import { UNSTORABLE_IN_REQUEST, unstorableText } from '../model/storableText.ts';

type JsonObject = Record<string, unknown>;

/** The place of `key` inside the value at `parent`: tenants[0], tenants[0].name ('' is the body itself). */
export const placeOf = (parent: string, key: string | number): string =>
  typeof key === 'number' ? `${parent}[${key}]` : parent ? `${parent}.${key}` : key;

/** A 400 for the value at `place`: "tenants[0].name: must be a non-empty string." */
export const refusedAt = (place: string, problem: string): GraphError => graphErrors.invalidRequest(place ? `${place}: ${problem}` : problem);

const kindOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`);

/**
 * `value` as a JSON object whose keys are all `known` (`what` names it in the message: "a user"). The body itself
 * (place '') is named "The request body".
 */
export function objectAt(value: unknown, place: string, what: string, known: readonly string[]): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw place ? refusedAt(place, `must be ${what} (a JSON object), not ${kindOf(value)}.`) : refusedAt('', `The request body must be ${what} (a JSON object), not ${kindOf(value)}.`);
  }
  const object = value as JsonObject;
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) throw refusedAt(placeOf(place, key), `is not a property of ${what}, which may have ${known.join(', ')}.`);
  }
  return object;
}

export function arrayAt(object: JsonObject, key: string, place: string): unknown[] | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw refusedAt(placeOf(place, key), `must be an array, not ${kindOf(value)}.`);
  return value;
}

export function booleanAt(object: JsonObject, key: string, place: string): boolean | undefined {
  const value = object[key];
  if (value === undefined || typeof value === 'boolean') return value;
  throw refusedAt(placeOf(place, key), `must be true or false, not ${kindOf(value)}.`);
}

export function numberAt(object: JsonObject, key: string, place: string): number | undefined {
  const value = object[key];
  if (value === undefined || typeof value === 'number') return value;
  throw refusedAt(placeOf(place, key), `must be a number, not ${kindOf(value)}.`);
}

export interface TextRules {
  /** The empty string is refused. */
  readonly nonEmpty?: boolean;
  /** In UTF-16 code units, as the rest of the service counts. */
  readonly maxLength?: number;
}

/** A string the store can keep (no NUL, no lone surrogate), within `rules`; undefined when absent. */
export function stringAt(object: JsonObject, key: string, place: string, rules: TextRules = {}): string | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  const at = placeOf(place, key);
  if (typeof value !== 'string') throw refusedAt(at, `must be a string, not ${kindOf(value)}.`);
  if (rules.nonEmpty && value === '') throw refusedAt(at, 'must not be empty.');
  if (rules.maxLength !== undefined && value.length > rules.maxLength) {
    throw refusedAt(at, `is ${value.length} characters long; at most ${rules.maxLength} are allowed.`);
  }
  const unstorable = unstorableText(value);
  if (unstorable) throw refusedAt(at, `contains ${UNSTORABLE_IN_REQUEST[unstorable]}, which is not allowed.`);
  return value;
}

/** A string, or a list of strings (permissions: "User.Read User.ReadWrite" or ["User.Read", "User.ReadWrite"]). */
export function stringsAt(object: JsonObject, key: string, place: string): string | string[] | undefined {
  const value = object[key];
  if (value === undefined || typeof value === 'string') return value;
  const at = placeOf(place, key);
  if (!Array.isArray(value)) throw refusedAt(at, `must be a string (space- or comma-separated) or an array of strings, not ${kindOf(value)}.`);
  const notString = value.findIndex((v) => typeof v !== 'string');
  if (notString >= 0) throw refusedAt(placeOf(at, notString), `must be a string, not ${kindOf(value[notString])}.`);
  return value as string[];
}

/** The value, which must be present. */
export function required<T>(value: T | undefined, place: string, what: string): T {
  if (value === undefined) throw refusedAt(place, `is required: ${what}.`);
  return value;
}
