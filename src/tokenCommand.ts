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

export const TOKEN_HELP = `Usage:
  npm run -s token -- --user <userPrincipalName> [--scopes "User.ReadWrite ..."] [--tenant <name>] [--admin] [--client <app name>] [--name "<display name>"]
  npm run -s token -- --app-only --client <app name> [--roles "User.Read.All ..."] [--tenant <name>]

Prints one access token signed by the development issuer of DATA_DIR (created on first use).
  --user        the signed-in user's userPrincipalName; the user is added to the directory on first use
  --scopes      delegated permissions (scp), space-separated. Default: "User.ReadWrite"
  --tenant      tenant name; the same name always gives the same tenant id. Default: contoso
  --admin       give the user the Global Administrator directory role (in wids)
  --client      the calling app's name (appid, app_displayname); required with --app-only
  --name        the user's display name. Default: made from the userPrincipalName
  --app-only    an application token (no user)
  --roles       application permissions (roles), space-separated. Default: "User.Read.All"
  --expires-in  lifetime in seconds. Default: 3600
  --data-dir    as for the server (DATA_DIR); must be the server's to be accepted there`;

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
  // The store is opened only for a user to record: an app-only token needs none.
  return mintDevToken(key, token, async (user) => {
    const store = await openStore(config, tables);
    try {
      await new Directory(store.users).add(user);
    } finally {
      await store.close();
    }
  });
}
