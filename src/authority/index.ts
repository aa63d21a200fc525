// The sign-in service (development identity mode only): OpenID Connect discovery and keys, the OAuth 2.0 token,
// authorize, device code and logout endpoints, and the pages people sign in on, as Microsoft Entra ID serves them,
// so that MSAL and @azure/identity work unchanged against this service. Apps and users come from the seed.
export { readSeedApp, type RegisteredApp } from './apps.ts';
export { createAuthorityCore, type AuthorityCore } from './core.ts';
export { tenantDomainFor, type AuthoritySeed, type RegisteredTenant } from './registry.ts';
export { isAuthorityPath, registerAuthorityRoutes } from './routes.ts';
