// Entra ID's error answers on its OAuth endpoints: {"error","error_description":"AADSTS50126: ...","error_codes",
// "timestamp","trace_id","correlation_id","error_uri"}, with the status Entra gives. MSAL and @azure/identity read
// `error` (their errorCode), `error_description` (their message) and `suberror`.
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'consent_required'
  | 'interaction_required'
  | 'login_required'
  | 'authorization_pending'
  | 'authorization_declined'
  | 'expired_token'
  | 'access_denied'
  | 'invalid_resource'
  | 'unsupported_response_type'
  | 'invalid_tenant'
  | 'temporarily_unavailable';

export class EntraError extends Error {
  constructor(
    readonly status: number,
    readonly error: OAuthErrorCode,
    /** The AADSTS number. */
    readonly code: number,
    readonly description: string,
    readonly suberror?: string,
  ) {
    super(`AADSTS${code}: ${description}`);
  }
}

const bad = (error: OAuthErrorCode, code: number, description: string, suberror?: string) => new EntraError(400, error, code, description, suberror);

/** Every error the sign-in service answers, with Entra's AADSTS numbers and wording. */
export const entraErrors = {
  missingParameter: (name: string) => bad('invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`),
  invalidParameter: (name: string, why: string) => bad('invalid_request', 90014, `The provided value for the input parameter '${name}' is not valid. ${why}`),
  tenantNotFound: (segment: string, error: 'invalid_request' | 'invalid_tenant' = 'invalid_request') =>
    bad(error, 90002, `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Seed the tenant first (POST /_emulator/seed).`),
  unsupportedGrant: (grant: string) => bad('unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`),
  unknownClient: (clientId: string, tenant: string) =>
    bad(
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  wrongSecret: (clientId: string) =>
    new EntraError(
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
    ),
  secretRequired: () => new EntraError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
  wrongCredentials: () => bad('invalid_grant', 50126, 'Error validating credentials due to invalid username or password.'),
  unknownUser: (login: string, tenant: string) =>
    bad(
      'invalid_grant',
      50034,
      `The user account ${login} does not exist in the ${tenant} directory. To sign into this application, the account must be added to the directory.`,
    ),
  consentRequired: (app: { clientId: string; displayName: string }) =>
    bad(
      'invalid_grant',
      65001,
      `The user or administrator has not consented to use the application with ID '${app.clientId}' named '${app.displayName}'. Send an interactive authorization request for this user and resource.`,
      'consent_required',
    ),
  scopeNotAllowed: (app: { displayName: string }, scopes: readonly string[]) =>
    bad(
      'invalid_scope',
      650057,
      `Invalid resource. The client has requested access to a resource which is not listed in the requested permissions in the client's application registration. Client app: '${app.displayName}'. Permissions not listed: ${scopes.join(', ')}.`,
    ),
  invalidScope: (scope: string, why: string) => bad('invalid_scope', 70011, `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid (${scope}). ${why}`),
  resourceNotFound: (resource: string, tenant: string) =>
    bad('invalid_resource', 500011, `The resource principal named ${resource} was not found in the tenant named ${tenant}. This service issues tokens for Microsoft Graph only.`),
  clientCredentialsScope: (scope: string) =>
    bad(
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    ),
  redirectUriMismatch: (uri: string, clientId: string) =>
    bad('invalid_request', 50011, `The redirect URI '${uri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the seed.`),
  /** At the token endpoint: not the redirect URI the code was issued for (as Entra words it). */
  codeRedirectUriMismatch: () =>
    bad('invalid_grant', 70000, "The provided value for the 'redirect_uri' is not valid. The value must exactly match the redirect URI used to obtain the authorization code."),
  invalidCode: () => bad('invalid_grant', 70000, "The provided value for the 'code' parameter is not valid."),
  codeRedeemed: () => bad('invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.'),
  codeExpired: () => bad('invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.'),
  pkceMismatch: () => bad('invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.'),
  pkceRequired: () => bad('invalid_request', 9002325, 'Proof Key for Code Exchange is required for cross-origin authorization code redemption.'),
  crossOriginOnlySpa: () => bad('invalid_request', 9002326, "Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type."),
  spaMustBeCrossOrigin: () => bad('invalid_request', 9002327, "Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests."),
  invalidRefreshToken: () => bad('invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid: the refresh token is not one this service issued, or it was used already or revoked.'),
  refreshTokenExpired: () => bad('invalid_grant', 700082, 'The refresh token has expired due to inactivity. The token was issued on a date and was inactive for longer than its lifetime.'),
  refreshTokenOtherClient: () => bad('invalid_grant', 70000, 'Provided grant is invalid or malformed: the refresh token was issued to another client.'),
  authorizationPending: () => bad('authorization_pending', 70016, 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.'),
  deviceCodeExpired: () => bad('expired_token', 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired."),
  deviceCodeDeclined: () => bad('authorization_declined', 70019, 'The end user declined the authorization request.'),
  invalidDeviceCode: () => bad('invalid_grant', 70000, "The provided value for the input parameter 'device_code' is not valid."),
  userCancelled: () => bad('access_denied', 65004, 'User declined to consent to access the app.'),
  loginRequired: () => bad('login_required', 50058, 'A silent sign-in request was sent but no user is signed in.'),
  interactionRequired: () => bad('interaction_required', 65001, 'The user has not consented to the permissions asked for; a silent request cannot ask.', 'consent_required'),
  unsupportedResponseType: (type: string) =>
    bad('unsupported_response_type', 700054, `response_type '${type}' is not enabled for the application: this service answers response_type=code (the authorization code flow) only.`),
  /** A request the HTTP layer refused (media type, size...), with the status it gave. */
  badInput: (why: string, status = 400) => new EntraError(status, 'invalid_request', 90013, `Invalid input received from the user: ${why}`),
  publicClientFlowsDisabled: (clientId: string) =>
    new EntraError(401, 'invalid_client', 7000218, `The request body must contain the following parameter: 'client_assertion' or 'client_secret' (app '${clientId}' does not allow public client flows).`),
};

/** Entra's timestamp: "2026-11-30 10:00:00Z". */
const entraTime = (date: Date) => `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;

/** The correlation id a client sent (MSAL sends client-request-id), else a new one. */
export const correlationIdOf = (request: FastifyRequest): string => {
  const sent = request.headers['client-request-id'];
  return typeof sent === 'string' && /^[0-9a-fA-F-]{1,64}$/.test(sent) ? sent : randomUUID();
};

/** The body Entra answers an error with (also carried to a redirect URI as error and error_description). */
export function entraErrorBody(err: EntraError, traceId: string, correlationId: string) {
  const timestamp = entraTime(new Date());
  return {
    error: err.error,
    error_description: `${err.message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [err.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${err.code}`,
    ...(err.suberror ? { suberror: err.suberror } : {}),
  };
}

/** Sends an error as the token endpoint does. */
export function sendEntraError(request: FastifyRequest, reply: FastifyReply, err: EntraError): FastifyReply {
  return sendOAuthJson(reply, err.status, entraErrorBody(err, request.id, correlationIdOf(request)));
}

/** An answer of the OAuth endpoints: JSON that no cache keeps. */
export function sendOAuthJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').header('cache-control', 'no-store, no-cache').header('pragma', 'no-cache').send(JSON.stringify(body));
}
