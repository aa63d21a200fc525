// Chooses the token verifier the configuration asks for.
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.ts';
import { loadOrCreateDevKey } from './devIssuer.ts';
import { devTokenVerifier } from './devVerifier.ts';
import { entraTokenVerifier } from './entra/verifier.ts';
import type { TokenVerifier } from './principal.ts';

export async function verifierFromConfig(config: Config, logger: FastifyBaseLogger): Promise<TokenVerifier> {
  if (config.identity === 'entra') {
    return entraTokenVerifier({
      tenants: config.entraTenants,
      authority: config.entraAuthority,
      jwksUrl: config.entraJwksUrl,
      audiences: config.entraAudiences,
      keyRefreshSeconds: config.entraKeyRefreshSeconds,
      clockSkewSeconds: config.clockSkewSeconds,
      logger,
    });
  }
  return devTokenVerifier(await loadOrCreateDevKey(config.dataDir), config.clockSkewSeconds);
}
