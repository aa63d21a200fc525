// Verifies Microsoft Entra ID access tokens: RS256 only, signed by a key of the tenant's JWKS
// (from OpenID Connect discovery or a configured URL), from an allowed tenant, with a v1 or v2
// issuer of that tenant, for an accepted audience, within its lifetime.
import { decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import type { FastifyBaseLogger } from 'fastify';
import type { TokenVerifier } from '../principal.ts';
import { joseFailure, principalFromClaims, rememberingVerifier, unauthenticated, verifiedWindow } from '../tokens.ts';
import { fetchJson, SigningKeys } from './signingKeys.ts';

export interface EntraOptions {
  /** Tenant ids (lower case), or ['*'] for any tenant. */
  tenants: readonly string[];
  authority: string;
  jwksUrl: string | undefined;
  audiences: readonly string[];
  keyRefreshSeconds: number;
  clockSkewSeconds: number;
  logger: FastifyBaseLogger;
}

const KEYS_MAX_AGE_MS = 24 * 3600 * 1000; // Entra's guidance: refresh signing keys daily

export function entraTokenVerifier(o: EntraOptions): TokenVerifier {
  const anyTenant = o.tenants.includes('*');
  const allowed = new Set(o.tenants);
  const keySets = new Map<string, SigningKeys>();

  /** Discovery per allowed tenant; with any tenant, the common document (Entra signs every tenant's tokens with the same keys). */
  function keysFor(tenantId: string): SigningKeys {
    const discoveryTenant = o.jwksUrl ? '' : anyTenant ? 'common' : tenantId;
    let keys = keySets.get(discoveryTenant);
    if (!keys) {
      const discovery = `${o.authority}/${discoveryTenant}/v2.0/.well-known/openid-configuration`;
      keys = new SigningKeys({
        jwksUrl:
          o.jwksUrl ??
          (async () => {
            const doc = (await fetchJson(discovery)) as { jwks_uri?: unknown };
            if (typeof doc.jwks_uri !== 'string') throw new Error(`${discovery} has no jwks_uri`);
            return doc.jwks_uri;
          }),
        minRefreshMs: o.keyRefreshSeconds * 1000,
        maxAgeMs: KEYS_MAX_AGE_MS,
        onRefreshError: (err) => o.logger.warn({ err: String(err) }, 'could not refresh token signing keys; keeping the cached ones'),
      });
      keySets.set(discoveryTenant, keys);
    }
    return keys;
  }

  return rememberingVerifier(async (token) => {
    let header: ProtectedHeaderParameters;
    let claims: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      claims = decodeJwt(token);
    } catch {
      throw unauthenticated('malformed');
    }
    // Checked before any key is looked up, so a hostile token never makes us fetch anything.
    if (header.alg !== 'RS256') throw unauthenticated('algorithm');
    if ('jwk' in header || 'jku' in header || 'x5u' in header || 'x5c' in header) throw unauthenticated('embeddedKey');
    if ('nonce' in header) throw unauthenticated('nonce');
    if (typeof header.kid !== 'string') throw unauthenticated('signature');
    const tid = typeof claims.tid === 'string' ? claims.tid.toLowerCase() : undefined;
    if (!tid || !/^[0-9a-f-]{36}$/.test(tid) || (!anyTenant && !allowed.has(tid))) throw unauthenticated('issuer');
    const issuers = [`https://sts.windows.net/${tid}/`, `${o.authority}/${tid}/v2.0`];
    if (typeof claims.iss !== 'string' || !issuers.includes(claims.iss)) throw unauthenticated('issuer');

    const key = await keysFor(tid).keyFor(header.kid);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: ['RS256'],
        audience: [...o.audiences],
        issuer: claims.iss,
        clockTolerance: o.clockSkewSeconds,
        requiredClaims: ['exp', 'tid'],
      }));
    } catch (err) {
      throw joseFailure(err);
    }
    return { principal: principalFromClaims(payload), ...verifiedWindow(payload, o.clockSkewSeconds) };
  });
}
