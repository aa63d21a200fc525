// Tokens for users the directory has not seen yet: minted with the development key directly, because the token
// command also adds the user to the directory (as `npm run -s token` does), which would hide a first-sight race.
import { loadOrCreateDevKey, mintDelegatedToken, tenantIdFor, userIdFor } from '../../src/identity/devIssuer.ts';

/** A User.ReadWrite token of `upn` in the contoso tenant, signed with the key in `dataDir`. */
export async function unseenUserToken(dataDir: string, upn: string): Promise<string> {
  const key = await loadOrCreateDevKey(dataDir);
  const tenantId = tenantIdFor('contoso');
  return mintDelegatedToken(key, {
    tenantId,
    userId: userIdFor(tenantId, upn),
    userPrincipalName: upn,
    displayName: upn,
    scopes: ['User.ReadWrite'],
    directoryRoles: [],
    lifetimeSeconds: 600,
  });
}
