// The service's own web page (src/web/, issue 14) signs people in like any single-page app, through an app registration
// that every development-mode service has: multi-tenant, its redirect URIs the service's own / and /beta/docs, and an
// administrator's consent for what the page does (people are not asked to consent to the service's own page).
// Not seeded, so /_emulator/reset does not remove it.
import { APP_DEFAULTS, WEB_PAGE_CLIENT_ID, type RegisteredApp } from './apps.ts';

export const WEB_PAGE_APP: RegisteredApp = {
  clientId: WEB_PAGE_CLIENT_ID,
  tenantId: '',
  displayName: 'Profile phones',
  redirectUris: [],
  spaRedirectUris: [],
  ownOriginRedirectPaths: ['/', '/beta/docs'],
  publicClient: false,
  roles: [],
  // Its own phones (read and write), and colleagues' (read: /?user=).
  scopes: ['User.ReadWrite', 'User.ReadBasic.All'],
  adminConsent: true,
  multiTenant: true,
  accessTokenLifetimeSeconds: APP_DEFAULTS.accessTokenLifetimeSeconds,
  refreshTokenLifetimeSeconds: APP_DEFAULTS.spaRefreshTokenLifetimeSeconds,
};
