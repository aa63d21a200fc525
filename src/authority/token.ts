// POST /{tenant}/oauth2/v2.0/token: the grants Entra serves to MSAL and @azure/identity, each checked in Entra's
// order (tenant, client, the client's credentials, then the grant itself) and refused with Entra's error.
import { timingSafeEqual } from 'node:crypto';
import type { RegisteredApp } from './apps.ts';
import { entraErrors } from './errors.ts';
import type { AuthorityCore } from './core.ts';
import { delegatedScopesFor, readScopes } from './scopes.ts';
import { pkceMatches } from './pkce.ts';

/** RFC 8628's name of the device code grant; MSAL sends Entra's short name, `device_code`, which Entra takes too. */
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export interface TokenRequest {
  /** The tenant segment of the URL. */
  readonly segment: string;
  readonly form: URLSearchParams;
  /** The service's origin as the client reached it. */
  readonly origin: string;
  /**
   * The Origin header of a request a browser page sent. A single-page app's codes and refresh tokens are redeemed
   * from a browser only (on Entra, always cross-origin; here the service's own page is same-origin), and no other
   * app's are redeemed cross-origin.
   */
  readonly browserOrigin?: string;
  /** client_secret_basic: the Authorization header's client id and secret. */
  readonly basic?: { readonly clientId: string; readonly secret: string };
}

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Checks the client's secret when one is sent, and asks for one when the grant needs a confidential client. */
function authenticateClient(app: RegisteredApp, secret: string | undefined, confidential: boolean, publicFlow = false): void {
  if (secret !== undefined) {
    if (app.secret === undefined || !sameSecret(secret, app.secret)) throw entraErrors.wrongSecret(app.clientId);
    return;
  }
  if (!confidential) return;
  throw publicFlow ? entraErrors.publicClientFlowsDisabled(app.clientId) : entraErrors.secretRequired();
}

const param = (form: URLSearchParams, name: string): string => {
  const value = form.get(name);
  if (value === null || value === '') throw entraErrors.missingParameter(name);
  return value;
};

