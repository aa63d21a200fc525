// The app registrations and sign-in users a seed gives (tenants[].apps, users[].password), read and checked the way
// the rest of the seed is: each value where it stands, refused with its place.
import { isGuid } from '../guid.ts';
import { arrayAt, booleanAt, numberAt, objectAt, placeOf, refusedAt, required, stringAt, stringsAt } from '../emulator/reading.ts';
import { permissionList } from '../identity/devTokens.ts';

/** The client id of the service's own web page's app registration (webPageApp.ts), which no seeded app may take. */
export const WEB_PAGE_CLIENT_ID = '7c4d2b8e-5f1a-4e3b-9c6d-0a8f2e1b3d5c';

/** What a seed leaves out of an app (documented in the README, "Sign in as your app does"). */
export const APP_DEFAULTS = {
  /** Entra gives an access token 60 to 90 minutes; one fixed hour here, so tests know. */
  accessTokenLifetimeSeconds: 3600,
  /** Entra's refresh tokens last 90 days (24 hours for a single-page app's). */
  refreshTokenLifetimeSeconds: 90 * 24 * 3600,
  spaRefreshTokenLifetimeSeconds: 24 * 3600,
  /** A new Entra app registration is configured with User.Read: what `.default` gives when the seed lists no scopes. */
  defaultScopes: ['User.Read'],
} as const;

export interface RegisteredApp {
  readonly clientId: string;
  /** The tenant the app is registered in (single-tenant: it signs in that tenant's users). */
  readonly tenantId: string;
  readonly displayName: string;
  /** A client secret: the app may act as a confidential client. */
  readonly secret?: string;
  /** Web and mobile/desktop redirect URIs. */
  readonly redirectUris: readonly string[];
  /** Single-page application redirect URIs: codes for them are redeemed cross-origin (CORS), with PKCE. */
  readonly spaRedirectUris: readonly string[];
  /** "Allow public client flows": the password and device code grants without a secret. */
  readonly publicClient: boolean;
  /** Application permissions granted (app-only tokens' roles). */
  readonly roles: readonly string[];
  /** Delegated permissions the app may ask for; undefined: any (dynamic consent), and `.default` is User.Read. */
  readonly scopes?: readonly string[];
  /** An administrator consented to `scopes` for every user of the tenant: no consent step. */
  readonly adminConsent: boolean;
  readonly accessTokenLifetimeSeconds: number;
  readonly refreshTokenLifetimeSeconds: number;
  /** Signs in the users of every tenant (through common, organizations or any tenant's own authority). */
  readonly multiTenant?: boolean;
  /** Single-page app redirect URIs on this service's own origin, whatever host and port it is reached by: their paths. */
  readonly ownOriginRedirectPaths?: readonly string[];
}

const APP_PROPERTIES = [
  'clientId',
  'displayName',
  'secret',
  'redirectUris',
  'spaRedirectUris',
  'publicClient',
  'roles',
  'scopes',
  'adminConsent',
  'accessTokenLifetimeSeconds',
  'refreshTokenLifetimeSeconds',
] as const;

/** Longest client secret kept (Entra's are 40 characters; a seed may choose its own). */
const MAX_SECRET = 1024;
const MAX_URI = 2048;

/** One app of a seed's tenant, checked; `place` is where it stands (tenants[0].apps[1]). */
export function readSeedApp(value: unknown, place: string, tenantId: string): RegisteredApp {
  const app = objectAt(value, place, 'an app', APP_PROPERTIES);
  const idPlace = placeOf(place, 'clientId');
  const clientId = required(stringAt(app, 'clientId', place), idPlace, "the app's client id (a GUID)");
  if (!isGuid(clientId)) throw refusedAt(idPlace, 'must be a GUID (the application (client) id).');
  if (clientId.toLowerCase() === WEB_PAGE_CLIENT_ID) throw refusedAt(idPlace, "is the client id of the service's own web page: choose another.");
  const uris = (key: string) =>
    (arrayAt(app, key, place) ?? []).map((uri, i) => {
      const at = placeOf(placeOf(place, key), i);
      if (typeof uri !== 'string' || uri.length > MAX_URI) throw refusedAt(at, `must be an absolute URI of at most ${MAX_URI} characters.`);
      const problem = redirectUriProblem(uri);
      if (problem) throw refusedAt(at, problem);
      return uri;
    });
  const lifetime = (key: string, fallback: number) => {
    const seconds = numberAt(app, key, place);
    if (seconds === undefined) return fallback;
    if (!Number.isInteger(seconds) || seconds < 1) throw refusedAt(placeOf(place, key), 'must be a positive whole number of seconds.');
    return seconds;
  };
  const scopes = stringsAt(app, 'scopes', place);
  const spaRedirectUris = uris('spaRedirectUris');
  return {
    clientId: clientId.toLowerCase(),
    tenantId,
    displayName: stringAt(app, 'displayName', place, { nonEmpty: true, maxLength: 256 }) ?? clientId.toLowerCase(),
    secret: stringAt(app, 'secret', place, { nonEmpty: true, maxLength: MAX_SECRET }),
    redirectUris: uris('redirectUris'),
    spaRedirectUris,
    publicClient: booleanAt(app, 'publicClient', place) ?? false,
    roles: permissionList(stringsAt(app, 'roles', place) ?? []),
    scopes: scopes === undefined ? undefined : permissionList(scopes),
    adminConsent: booleanAt(app, 'adminConsent', place) ?? false,
    accessTokenLifetimeSeconds: lifetime('accessTokenLifetimeSeconds', APP_DEFAULTS.accessTokenLifetimeSeconds),
    refreshTokenLifetimeSeconds: lifetime(
      'refreshTokenLifetimeSeconds',
      spaRedirectUris.length > 0 ? APP_DEFAULTS.spaRefreshTokenLifetimeSeconds : APP_DEFAULTS.refreshTokenLifetimeSeconds,
    ),
  };
}

/** Why Entra would not register `uri` as a redirect URI, or undefined. */
function redirectUriProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URI.';
  }
  if (url.hash) return 'must not have a fragment (#).';
  // Entra: https, or http on a loopback address only; custom schemes are for mobile and desktop apps.
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) return 'must use https, or http on localhost or 127.0.0.1 only.';
  return undefined;
}

export const isLoopback = (hostname: string) => hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';

/** Whether `asked` is a redirect URI on the service's own `origin` that the app lists by path (its built-in page). */
export function isOwnOriginRedirect(app: RegisteredApp, asked: string, origin: string): boolean {
  if (!app.ownOriginRedirectPaths) return false;
  let url: URL;
  try {
    url = new URL(asked);
  } catch {
    return false;
  }
  return url.origin === origin && !url.search && !url.hash && app.ownOriginRedirectPaths.includes(url.pathname);
}

/**
 * Whether `asked` is one of `registered`, as Entra compares them: exactly (case-sensitive path and query), except
 * that for a loopback address the port is ignored (a native app listens on any free port).
 */
export function redirectUriMatches(registered: readonly string[], asked: string): boolean {
  if (registered.includes(asked)) return true;
  let url: URL;
  try {
    url = new URL(asked);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' || !isLoopback(url.hostname)) return false;
  return registered.some((r) => {
    const reg = new URL(r);
    return reg.protocol === 'http:' && reg.hostname === url.hostname && reg.pathname === url.pathname && reg.search === url.search;
  });
}
