// Which strings the service can keep. PostgreSQL cannot store U+0000 (nor even compare it), and a lone UTF-16
// surrogate has no UTF-8 form on either store, so the API refuses both in bodies and query literals, import
// refuses them in rows, and a key holding one matches nothing. Asked here, once, for every one of those places.

/** Why a string cannot be stored. */
export type Unstorable = 'nul' | 'loneSurrogate';

/** What makes `s` unstorable, or undefined when it can be stored. */
export function unstorableText(s: string): Unstorable | undefined {
  if (s.includes('\u0000')) return 'nul';
  if (!s.isWellFormed()) return 'loneSurrogate';
  return undefined;
}

/** The API's words for it, after "contains" (the body reader's and the $filter parser's messages). */
export const UNSTORABLE_IN_REQUEST: Readonly<Record<Unstorable, string>> = {
  nul: 'a NUL character (U+0000)',
  loneSurrogate: 'a lone UTF-16 surrogate',
};

/** A key from a request (a path segment) that holds unstorable text can match no stored key: it matches nothing, on every store. */
export const matchable = (key: string): boolean => unstorableText(key) === undefined;
