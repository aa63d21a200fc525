// The sign-in service's state and parts, shared by its endpoints.
import type { DevKey } from '../identity/devIssuer.ts';
import { Grants } from './grants.ts';
import { TokenIssuer } from './issue.ts';
import { AuthorityRegistry } from './registry.ts';

export interface AuthorityCore {
  readonly registry: AuthorityRegistry;
  readonly grants: Grants;
  readonly issuer: TokenIssuer;
  readonly key: DevKey;
}

export function createAuthorityCore(key: DevKey): AuthorityCore {
  const grants = new Grants();
  return { registry: new AuthorityRegistry(), grants, issuer: new TokenIssuer(key, grants), key };
}
