// The token endpoint's answers, shaped as Entra's: an access token for Microsoft Graph (the same claims as the
// development tokens, so this service accepts it), and for a user an id token (OpenID Connect, v2.0), a refresh token
// (opaque, rotating, revocable) and client_info (which MSAL reads to key its cache).
import { createHash, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { DIRECTORY_ROLES, mintAppToken, mintDelegatedToken, type DevKey } from '../identity/devIssuer.ts';
import type { RegisteredApp } from './apps.ts';
import type { Grants, UserRef } from './grants.ts';
import type { SignInUser } from './registry.ts';
import { scopeAnswer, type OidcScope } from './scopes.ts';

/** The issuer of id tokens: what the discovery document says, at the host the client reached. */
export const idTokenIssuer = (origin: string, tenantId: string) => `${origin}/${tenantId}/v2.0`;

/** MSAL's client_info: base64url JSON of the user's object id and tenant id. */
export const clientInfoOf = (user: UserRef) => Buffer.from(JSON.stringify({ uid: user.userId, utid: user.tenantId })).toString('base64url');

export interface UserTokenRequest {
  readonly app: RegisteredApp;
  readonly user: SignInUser;
  readonly scopes: readonly string[];
  readonly oidc: ReadonlySet<OidcScope>;
  readonly nonce?: string;
  /** client_info=1 was asked. */
  readonly clientInfo: boolean;
  /** Issued through a single-page app's redirect URI (its refresh tokens are redeemed cross-origin only). */
  readonly spa: boolean;
}

export class TokenIssuer {
  constructor(
    private readonly key: DevKey,
    private readonly grants: Grants,
  ) {}

  /** The answer for a signed-in user; `origin` is the service's, as the client reached it. */
  async forUser(origin: string, r: UserTokenRequest): Promise<Record<string, unknown>> {
    const { app, user } = r;
    const lifetime = app.accessTokenLifetimeSeconds;
    const accessToken = await mintDelegatedToken(this.key, {
      tenantId: user.tenantId,
      userId: user.id,
      userPrincipalName: user.userPrincipalName,
      displayName: user.displayName,
      scopes: [...r.scopes],
      directoryRoles: user.admin ? [DIRECTORY_ROLES.globalAdministrator] : [],
      app: { id: app.clientId, displayName: app.displayName },
      lifetimeSeconds: lifetime,
    });
    const answer: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: scopeAnswer(r.scopes, r.oidc),
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: accessToken,
    };
    const ref = { tenantId: user.tenantId, userId: user.id };
    if (r.oidc.has('offline_access')) {
      answer.refresh_token = this.grants.newRefreshToken({ clientId: app.clientId, user: ref, scopes: r.scopes, oidc: [...r.oidc], spa: r.spa }, app.refreshTokenLifetimeSeconds);
    }
    if (r.oidc.has('openid')) answer.id_token = await this.idToken(origin, r);
    if (r.clientInfo) answer.client_info = clientInfoOf(ref);
    return answer;
  }

  /** The answer of the client credentials grant: an app-only token with the app's roles. */
  async forApp(app: RegisteredApp, tenantId: string): Promise<Record<string, unknown>> {
    const lifetime = app.accessTokenLifetimeSeconds;
    const accessToken = await mintAppToken(this.key, { tenantId, app: { id: app.clientId, displayName: app.displayName }, roles: [...app.roles], lifetimeSeconds: lifetime });
    return { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken };
  }

  private idToken(origin: string, { app, user, nonce, oidc }: UserTokenRequest): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      aud: app.clientId,
      iss: idTokenIssuer(origin, user.tenantId),
      iat: now,
      nbf: now,
      exp: now + 3600,
      ...(oidc.has('email') && user.userPrincipalName.includes('@') ? { email: user.userPrincipalName } : {}),
      name: user.displayName,
      ...(nonce !== undefined ? { nonce } : {}),
      oid: user.id,
      preferred_username: user.userPrincipalName,
      // Entra's sub is pairwise: the same user has another sub in each app.
      sub: createHash('sha256').update(`${app.clientId}/${user.id}`).digest('base64url').slice(0, 43),
      tid: user.tenantId,
      uti: randomUUID().replaceAll('-', '').slice(0, 22),
      ver: '2.0',
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.key.kid })
      .sign(this.key.privateKey);
  }
}
