// Token signing keys of one JWKS endpoint, fetched and cached. A token naming an unknown key id
// triggers one refresh (at most one per refresh interval, so forged kids cannot make us hammer the
// endpoint); keys are refreshed in the background when stale; when the endpoint is down, the keys
// already held keep working. Written by hand because jose's remote JWK set drops its keys when a
// refresh fails, and offline operation from the cache is required.
import { importJWK, type JWK } from 'jose';
import type { webcrypto } from 'node:crypto';
import { graphErrors } from '../../graph/errors.ts';
import { unauthenticated } from '../tokens.ts';

export interface SigningKeysOptions {
  /** The JWKS URL, or a function that finds it (OpenID Connect discovery). */
  jwksUrl: string | (() => Promise<string>);
  /** Minimum time between refreshes caused by unknown key ids. */
  minRefreshMs: number;
  /** Keys older than this are refreshed in the background. */
  maxAgeMs: number;
  onRefreshError(err: unknown): void;
}

const FETCH_TIMEOUT_MS = 5000;
const NO_KEYS_RETRY_MS = 5000;

export async function fetchJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' });
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return res.json();
}

export class SigningKeys {
  private keys = new Map<string, webcrypto.CryptoKey>();
  private fetchedAt = 0;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;

  constructor(private readonly options: SigningKeysOptions) {}

  /** The key for `kid`; 401 when the endpoint does not know it, 503 when no keys could ever be fetched. */
  async keyFor(kid: string): Promise<webcrypto.CryptoKey> {
    const now = Date.now();
    if (this.keys.size > 0 && now - this.fetchedAt > this.options.maxAgeMs && now - this.lastAttempt >= this.options.minRefreshMs) {
      this.refresh().catch(() => {}); // background; the held keys keep serving
    }
    const known = this.keys.get(kid);
    if (known) return known;
    // Wait for a refresh already under way (it may bring this kid), or start one if allowed.
    // With no keys at all (the endpoint has never answered) retry sooner, but still not on every request.
    const interval = this.keys.size === 0 ? Math.min(this.options.minRefreshMs, NO_KEYS_RETRY_MS) : this.options.minRefreshMs;
    if (this.inflight || now - this.lastAttempt >= interval) {
      await (this.inflight ?? this.refresh()).catch(() => {});
    }
    if (this.keys.size === 0) {
      throw graphErrors.serviceUnavailable('The token signing keys could not be fetched from the identity provider. Try again shortly.');
    }
    const key = this.keys.get(kid);
    if (!key) throw unauthenticated('signature');
    return key;
  }

  /** One refresh at a time; callers arriving meanwhile share it. */
  private refresh(): Promise<void> {
    this.inflight ??= (async () => {
      this.lastAttempt = Date.now();
      try {
        const url = typeof this.options.jwksUrl === 'string' ? this.options.jwksUrl : await this.options.jwksUrl();
        const jwks = (await fetchJson(url)) as { keys?: JWK[] };
        if (!Array.isArray(jwks.keys)) throw new Error(`${url} is not a JWK set`);
        const next = new Map<string, webcrypto.CryptoKey>();
        for (const jwk of jwks.keys) {
          if (jwk.kty !== 'RSA' || typeof jwk.kid !== 'string' || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
          const { x5c: _x5c, alg: _alg, ...publicPart } = jwk; // the key is n and e; RS256 is enforced by the verifier
          next.set(jwk.kid, (await importJWK({ ...publicPart, alg: 'RS256' }, 'RS256')) as webcrypto.CryptoKey);
        }
        if (next.size === 0) throw new Error(`${url} holds no RSA signing keys`);
        this.keys = next;
        this.fetchedAt = Date.now();
      } catch (err) {
        this.options.onRefreshError(err);
        throw err;
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }
}
