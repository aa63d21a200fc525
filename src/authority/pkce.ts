// Proof Key for Code Exchange (RFC 7636): the code_challenge an authorization request carries, and the check of the
// code_verifier that redeems its code.
import { createHash, timingSafeEqual } from 'node:crypto';

export type PkceMethod = 'S256' | 'plain';

/** A verifier as RFC 7636 §4.1 allows it: 43 to 128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export function pkceMatches(challenge: { value: string; method: PkceMethod }, verifier: string): boolean {
  if (!VERIFIER.test(verifier)) return false;
  const derived = challenge.method === 'S256' ? createHash('sha256').update(verifier, 'ascii').digest('base64url') : verifier;
  const a = Buffer.from(derived);
  const b = Buffer.from(challenge.value);
  return a.length === b.length && timingSafeEqual(a, b);
}
