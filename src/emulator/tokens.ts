// POST /_emulator/tokens: the `token` command's request as JSON, and its answer in OAuth's token-response shape.
// The rules and the minting are identity/devTokens.ts's, shared with the command, so both mint the same tokens.
import { graphErrors } from '../graph/errors.ts';
import { DEV_TOKEN_DEFAULTS, permissionList, type DevTokenRequest, type DevTokenWording } from '../identity/devTokens.ts';
import { booleanAt, numberAt, objectAt, stringAt, stringsAt } from './reading.ts';

/** What a test asks a token for; every setting is optional but `user` (or `appOnly` with `client`). */
export interface EmulatorTokenRequest {
  /** The signed-in user's userPrincipalName. */
  readonly user?: string;
  /** Delegated permissions (scp): space- or comma-separated, or a list. Default: User.ReadWrite. */
  readonly scopes?: string | readonly string[];
  /** Tenant name (the same name always gives the same tenant id). Default: contoso. */
  readonly tenant?: string;
  /** The Global Administrator role. Default: what the user was seeded with, else false. */
  readonly admin?: boolean;
  /** The calling app's name; required with appOnly. */
  readonly client?: string;
  /** The user's display name. Default: the directory's (e.g. seeded), else made from the userPrincipalName. */
  readonly name?: string;
  /** An application token (no user). */
  readonly appOnly?: boolean;
  /** Application permissions (roles). Default: User.Read.All. */
  readonly roles?: string | readonly string[];
  /** Lifetime in seconds. Default: 3600. */
  readonly expiresIn?: number;
}

/** OAuth 2.0's token response (RFC 6749 §5.1), as Entra's token endpoint answers it. */
export interface EmulatorTokenAnswer {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
}

const SETTINGS = ['user', 'scopes', 'tenant', 'admin', 'client', 'name', 'appOnly', 'roles', 'expiresIn'] as const;

/** The rules' messages name the JSON properties. */
export const JSON_SETTINGS: DevTokenWording = {
  user: 'user',
  userWithValue: 'user (a userPrincipalName)',
  appOnly: 'appOnly',
  clientWithValue: "client (the app's name)",
  expiresIn: 'expiresIn',
  refused: (message) => graphErrors.invalidRequest(message),
};

/** Checks the body's shape and types (the token rules come after, in devTokenFor). */
export function readTokenRequest(body: unknown): EmulatorTokenRequest {
  const o = objectAt(body, '', 'a token request', SETTINGS);
  return {
    user: stringAt(o, 'user', ''),
    scopes: stringsAt(o, 'scopes', ''),
    tenant: stringAt(o, 'tenant', '', { nonEmpty: true }),
    admin: booleanAt(o, 'admin', ''),
    client: stringAt(o, 'client', ''),
    name: stringAt(o, 'name', ''),
    appOnly: booleanAt(o, 'appOnly', ''),
    roles: stringsAt(o, 'roles', ''),
    expiresIn: numberAt(o, 'expiresIn', ''),
  };
}

/** The request with the defaults the command has; `known` are the user's remembered values (directory, seed). */
export function devTokenRequestOf(r: EmulatorTokenRequest, known: { name?: string; admin?: boolean } = {}): DevTokenRequest {
  return {
    appOnly: r.appOnly ?? false,
    user: r.user,
    name: r.name ?? known.name,
    tenant: r.tenant ?? DEV_TOKEN_DEFAULTS.tenant,
    scopes: permissionList(r.scopes ?? DEV_TOKEN_DEFAULTS.scopes),
    admin: r.admin ?? known.admin ?? false,
    client: r.client,
    roles: permissionList(r.roles ?? DEV_TOKEN_DEFAULTS.roles),
    expiresInSeconds: r.expiresIn ?? DEV_TOKEN_DEFAULTS.expiresInSeconds,
  };
}
