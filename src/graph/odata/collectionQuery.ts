// Reads the OData system query options of a request against an entity type: which are allowed here,
// each one's syntax and limits. What comes out is checked and typed; stores translate it to SQL.
import { graphErrors } from '../errors.ts';
import type { EntityTypeDef } from '../edm.ts';
import type { FilterExpr, OrderByItem } from './ast.ts';
import { parseFilter, parseOrderBy, parseSelect } from './parse.ts';

/** Graph's profile API answers 10 items a page unless $top says otherwise. */
export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 999;
export const MAX_SKIP = 100_000;

export type QueryOption = '$filter' | '$orderby' | '$select' | '$top' | '$skip' | '$count' | '$skiptoken' | '$expand';

export interface CollectionQuery {
  readonly select: readonly string[] | undefined;
  readonly filter: FilterExpr | undefined;
  readonly orderBy: readonly OrderByItem[];
  readonly top: number;
  readonly skip: number;
  readonly count: boolean;
  readonly skipToken: string | undefined;
  /** The options as the client wrote them (names lower-cased), for the next page's link. */
  readonly raw: Readonly<Record<string, string>>;
}

/**
 * The system query options of `query` ($-prefixed; `%24top` arrives decoded as `$top`), names matched
 * case-insensitively. Options outside `allowed` are refused (400), never ignored.
 */
export function systemQueryOptions(query: unknown, allowed: readonly QueryOption[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    if (!key.startsWith('$')) continue; // custom query options are not ours to judge
    const name = key.toLowerCase();
    if (!(allowed as readonly string[]).includes(name)) {
      throw graphErrors.badQuery(`The query specified in the URI is not valid. Query option '${key}' is not supported for this resource.`);
    }
    if (typeof value !== 'string' || name in out) {
      throw graphErrors.badQuery(`The query specified in the URI is not valid. Query option '${name}' was specified more than once.`);
    }
    out[name] = value;
  }
  return out;
}

function integer(raw: string, name: string, max: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) > max) {
    throw graphErrors.badQuery(`Invalid value '${raw}' for query option '${name}': expected an integer from 0 to ${max}.`);
  }
  return Number(raw);
}

export function readCollectionQuery(query: unknown, entity: EntityTypeDef): CollectionQuery {
  const raw = systemQueryOptions(query, ['$filter', '$orderby', '$select', '$top', '$skip', '$count', '$skiptoken']);
  const count = raw.$count;
  if (count !== undefined && count !== 'true' && count !== 'false') {
    throw graphErrors.badQuery(`Invalid value '${count}' for query option '$count': expected true or false.`);
  }
  return {
    select: raw.$select !== undefined ? parseSelect(raw.$select, entity) : undefined,
    filter: raw.$filter !== undefined ? parseFilter(raw.$filter, entity) : undefined,
    orderBy: raw.$orderby !== undefined ? parseOrderBy(raw.$orderby, entity) : [],
    top: raw.$top !== undefined ? integer(raw.$top, '$top', MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE,
    skip: raw.$skip !== undefined ? integer(raw.$skip, '$skip', MAX_SKIP) : 0,
    count: count === 'true',
    skipToken: raw.$skiptoken,
    raw,
  };
}

/** Only the selected properties (the entity's order; `id` always), or all when nothing was selected. */
export function applySelect(wire: Record<string, unknown>, select: readonly string[] | undefined): Record<string, unknown> {
  if (!select) return wire;
  const out: Record<string, unknown> = {};
  for (const name of select) out[name] = wire[name];
  return out;
}
