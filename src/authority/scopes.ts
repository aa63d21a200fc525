// The `scope` parameter, as Entra reads it for Microsoft Graph: `https://graph.microsoft.com/User.ReadWrite`,
// `00000003-0000-0000-c000-000000000000/User.ReadWrite` and a bare `User.ReadWrite` all name the Graph permission
// User.ReadWrite; `.default` names what the app registration lists; openid, profile, email and offline_access are
// OpenID Connect's. Tokens are issued for Microsoft Graph only.
import { APP_DEFAULTS, type RegisteredApp } from './apps.ts';
import { entraErrors } from './errors.ts';

export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;
export type OidcScope = (typeof OIDC_SCOPES)[number];

const GRAPH_RESOURCES = ['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000'];
/** Graph's delegated permissions this service's permission table knows, in Graph's spelling. */
const KNOWN_PERMISSIONS = ['User.Read', 'User.ReadWrite', 'User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All'];
/** Delegated permissions only an administrator may consent to (as in Graph's permission reference). */
export const ADMIN_ONLY_SCOPES = new Set(['user.read.all', 'user.readwrite.all']);
const PERMISSION_NAME = /^[A-Za-z][A-Za-z0-9._-]{0,127}$/;

export interface AskedScopes {
  /** Graph permissions named (not `.default`), in Graph's spelling where known. */
  readonly graph: readonly string[];
  /** `.default` was asked. */
  readonly default: boolean;
  readonly oidc: ReadonlySet<OidcScope>;
}

/** Graph's spelling of a permission name, whatever the case it was asked in. */
export const canonicalPermission = (name: string) => KNOWN_PERMISSIONS.find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;

/** Reads `scope`; `tenant` names the tenant in the error for a resource that is not Graph. */
export function readScopes(scope: string | undefined, tenant: string): AskedScopes {
  if (scope === undefined || scope.trim() === '') throw entraErrors.missingParameter('scope');
  const graph: string[] = [];
  const oidc = new Set<OidcScope>();
  let asksDefault = false;
  for (const item of scope.split(/\s+/).filter(Boolean)) {
    const lower = item.toLowerCase();
    if ((OIDC_SCOPES as readonly string[]).includes(lower)) {
      oidc.add(lower as OidcScope);
      continue;
    }
    const slash = item.lastIndexOf('/');
    const resource = slash === -1 ? GRAPH_RESOURCES[0]! : item.slice(0, slash).replace(/\/+$/, '');
    const name = slash === -1 ? item : item.slice(slash + 1);
    if (!GRAPH_RESOURCES.includes(resource.toLowerCase())) throw entraErrors.resourceNotFound(resource, tenant);
    if (name === '.default') {
      asksDefault = true;
      continue;
    }
    if (!PERMISSION_NAME.test(name)) throw entraErrors.invalidScope(item, 'It is not the name of a permission.');
    const canonical = canonicalPermission(name);
    if (!graph.includes(canonical)) graph.push(canonical);
  }
  if (asksDefault && graph.length > 0) {
    throw entraErrors.invalidScope(scope, "The '.default' scope can't be combined with resource-specific scopes.");
  }
  return { graph, default: asksDefault, oidc };
}

/**
 * The Graph permissions a user's token gets for `asked`: `.default` is the app's listed scopes (User.Read when it
 * lists none); a named permission must be listed, when the app lists any. Throws Entra's error otherwise.
 */
export function delegatedScopesFor(app: RegisteredApp, asked: AskedScopes): string[] {
  if (asked.default || asked.graph.length === 0) return [...(app.scopes ?? APP_DEFAULTS.defaultScopes)].map(canonicalPermission);
  if (app.scopes) {
    const listed = new Set(app.scopes.map((s) => s.toLowerCase()));
    const missing = asked.graph.filter((s) => !listed.has(s.toLowerCase()));
    if (missing.length > 0) throw entraErrors.scopeNotAllowed(app, missing);
  }
  return [...asked.graph];
}

/** The `scope` of a token answer: the Graph permissions granted, then the OpenID Connect scopes asked. */
export const scopeAnswer = (graph: readonly string[], oidc: ReadonlySet<OidcScope>) =>
  [...graph, ...OIDC_SCOPES.filter((s) => oidc.has(s))].join(' ');
