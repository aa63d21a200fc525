// Verifies tokens of the development issuer (one RS256 key in DATA_DIR).
import { jwtVerify } from 'jose';
import { GRAPH_AUDIENCES, issuerFor, type DevKey } from './devIssuer.ts';
import type { TokenVerifier } from './principal.ts';
import { joseFailure, principalFromClaims, rememberingVerifier, unauthenticated, verifiedWindow } from './tokens.ts';

export function devTokenVerifier(key: DevKey, clockSkewSeconds: number): TokenVerifier {
  return rememberingVerifier(async (token) => {
    let payload;
    try {
      ({ payload } = await jwtVerify(
        token,
        (header) => {
          if (header.kid !== undefined && header.kid !== key.kid) throw unauthenticated('signature');
          return key.publicKey;
        },
        { algorithms: ['RS256'], audience: [...GRAPH_AUDIENCES], clockTolerance: clockSkewSeconds, requiredClaims: ['exp', 'tid'] },
      ));
    } catch (err) {
      throw joseFailure(err);
    }
    if (payload.iss !== issuerFor(String(payload.tid))) throw unauthenticated('issuer');
    return { principal: principalFromClaims(payload), ...verifiedWindow(payload, clockSkewSeconds) };
  });
}
