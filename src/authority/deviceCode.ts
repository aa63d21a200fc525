// The device code flow (RFC 8628) as Entra runs it: POST /{tenant}/oauth2/v2.0/devicecode gives the app a user code
// to show and a device code to poll the token endpoint with; the person enters the user code on /devicelogin, signs
// in and consents on the same pages as the authorization code flow.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthorityCore } from './core.ts';
import { entraErrors } from './errors.ts';
import { LIFETIMES } from './grants.ts';
import { deviceCodePage } from './pages.ts';
import { sendPage } from './respond.ts';
import { delegatedScopesFor, readScopes } from './scopes.ts';
import { startDeviceSignIn } from './signInFlow.ts';

export const DEVICE_LOGIN_PATH = '/devicelogin';

/** POST /{tenant}/oauth2/v2.0/devicecode: the answer Entra gives (user_code, device_code, verification_uri, ...). */
export function deviceAuthorization(core: AuthorityCore, segmentName: string, form: URLSearchParams, origin: string): Record<string, unknown> {
  const segment = core.registry.segment(segmentName);
  if (!segment) throw entraErrors.tenantNotFound(segmentName);
  const clientId = form.get('client_id');
  if (!clientId) throw entraErrors.missingParameter('client_id');
  const app = core.registry.appIn(segment, clientId);
  if (!app) throw entraErrors.unknownClient(clientId, segmentName);
  // A device cannot keep a secret: Entra asks the app to allow public client flows.
  if (!app.publicClient) throw entraErrors.publicClientFlowsDisabled(app.clientId);
  const asked = readScopes(form.get('scope') ?? undefined, segmentName);
  const scopes = delegatedScopesFor(app, asked);
  const device = core.grants.newDeviceCode({ clientId: app.clientId, scopes, oidc: [...asked.oidc], segment: segmentName });
  const verificationUri = `${origin}${DEVICE_LOGIN_PATH}`;
  return {
    user_code: device.userCode,
    device_code: device.deviceCode,
    verification_uri: verificationUri,
    expires_in: LIFETIMES.deviceCodeSeconds,
    interval: LIFETIMES.deviceIntervalSeconds,
    message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${device.userCode} to authenticate.`,
  };
}

/** GET /devicelogin: where the person enters the code their device shows. */
export function deviceLoginPage(reply: FastifyReply, error?: string, code?: string, status = 200): FastifyReply {
  return sendPage(reply, status, (nonce) => deviceCodePage({ nonce, action: DEVICE_LOGIN_PATH, error, code }));
}

/** POST /devicelogin: the code entered; then the sign-in and consent pages. */
export function deviceLogin(core: AuthorityCore, request: FastifyRequest, reply: FastifyReply, form: URLSearchParams): FastifyReply {
  const typed = form.get('otc')?.trim() ?? '';
  if (!typed) return deviceLoginPage(reply, 'Enter the code shown on your device.');
  const device = core.grants.deviceByUserCode(typed);
  if (!device || device.state !== 'pending') return deviceLoginPage(reply, 'That code didn’t work. Check the code and try again.', typed);
  return startDeviceSignIn(core, request, reply, {
    kind: 'device',
    deviceCode: device.deviceCode,
    segment: device.segment,
    clientId: device.clientId,
    scopes: device.scopes,
    oidc: device.oidc,
  });
}
