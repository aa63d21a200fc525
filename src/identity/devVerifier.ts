// Verifies tokens of the development issuer and turns their claims into a Principal.
// Verified tokens are remembered until they expire, so a client reusing its token (they all do)
// pays for the RS256 signature check once, not on every request.
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { graphErrors } from '../graph/errors.ts';
import { GRAPH_AUDIENCES, issuerFor, type DevKey } from './devIssuer.ts';
import type { Principal, TokenVerifier } from './principal.ts';

export const CLOCK_SKEW_SECONDS = 60;
const CACHE_MAX = 10_000;

const messages = {
  malformed: 'CompactToken parsing failed with error code: 80049217',
  expired: 'Access token has expired or is not yet valid.',
  audience: 'Access token validation failure. Invalid audience.',
  issuer: 'Access token validation failure. Invalid issuer.',
  signature: 'Access token validation failure. Invalid signature.',
  claims: 'Access token validation failure. The token lacks a required claim (tid, oid).',
  noPermissions: 'Either scp or roles claim need to be present in the token.',
};

function toSet(value: unknown, separator?: string): Set<string> {
  if (typeof value === 'string') return new Set(separator ? value.split(separator).filter(Boolean) : [value]);
  if (Array.isArray(value)) return new Set(value.filter((v): v is string => typeof v === 'string'));
  return new Set();
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** Maps verified Entra-style claims to the caller. Shared with the Entra mode when it comes. */
export function principalFromClaims(p: JWTPayload): Principal {
  const tenantId = str(p.tid);
  if (!tenantId) throw graphErrors.unauthenticated(messages.claims);
  const scopes = toSet(p.scp, ' ');
  const roles = toSet(p.roles);
  const common = {
    tenantId,
    appId: str(p.appid) ?? str(p.azp),
    appDisplayName: str(p.app_displayname),
    scopes,
    roles,
    directoryRoles: toSet(p.wids),
  };
  if (scopes.size === 0 && roles.size === 0) throw graphErrors.unauthenticated(messages.noPermissions);
  if (p.idtyp === 'app' || scopes.size === 0) return { kind: 'application', ...common, scopes: new Set() };
  const userId = str(p.oid);
  if (!userId) throw graphErrors.unauthenticated(messages.claims);
  const upn = str(p.upn) ?? str(p.preferred_username) ?? str(p.unique_name);
  return { kind: 'delegated', ...common, userId, userPrincipalName: upn, displayName: str(p.name) ?? upn };
}

interface Remembered {
  principal: Principal;
  notBefore: number;
  expires: number;
}

export function devTokenVerifier(key: DevKey): TokenVerifier {
  const cache = new Map<string, Remembered>();

  async function verifyFully(token: string): Promise<Remembered> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(
        token,
        (header) => {
          if (header.kid !== undefined && header.kid !== key.kid) throw graphErrors.unauthenticated(messages.signature);
          return key.publicKey;
        },
        { algorithms: ['RS256'], audience: [...GRAPH_AUDIENCES], clockTolerance: CLOCK_SKEW_SECONDS, requiredClaims: ['exp', 'tid'] },
      ));
    } catch (err) {
      throw toGraphError(err);
    }
    if (payload.iss !== issuerFor(String(payload.tid))) throw graphErrors.unauthenticated(messages.issuer);
    return {
      principal: principalFromClaims(payload),
      notBefore: ((payload.nbf ?? 0) - CLOCK_SKEW_SECONDS) * 1000,
      expires: (payload.exp! + CLOCK_SKEW_SECONDS) * 1000,
    };
  }

  return {
    async verify(token) {
      const now = Date.now();
      const hit = cache.get(token);
      if (hit && hit.notBefore <= now && now < hit.expires) return hit.principal;
      if (hit) cache.delete(token);
      const fresh = await verifyFully(token);
      if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!); // oldest first
      cache.set(token, fresh);
      return fresh.principal;
    },
  };
}

function toGraphError(err: unknown): Error {
  if (err instanceof Error && err.name === 'GraphError') return err;
  if (err instanceof joseErrors.JWTExpired) return graphErrors.unauthenticated(messages.expired);
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return graphErrors.unauthenticated(messages.expired);
    if (err.claim === 'aud') return graphErrors.unauthenticated(messages.audience);
    if (err.claim === 'iss') return graphErrors.unauthenticated(messages.issuer);
    return graphErrors.unauthenticated(messages.claims);
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return graphErrors.unauthenticated(messages.signature);
  // Not a JWS at all, an algorithm other than RS256 (none, HS256, ...), or unreadable claims.
  return graphErrors.unauthenticated(messages.malformed);
}