export async function tokenRequest(core: AuthorityCore, r: TokenRequest): Promise<Record<string, unknown>> {
  const { registry, grants, issuer } = core;
  const { form } = r;
  const segment = registry.segment(r.segment);
  if (!segment) throw entraErrors.tenantNotFound(r.segment);
  const grantType = param(form, 'grant_type');
  const clientId = form.get('client_id') || r.basic?.clientId;
  if (!clientId) throw entraErrors.missingParameter('client_id');
  const app = registry.appIn(segment, clientId);
  if (!app) throw entraErrors.unknownClient(clientId, r.segment);
  const secret = form.get('client_secret') ?? r.basic?.secret;
  const clientInfo = form.get('client_info') === '1';
  const fromBrowser = r.browserOrigin !== undefined;
  const crossOrigin = fromBrowser && r.browserOrigin !== r.origin;

  switch (grantType) {
    case 'client_credentials': {
      authenticateClient(app, secret, true);
      const scope = param(form, 'scope');
      const asked = readScopes(scope, r.segment);
      if (!asked.default || asked.oidc.size > 0) throw entraErrors.clientCredentialsScope(scope);
      return issuer.forApp(app, segment.kind === 'tenant' ? segment.tenant.id : app.tenantId);
    }
    case 'password': {
      authenticateClient(app, secret, !app.publicClient, true);
      const login = param(form, 'username');
      const password = param(form, 'password');
      const asked = readScopes(param(form, 'scope'), r.segment);
      const user = registry.user(segment, login);
      if (!user) throw entraErrors.unknownUser(login, r.segment);
      if (!registry.passwordMatches(user, password)) throw entraErrors.wrongCredentials();
      const scopes = delegatedScopesFor(app, asked);
      // The password grant cannot show a consent page: the user or an administrator must have consented before.
      if (!grants.consented({ tenantId: user.tenantId, userId: user.id }, app, scopes)) throw entraErrors.consentRequired(app);
      return issuer.forUser(r.origin, { app, user, scopes, oidc: asked.oidc, clientInfo, spa: false });
    }
    case 'authorization_code': {
      const code = param(form, 'code');
      const redirectUri = param(form, 'redirect_uri');
      const grant = grants.codes.getEvenExpired(code);
      if (!grant || grant.clientId !== app.clientId) throw entraErrors.invalidCode();
      if (grant.expires <= Date.now()) {
        grants.codes.delete(code);
        throw entraErrors.codeExpired();
      }
      if (grant.redeemed) throw entraErrors.codeRedeemed();
      if (grant.redirectUri !== redirectUri) throw entraErrors.codeRedirectUriMismatch();
      if (grant.spa && !fromBrowser) throw entraErrors.spaMustBeCrossOrigin();
      if (!grant.spa && crossOrigin) throw entraErrors.crossOriginOnlySpa();
      authenticateClient(app, secret, !grant.spa && !app.publicClient);
      if (grant.challenge) {
        const verifier = form.get('code_verifier');
        if (!verifier || !pkceMatches(grant.challenge, verifier)) throw entraErrors.pkceMismatch();
      }
      grant.redeemed = true;
      const user = registry.userById(grant.user.tenantId, grant.user.userId);
      if (!user) throw entraErrors.invalidCode();
      return issuer.forUser(r.origin, { app, user, scopes: grant.scopes, oidc: new Set(grant.oidc), nonce: grant.nonce, clientInfo, spa: grant.spa });
    }
    case 'refresh_token': {
      const token = param(form, 'refresh_token');
      const grant = grants.refreshTokens.getEvenExpired(token);
      if (!grant) throw entraErrors.invalidRefreshToken();
      if (grant.expires <= Date.now()) {
        grants.refreshTokens.delete(token);
        throw entraErrors.refreshTokenExpired();
      }
      if (grant.clientId !== app.clientId) throw entraErrors.refreshTokenOtherClient();
      if (grant.spa && !fromBrowser) throw entraErrors.spaMustBeCrossOrigin();
      if (!grant.spa && crossOrigin) throw entraErrors.crossOriginOnlySpa();
      authenticateClient(app, secret, !grant.spa && !app.publicClient);
      const user = registry.userById(grant.user.tenantId, grant.user.userId);
      if (!user) throw entraErrors.invalidRefreshToken();
      const scope = form.get('scope');
      const asked = scope ? readScopes(scope, r.segment) : undefined;
      const scopes = asked ? delegatedScopesFor(app, asked) : grant.scopes;
      const held = new Set(grant.scopes.map((s) => s.toLowerCase()));
      if (!scopes.every((s) => held.has(s.toLowerCase())) && !grants.consented(grant.user, app, scopes)) throw entraErrors.consentRequired(app);
      // Rotation: the refresh token used is spent; the answer carries its successor.
      grants.refreshTokens.delete(token);
      const oidc = new Set([...(asked?.oidc ?? grant.oidc), 'offline_access' as const]);
      return issuer.forUser(r.origin, { app, user, scopes, oidc, clientInfo, spa: grant.spa });
    }
    case DEVICE_CODE_GRANT:
    case 'device_code': {
      const deviceCode = param(form, 'device_code');
      const device = grants.deviceCodes.getEvenExpired(deviceCode);
      if (!device || device.clientId !== app.clientId) throw entraErrors.invalidDeviceCode();
      if (device.expires <= Date.now()) {
        grants.deviceCodes.delete(deviceCode);
        throw entraErrors.deviceCodeExpired();
      }
      authenticateClient(app, secret, !app.publicClient, true);
      if (device.state === 'pending') throw entraErrors.authorizationPending();
      grants.deviceCodes.delete(deviceCode);
      if (device.state === 'declined') throw entraErrors.deviceCodeDeclined();
      const user = device.user && registry.userById(device.user.tenantId, device.user.userId);
      if (!user) throw entraErrors.invalidDeviceCode();
      return issuer.forUser(r.origin, { app, user, scopes: device.scopes, oidc: new Set(device.oidc), clientInfo, spa: false });
    }
    default:
      throw entraErrors.unsupportedGrant(grantType);
  }
}
