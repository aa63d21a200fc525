// What every token verifier shares: Graph's 401 messages, the mapping of jose's failures to them,
// Entra claims -> Principal, and a cache so a client reusing its token (they all do) pays for the
// signature check once, not on every request.
import { errors as joseErrors, type JWTPayload } from 'jose';
import { GraphError, graphErrors } from '../graph/errors.ts';
import type { Principal, TokenVerifier } from './principal.ts';

export const tokenMessages = {
  empty: 'Access token is empty.',
  malformed: 'CompactToken parsing failed with error code: 80049217',
  expired: 'Access token has expired or is not yet valid.',
  audience: 'Access token validation failure. Invalid audience.',
  issuer: 'Access token validation failure. Invalid issuer.',
  signature: 'Access token validation failure. Invalid signature.',
  algorithm: 'Access token validation failure. Only RS256 signed tokens are accepted.',
  embeddedKey: 'Access token validation failure. Tokens naming their own key (jwk, jku, x5u, x5c) are not accepted.',
  claims: 'Access token validation failure. A required claim (tid, oid) is missing, or a name claim is too long.',
  noPermissions: 'Either scp or roles claim need to be present in the token.',
  nonce:
    'Access token validation failure. This token was issued for Microsoft Graph itself (it carries a nonce header) and cannot be validated by another service; request a token for this service\'s own audience (see README, "Microsoft Entra ID").',
};

export const unauthenticated = (message: keyof typeof tokenMessages) => graphErrors.unauthenticated(tokenMessages[message]);

function toSet(value: unknown, separator?: string): Set<string> {
  if (typeof value === 'string') return new Set(separator ? value.split(separator).filter(Boolean) : [value]);
  if (Array.isArray(value)) return new Set(value.filter((v): v is string => typeof v === 'string'));
  return new Set();
}

const MAX_NAME_CLAIM = 1024;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** Maps verified Entra-style claims to the caller. */
export function principalFromClaims(p: JWTPayload): Principal {
  const tenantId = str(p.tid)?.toLowerCase();
  if (!tenantId) throw unauthenticated('claims');
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
  if (scopes.size === 0 && roles.size === 0) throw unauthenticated('noPermissions');
  // Entra marks app-only tokens with idtyp=app (when asked to); without it, no scp means no user.
  if (p.idtyp === 'app' || scopes.size === 0) return { kind: 'application', ...common, scopes: new Set() };
  const userId = str(p.oid)?.toLowerCase();
  if (!userId) throw unauthenticated('claims');
  const upn = str(p.upn) ?? str(p.preferred_username) ?? str(p.unique_name);
  const name = str(p.name) ?? upn;
  // Entra caps a UPN at 113 characters and a display name at 256; far longer ones are not Entra's.
  if ((upn?.length ?? 0) > MAX_NAME_CLAIM || (name?.length ?? 0) > MAX_NAME_CLAIM) throw unauthenticated('claims');
  return { kind: 'delegated', ...common, userId, userPrincipalName: upn, displayName: name };
}

/** Maps a failure of jose's jwtVerify to Graph's 401. */
export function joseFailure(err: unknown): GraphError {
  if (err instanceof GraphError) return err;
  if (err instanceof joseErrors.JWTExpired) return unauthenticated('expired');
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return unauthenticated('expired');
    if (err.claim === 'aud') return unauthenticated('audience');
    if (err.claim === 'iss') return unauthenticated('issuer');
    return unauthenticated('claims');
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return unauthenticated('signature');
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return unauthenticated('algorithm');
  // Not a JWS at all, or unreadable claims.
  return unauthenticated('malformed');
}

export interface Verified {
  principal: Principal;
  /** Epoch ms from which and until which the token is accepted (clock skew included). */
  notBefore: number;
  expires: number;
}

export function verifiedWindow(payload: JWTPayload, skewSeconds: number): Pick<Verified, 'notBefore' | 'expires'> {
  return { notBefore: ((payload.nbf ?? 0) - skewSeconds) * 1000, expires: ((payload.exp ?? 0) + skewSeconds) * 1000 };
}

const CACHE_MAX = 10_000;

/**
 * What the cache finds a token by: its last 43 characters (256 bits of its signature). Each request's token is a new
 * string of about a kilobyte, which a Map would hash whole on every lookup (about 2% of a GET's CPU in a perf profile,
 * issue 15). A hit must still be the same token, all of it: two tokens that end alike only take each other's place.
 */
const cacheKey = (token: string) => (token.length > 64 ? token.slice(-43) : token);

/** Wraps a full verification with a bounded cache of tokens already verified, honouring their lifetime. */
export function rememberingVerifier(verifyFully: (token: string) => Promise<Verified>): TokenVerifier {
  const cache = new Map<string, Verified & { token: string }>();
  const verifyAndKeep = async (token: string, key: string): Promise<Principal> => {
    const fresh = await verifyFully(token);
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!); // oldest first
    cache.set(key, { ...fresh, token });
    return fresh.principal;
  };
  return {
    verify(token) {
      const now = Date.now();
      const key = cacheKey(token);
      const hit = cache.get(key);
      if (hit && hit.token === token && hit.notBefore <= now && now < hit.expires) return hit.principal;
      if (hit) cache.delete(key);
      return verifyAndKeep(token, key);
    },
  };
}
