// `token`: mints a development access token and adds its user to the directory.
// Prints the token alone on stdout so that `TOKEN=$(npm run -s token -- --user ...)` works.
import { UsageError } from './commandErrors.ts';
import { parseCommandLine } from './config.ts';
import {
  appIdFor,
  DIRECTORY_ROLES,
  displayNameFromUpn,
  mintAppToken,
  mintDelegatedToken,
  tenantIdFor,
  userIdFor,
} from './identity/devIssuer.ts';
import { Directory } from './identity/directory.ts';
import { devKeyFromConfig } from './identity/fromConfig.ts';
import { PROFILE_TABLES } from './profile/collections.ts';
import type { FacetTable } from './store/facetTable.ts';
import { openStore } from './store/open.ts';

/** `tables`: the profile collections' tables the server keeps (it opens the same store to record the user). */
export async function tokenCommand(args: string[], tables: readonly FacetTable<any>[] = PROFILE_TABLES): Promise<string> {
  const { config, values } = parseCommandLine(args, {
    options: {
      user: { type: 'string' },
      scopes: { type: 'string', default: 'User.ReadWrite' },
      tenant: { type: 'string', default: 'contoso' },
      admin: { type: 'boolean', default: false },
      client: { type: 'string' },
      name: { type: 'string' },
      'app-only': { type: 'boolean', default: false },
      roles: { type: 'string', default: 'User.Read.All' },
      'expires-in': { type: 'string', default: '3600' },
    },
  });
  if (config.identity !== 'development') {
    throw new UsageError('IDENTITY is entra: the server accepts only Microsoft Entra ID tokens, so development tokens would be refused.');
  }
  if (config.inMemory && config.keyDir === undefined) {
    throw new UsageError(
      'An IN_MEMORY server keeps its token key in memory, out of reach of this command: get tokens from its POST /_emulator/tokens, or give the server and this command the same --data-dir.',
    );
  }
  const lifetimeSeconds = Number(values['expires-in']);
  if (!Number.isInteger(lifetimeSeconds) || lifetimeSeconds < 1) throw new UsageError('--expires-in must be a positive number of seconds.');
  const tenantId = tenantIdFor(values.tenant!);
  const app = values.client ? { id: appIdFor(values.client), displayName: values.client } : undefined;
  const key = await devKeyFromConfig(config);

  if (values['app-only']) {
    if (!app) throw new UsageError('--app-only needs --client <app name>.');
    return mintAppToken(key, { tenantId, app, roles: words(values.roles!), lifetimeSeconds });
  }
  const upn = values.user;
  if (!upn) throw new UsageError('--user <userPrincipalName> is required (or --app-only).');
  if (/\s/.test(upn) || upn.length > 113) throw new UsageError('--user must be a userPrincipalName without spaces, at most 113 characters.');
  const user = { tenantId, id: userIdFor(tenantId, upn), userPrincipalName: upn, displayName: values.name ?? displayNameFromUpn(upn) };
  // An IN_MEMORY server's directory is in its own memory: it records the user at their first request.
  if (!config.inMemory) {
    const store = await openStore(config, tables);
    try {
      await new Directory(store.users).add(user);
    } finally {
      await store.close();
    }
  }
  return mintDelegatedToken(key, {
    tenantId,
    userId: user.id,
    userPrincipalName: upn,
    displayName: user.displayName,
    scopes: words(values.scopes!),
    directoryRoles: values.admin ? [DIRECTORY_ROLES.globalAdministrator] : [],
    app,
    lifetimeSeconds,
  });
}

const words = (s: string) => s.split(/[\s,]+/).filter(Boolean);
