// Where the controls live and how they answer, and how the journal's filters and the faults name request paths.
import type { FastifyReply } from 'fastify';

/** Every control lives under this prefix; the journal does not record it and no fault matches it. */
export const CONTROL_PREFIX = '/_emulator';

/** The OpenAPI tag of every control. */
export const EMULATOR_TAG = 'emulator';

/** Route options of every control: never throttled, so a suite's own checks do not use up the limit its app is tested against. */
export const controlRoute = { config: { rateLimit: false } } as const;

/** The controls' answers are plain JSON (they are not Graph's: no @odata annotations, no OData-Version). */
export const sendControlJson = (reply: FastifyReply, status: number, body: unknown) =>
  reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(body));

/** The path of a request URL, without its query string. */
export const pathOf = (url: string): string => url.split('?', 1)[0] ?? '';

/** The control API's own paths (case-insensitive, as the router is). */
export const isControlPath = (url: string): boolean => /^\/_emulator(?:[/?]|$)/i.test(url);

/** Percent-decoded and lower case: the router matches paths that way (caseSensitive: false). */
function decodedLower(path: string): string {
  try {
    return decodeURIComponent(path).toLowerCase();
  } catch {
    return path.toLowerCase(); // not valid percent-encoding: compared as sent
  }
}

/** Also without a trailing slash, which the router ignores (ignoreTrailingSlash). */
const canonical = (path: string): string => decodedLower(path.length > 1 ? path.replace(/\/+$/, '') : path);

/**
 * A path pattern: a path (matched whole), or a prefix ending in `*` (`/beta/me/profile/phones*` matches the
 * collection, $count and every item; `*` alone matches every path). Case-insensitive and percent-decoded on both
 * sides, as the routes match. `reason` says why a pattern is not one.
 */
export function pathPattern(pattern: string): { matches: (path: string) => boolean } | { reason: string } {
  if (!pattern.startsWith('/') && pattern !== '*') return { reason: "must start with '/' (or be '*' for every path)" };
  if (pattern.includes('?')) return { reason: 'names a path only: the query string is not matched' };
  const star = pattern.indexOf('*');
  if (star !== -1 && star !== pattern.length - 1) return { reason: "may have '*' only at its end (a prefix)" };
  if (star === -1) {
    const whole = canonical(pattern);
    return { matches: (path) => canonical(path) === whole };
  }
  const prefix = decodedLower(pattern.slice(0, -1));
  return { matches: (path) => decodedLower(path).startsWith(prefix) };
}
