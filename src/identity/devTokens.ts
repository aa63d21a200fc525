// What a development token may ask for, the rules the request must meet and how it is minted: written once for the
// `token` command and the /_emulator/tokens control, which word the settings each their own way (--user, user).
import type { DirectoryUser } from '../store/types.ts';
import {
  appIdFor,
  DIRECTORY_ROLES,
  displayNameFromUpn,
  mintAppToken,
  mintDelegatedToken,
  tenantIdFor,
  userIdFor,
  type AppTokenRequest,
  type DelegatedTokenRequest,
  type DevKey,
} from './devIssuer.ts';

/** What a request leaves out. */
export const DEV_TOKEN_DEFAULTS = { scopes: 'User.ReadWrite', tenant: 'contoso', roles: 'User.Read.All', expiresInSeconds: 3600 } as const;

/** The longest userPrincipalName (Entra's limit: 64 characters before the @, 48 after, and the @). */
export const MAX_UPN_LENGTH = 113;

export interface DevTokenRequest {
  /** An application token (no user): needs `client`. */
  readonly appOnly: boolean;
  /** The signed-in user's userPrincipalName (delegated tokens). */
  readonly user?: string;
  /** The user's display name; default: made from the userPrincipalName. */
  readonly name?: string;
  readonly tenant: string;
  /** Delegated permissions (scp). */
  readonly scopes: readonly string[];
  /** The Global Administrator directory role, in wids. */
  readonly admin: boolean;
  /** The calling app's name (appid, app_displayname); none: a token without an app. */
  readonly client?: string;
  /** Application permissions (roles). */
  readonly roles: readonly string[];
  readonly expiresInSeconds: number;
}

/** How a caller names its settings in the messages that refuse them, and the error it refuses with. */
export interface DevTokenWording {
  /** --user */
  readonly user: string;
  /** --user <userPrincipalName> */
  readonly userWithValue: string;
  /** --app-only */
  readonly appOnly: string;
  /** --client <app name> */
  readonly clientWithValue: string;
  /** --expires-in */
  readonly expiresIn: string;
  refused(message: string): Error;
}

/** A checked request: the token's claims, and for a delegated token the user it signs in. */
export type DevToken =
  | { readonly kind: 'application'; readonly claims: AppTokenRequest }
  | { readonly kind: 'delegated'; readonly user: DirectoryUser; readonly claims: DelegatedTokenRequest };

/** Why `upn` cannot be a userPrincipalName (words after its setting's name), or undefined when it can. */
export function userPrincipalNameProblem(upn: string): string | undefined {
  if (/\s/.test(upn) || upn.length > MAX_UPN_LENGTH) return `must be a userPrincipalName without spaces, at most ${MAX_UPN_LENGTH} characters.`;
  return undefined;
}

/**
 * Checks `r` (the first rule broken is thrown, worded by `w`) and works out the token it asks for. Text that cannot
 * be stored (NUL) is the caller's to refuse: a command line cannot carry it, and a JSON body's reader refuses it.
 */
export function devTokenFor(r: DevTokenRequest, w: DevTokenWording): DevToken {
  const lifetimeSeconds = r.expiresInSeconds;
  if (!Number.isInteger(lifetimeSeconds) || lifetimeSeconds < 1) throw w.refused(`${w.expiresIn} must be a positive number of seconds.`);
  const tenantId = tenantIdFor(r.tenant);
  const app = r.client ? { id: appIdFor(r.client), displayName: r.client } : undefined;
  if (r.appOnly) {
    if (!app) throw w.refused(`${w.appOnly} needs ${w.clientWithValue}.`);
    return { kind: 'application', claims: { tenantId, app, roles: [...r.roles], lifetimeSeconds } };
  }
  const upn = r.user;
  if (!upn) throw w.refused(`${w.userWithValue} is required (or ${w.appOnly}).`);
  const problem = userPrincipalNameProblem(upn);
  if (problem) throw w.refused(`${w.user} ${problem}`);
  const user: DirectoryUser = { tenantId, id: userIdFor(tenantId, upn), userPrincipalName: upn, displayName: r.name ?? displayNameFromUpn(upn) };
  return {
    kind: 'delegated',
    user,
    claims: {
      tenantId,
      userId: user.id,
      userPrincipalName: upn,
      displayName: user.displayName,
      scopes: [...r.scopes],
      directoryRoles: r.admin ? [DIRECTORY_ROLES.globalAdministrator] : [],
      app,
      lifetimeSeconds,
    },
  };
}

/**
 * Signs the token. A delegated token's user is first given to `record` (the directory adds them), so that other
 * users of the tenant find them by UPN before their first request.
 */
export async function mintDevToken(key: DevKey, token: DevToken, record: (user: DirectoryUser) => Promise<void>): Promise<string> {
  if (token.kind === 'application') return mintAppToken(key, token.claims);
  await record(token.user);
  return mintDelegatedToken(key, token.claims);
}

/** Permissions as one string, space- or comma-separated ("User.Read User.ReadWrite"), or a list of such strings. */
export function permissionList(value: string | readonly string[]): string[] {
  return (typeof value === 'string' ? [value] : value).flatMap((s) => s.split(/[\s,]+/)).filter(Boolean);
}
