// `token`: mints a development access token and adds its user to the directory.
// Prints the token alone on stdout so that `TOKEN=$(npm run -s token -- --user ...)` works.
import { UsageError } from './commandErrors.ts';
import { parseCommandLine } from './config.ts';
import { Directory } from './identity/directory.ts';
import { DEV_TOKEN_DEFAULTS, devTokenFor, mintDevToken, permissionList, type DevTokenWording } from './identity/devTokens.ts';
import { devKeyFromConfig } from './identity/fromConfig.ts';
import { PROFILE_TABLES } from './profile/collections.ts';
import type { FacetTable } from './store/facetTable.ts';
import { openStore } from './store/open.ts';

/** The rules' messages name the flags. */
const FLAGS: DevTokenWording = {
  user: '--user',
  userWithValue: '--user <userPrincipalName>',
  appOnly: '--app-only',
  clientWithValue: '--client <app name>',
  expiresIn: '--expires-in',
  refused: (message) => new UsageError(message),
};

/** `tables`: the profile collections' tables the server keeps (it opens the same store to record the user). */
export async function tokenCommand(args: string[], tables: readonly FacetTable<any>[] = PROFILE_TABLES): Promise<string> {
  const { config, values } = parseCommandLine(args, {
    options: {
      user: { type: 'string' },
      scopes: { type: 'string', default: DEV_TOKEN_DEFAULTS.scopes },
      tenant: { type: 'string', default: DEV_TOKEN_DEFAULTS.tenant },
      admin: { type: 'boolean', default: false },
      client: { type: 'string' },
      name: { type: 'string' },
      'app-only': { type: 'boolean', default: false },
      roles: { type: 'string', default: DEV_TOKEN_DEFAULTS.roles },
      'expires-in': { type: 'string', default: String(DEV_TOKEN_DEFAULTS.expiresInSeconds) },
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
  const token = devTokenFor(
    {
      appOnly: values['app-only']!,
      user: values.user,
      name: values.name,
      tenant: values.tenant!,
      scopes: permissionList(values.scopes!),
      admin: values.admin!,
      client: values.client,
      roles: permissionList(values.roles!),
      expiresInSeconds: Number(values['expires-in']),
    },
    FLAGS,
  );
  const key = await devKeyFromConfig(config);
  // The store is opened only for a user to record: an app-only token needs none, and an IN_MEMORY server's
  // directory is in its own memory (it records the user at their first request).
  return mintDevToken(key, token, async (user) => {
    if (config.inMemory) return;
    const store = await openStore(config, tables);
    try {
      await new Directory(store.users).add(user);
    } finally {
      await store.close();
    }
  });
}
