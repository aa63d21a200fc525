// Conditional requests (RFC 9110 §13): If-Match and If-None-Match read from a request and evaluated against
// one entity, whose entity tag is W/"<version>" (its stored write count). Nothing here knows what the entity is.
//
// Choices (docs/differences-from-graph.md):
// - Tags are weak (the same version is written with or without $select, under another host), yet If-Match
//   compares them too: both headers compare opaque-tags, with or without W/ (RFC 9110 asks a strong comparison
//   for If-Match, under which a weak tag never matches, so If-Match could never succeed).
// - A value that is neither "*" nor a list of entity tags is refused (400), never ignored.
// - A collection has no tag: If-Match holds only as "*", If-None-Match: * fails a POST, and a GET ignores
//   If-None-Match (a full 200 always answers a conditional GET correctly).
import type { FastifyRequest } from 'fastify';
import type { VersionCondition } from '../store/types.ts';
import { graphErrors } from './errors.ts';

/** "*", or the opaque-tags of the list (quotes kept, W/ dropped: what both comparisons compare). */
type TagList = '*' | readonly string[];

export interface Preconditions {
  readonly ifMatch?: TagList;
  readonly ifNoneMatch?: TagList;
}

export const entityTag = (version: number): string => `W/"${version}"`;

// entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text; list elements separated by commas
// and optional whitespace, empty elements allowed (RFC 9110 §5.6.1).
const TAG = /^(?:W\/)?("[\x21\x23-\x7e\x80-\xff]*")$/;

function parse(header: 'If-Match' | 'If-None-Match', value: string | string[] | undefined): TagList | undefined {
  if (value === undefined) return undefined;
  const text = (Array.isArray(value) ? value.join(',') : value).trim();
  if (text === '*') return '*';
  // A comma cannot occur inside a tag (etagc), so splitting on commas first is exact.
  const tags = text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')
    .map((e) => TAG.exec(e)?.[1]);
  if (tags.length === 0 || tags.some((t) => t === undefined)) throw graphErrors.badPrecondition(header);
  return tags as string[];
}

/** The request's If-Match and If-None-Match; a malformed one is refused (400 BadRequest). */
export function readPreconditions(request: FastifyRequest): Preconditions {
  return {
    ifMatch: parse('If-Match', request.headers['if-match']),
    ifNoneMatch: parse('If-None-Match', request.headers['if-none-match']),
  };
}

const opaque = (version: number) => `"${version}"`;
const names = (tags: TagList | undefined, version: number) => tags !== undefined && (tags === '*' || tags.includes(opaque(version)));

/**
 * A read of an entity at `version` (found: a missing entity answers 404 whatever the preconditions, as RFC 9110
 * §13.2.1 says). 'notModified' answers 304; a failed If-Match throws 412.
 */
export function evaluateRead(pre: Preconditions, version: number, subject: string): 'read' | 'notModified' {
  if (pre.ifMatch !== undefined && !names(pre.ifMatch, version)) throw graphErrors.preconditionFailed(ifMatchFailed(subject));
  return names(pre.ifNoneMatch, version) ? 'notModified' : 'read';
}

/** Tags are decimal versions; any other tag names no version, so it matches none. */
const versionsOf = (tags: readonly string[]) =>
  tags.filter((t) => /^"(?:0|[1-9][0-9]{0,9})"$/.test(t)).map((t) => Number(t.slice(1, -1))).filter((n) => n < 2 ** 31);

/** What a write's preconditions require of the stored version; undefined when they require nothing. */
export function writeCondition(pre: Preconditions): VersionCondition | undefined {
  const oneOf = pre.ifNoneMatch === '*' ? [] : pre.ifMatch === undefined || pre.ifMatch === '*' ? undefined : versionsOf(pre.ifMatch);
  const noneOf = pre.ifNoneMatch === undefined || pre.ifNoneMatch === '*' ? undefined : versionsOf(pre.ifNoneMatch);
  return oneOf === undefined && noneOf === undefined ? undefined : { oneOf, noneOf };
}

/** The 412 for a write the store refused because of the version it found. */
export function writeRefused(pre: Preconditions, subject: string) {
  if (pre.ifNoneMatch === undefined) return graphErrors.preconditionFailed(ifMatchFailed(subject));
  if (pre.ifMatch === undefined || pre.ifMatch === '*') return graphErrors.preconditionFailed(ifNoneMatchFailed(subject));
  // Which of the two failed is unknown: the version may have changed again since the write was refused.
  return graphErrors.preconditionFailed(`${subject} does not satisfy both If-Match and If-None-Match, so nothing was changed; read it again for its current ETag.`);
}

const ifMatchFailed = (subject: string) =>
  `${subject} does not match If-Match: it has changed since that entity tag was read. Nothing was changed; read it again for its current ETag.`;
const ifNoneMatchFailed = (subject: string) => `${subject} matches If-None-Match, so nothing was changed.`;

/** A collection has no entity tag: If-Match holds only as "*", and If-None-Match: * fails a write (the collection exists). */
export function evaluateOnCollection(pre: Preconditions, write: boolean): void {
  if (pre.ifMatch !== undefined && pre.ifMatch !== '*') {
    throw graphErrors.preconditionFailed("The collection does not match If-Match: a collection has no entity tag, so only '*' matches it.");
  }
  if (write && pre.ifNoneMatch === '*') throw graphErrors.preconditionFailed("The collection exists, so If-None-Match: '*' does not hold; nothing was created.");
}
