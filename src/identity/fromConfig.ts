// Chooses the token verifier the configuration asks for, and in development mode the issuer's key that both
// verifies and mints (the /_emulator controls mint with it too).
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.ts';
import { inMemoryDevKey, loadOrCreateDevKey, type DevKey } from './devIssuer.ts';
import { devTokenVerifier } from './devVerifier.ts';
import { entraTokenVerifier } from './entra/verifier.ts';
import type { TokenVerifier } from './principal.ts';

export interface Identity {
  readonly verifier: TokenVerifier;
  /** The development issuer's key (IDENTITY=development); undefined with Entra ID. */
  readonly devKey?: DevKey;
}

export async function identityFromConfig(config: Config, logger: FastifyBaseLogger): Promise<Identity> {
  if (config.identity === 'entra') {
    return {
      verifier: entraTokenVerifier({
        tenants: config.entraTenants,
        authority: config.entraAuthority,
        jwksUrl: config.entraJwksUrl,
        audiences: config.entraAudiences,
        keyRefreshSeconds: config.entraKeyRefreshSeconds,
        clockSkewSeconds: config.clockSkewSeconds,
        logger,
      }),
    };
  }
  const devKey = await devKeyFromConfig(config);
  return { verifier: devTokenVerifier(devKey, config.clockSkewSeconds), devKey };
}

/** The development issuer's key: DATA_DIR's (created on first use), or one in memory (Config.keyDir). */
export function devKeyFromConfig(config: Config): Promise<DevKey> {
  return config.keyDir !== undefined ? loadOrCreateDevKey(config.keyDir) : inMemoryDevKey();
}
