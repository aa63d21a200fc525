// OpenID Connect discovery, as Entra publishes it per tenant segment: the v2.0 document MSAL reads
// (/{tenant}/v2.0/.well-known/openid-configuration), the v1 document older libraries read, and the signing keys.
// Endpoints name the host the client reached (MSAL checks that the issuer's host is the authority's).
import { exportJWK, type JWK } from 'jose';
import type { DevKey } from '../identity/devIssuer.ts';
import { issuerFor } from '../identity/devIssuer.ts';
import { idTokenIssuer } from './issue.ts';
import { MULTI_TENANT_IDS, type TenantSegment } from './registry.ts';

/** The tenant id a segment's documents name ({tenantid} for common and organizations, as Entra's do). */
export const tenantIdOfSegment = (segment: TenantSegment) => (segment.kind === 'tenant' ? segment.tenant.id : MULTI_TENANT_IDS[segment.kind]);

/** The v2.0 document; `base` is the service's origin and the segment as asked (https://host/contoso.onmicrosoft.com). */
export function openIdConfiguration(origin: string, asked: string, segment: TenantSegment) {
  const base = `${origin}/${asked}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: idTokenIssuer(origin, tenantIdOfSegment(segment)),
    request_uri_parameter_supported: false,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'email', 'oid'],
    code_challenge_methods_supported: ['S256', 'plain'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials', 'password', 'urn:ietf:params:oauth:grant-type:device_code'],
    tenant_region_scope: null,
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
  };
}

/**
 * The v1 document (/{tenant}/.well-known/openid-configuration), which token validators read for the keys and the
 * access tokens' issuer. Its endpoints are the v2.0 ones: the v1 protocol (resource= instead of scope=) is not served.
 */
export function openIdConfigurationV1(origin: string, asked: string, segment: TenantSegment) {
  const base = `${origin}/${asked}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code'],
    scopes_supported: ['openid'],
    issuer: issuerFor(tenantIdOfSegment(segment)),
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    tenant_region_scope: null,
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
  };
}

/** The signing keys (JWKS): the development issuer's public key, which signs access and id tokens. */
export async function signingKeys(key: DevKey): Promise<{ keys: JWK[] }> {
  const jwk = await exportJWK(key.publicKey);
  return { keys: [{ kty: jwk.kty, use: 'sig', kid: key.kid, n: jwk.n, e: jwk.e, alg: 'RS256' }] };
}
