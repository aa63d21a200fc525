// OData URL conventions shared by every resource: @odata.context, and the system query options
// this version does not support yet (they are refused, never silently ignored: an app that asked
// for $filter must not get unfiltered data and believe it filtered).
import { graphErrors } from './errors.ts';

export function contextUrl(base: string, fragment: string): string {
  return `${base}/beta/$metadata#${fragment}`;
}

/** Graph treats `$top` and `top` as different things only by the dollar; both `$` and `%24` arrive as `$`. */
export function refuseQueryOptions(query: unknown, supported: readonly string[] = []): void {
  if (!query || typeof query !== 'object') return;
  for (const name of Object.keys(query)) {
    if (name.startsWith('$') && !supported.includes(name.toLowerCase())) {
      throw graphErrors.badQuery(`The query specified in the URI is not valid. Query option '${name}' is not supported by this service yet.`);
    }
  }
}
