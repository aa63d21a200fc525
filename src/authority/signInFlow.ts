// The interactive sign-in, as Entra runs it in a browser: GET /{tenant}/oauth2/v2.0/authorize checks the request,
// then the pages ask who the user is (POST /{tenant}/login) and, the first time, their consent (POST /{tenant}/consent);
// the authorization code then goes back to the app's redirect URI. A device code sign-in (deviceCode.ts) uses the
// same pages and ends on a message instead.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isOwnOriginRedirect, redirectUriMatches } from './apps.ts';
import type { AuthorityCore } from './core.ts';
import { EntraError, entraErrors } from './errors.ts';
import type { AuthorizeRequest, Flow, FlowStart, UserRef } from './grants.ts';
import { clientInfoOf } from './issue.ts';
import { consentPage, permissionDescription, signInPage } from './pages.ts';
import { sendErrorPage, sendErrorToApp, sendMessage, sendPage, sendToApp, sessionOf, setSession, type ResponseMode } from './respond.ts';
import { ADMIN_ONLY_SCOPES, delegatedScopesFor, readScopes } from './scopes.ts';
import type { TenantSegment } from './registry.ts';

const RESPONSE_MODES: readonly ResponseMode[] = ['query', 'fragment', 'form_post'];

/** GET (or POST) /{tenant}/oauth2/v2.0/authorize. */
export function authorize(
  core: AuthorityCore,
  request: FastifyRequest,
  reply: FastifyReply,
  segmentName: string,
  params: URLSearchParams,
  origin: string,
): FastifyReply {
  const { registry, grants } = core;
  // Until the redirect URI is known to be the app's, errors are shown here, never sent anywhere.
  const segment = registry.segment(segmentName);
  if (!segment) return sendErrorPage(request, reply, entraErrors.tenantNotFound(segmentName));
  const clientId = params.get('client_id');
  if (!clientId) return sendErrorPage(request, reply, entraErrors.missingParameter('client_id'));
  const app = registry.appIn(segment, clientId);
  if (!app) return sendErrorPage(request, reply, entraErrors.unknownClient(clientId, segmentName));
  const redirectUri = params.get('redirect_uri');
  if (!redirectUri) return sendErrorPage(request, reply, entraErrors.missingParameter('redirect_uri'));
  const spa = redirectUriMatches(app.spaRedirectUris, redirectUri) || isOwnOriginRedirect(app, redirectUri, origin);
  if (!spa && !redirectUriMatches(app.redirectUris, redirectUri)) return sendErrorPage(request, reply, entraErrors.redirectUriMismatch(redirectUri, app.clientId));
  const mode = (params.get('response_mode') ?? 'query') as ResponseMode;
  if (!RESPONSE_MODES.includes(mode)) return sendErrorPage(request, reply, entraErrors.invalidParameter('response_mode', 'It must be query, fragment or form_post.'));
  const state = params.get('state') ?? undefined;
  const back = { redirectUri, mode, state };
  try {
    const responseType = params.get('response_type');
    if (!responseType) throw entraErrors.missingParameter('response_type');
    if (responseType !== 'code') throw entraErrors.unsupportedResponseType(responseType);
    const challengeValue = params.get('code_challenge');
    const method = params.get('code_challenge_method') ?? 'plain';
    if (method !== 'S256' && method !== 'plain') throw entraErrors.invalidParameter('code_challenge_method', 'It must be S256 or plain.');
    if (spa && !challengeValue) throw entraErrors.pkceRequired();
    const asked = readScopes(params.get('scope') ?? undefined, segmentName);
    const scopes = delegatedScopesFor(app, asked);
    const prompt = params.get('prompt');
    const flow: FlowStart & AuthorizeRequest = {
      kind: 'authorize',
      segment: segmentName,
      clientId: app.clientId,
      scopes,
      oidc: [...asked.oidc],
      redirectUri,
      responseMode: mode,
      spa,
      state,
      nonce: params.get('nonce') ?? undefined,
      challenge: challengeValue ? { value: challengeValue, method } : undefined,
      clientInfo: params.get('client_info') === '1',
      loginHint: params.get('login_hint') ?? undefined,
    };
    // The browser's session signs the user in again without a password, unless the app asks to sign in anew or
    // names someone else.
    const session = sessionOf(request, grants);
    const sessionUser = session && registry.userById(session.user.tenantId, session.user.userId);
    const reuse =
      sessionUser && prompt !== 'login' && prompt !== 'select_account' && inSegment(segment, sessionUser.tenantId) &&
      (!flow.loginHint || flow.loginHint.toLowerCase() === sessionUser.userPrincipalName.toLowerCase());
    if (!reuse) {
      if (prompt === 'none') throw entraErrors.loginRequired();
      return showSignIn(core, reply, grants.newFlow(flow), flow);
    }
    return proceed(core, request, reply, { ...flow, user: session!.user, expires: 0 }, { forceConsent: prompt === 'consent', silent: prompt === 'none' });
  } catch (err) {
    if (err instanceof EntraError) return sendErrorToApp(request, reply, back, err);
    throw err;
  }
}

const inSegment = (segment: TenantSegment, tenantId: string) => (segment.kind === 'tenant' ? segment.tenant.id === tenantId : segment.kind !== 'consumers');

/**
 * The origins a page's form may end up at: a browser checks CSP's form-action against the redirect that answers the
 * form's POST too, and the sign-in and consent pages of an authorization request are answered with one to the app.
 */
const appOrigins = (flow: FlowStart): string[] => {
  if (flow.kind !== 'authorize') return [];
  const url = new URL(flow.redirectUri);
  return [url.origin === 'null' ? url.protocol : url.origin];
};

function showSignIn(core: AuthorityCore, reply: FastifyReply, flowId: string, flow: FlowStart, error?: string, login?: string): FastifyReply {
  const app = core.registry.app(flow.clientId);
  const segment = core.registry.segment(flow.segment);
  return sendPage(reply, 200, (nonce) =>
    signInPage({
      nonce,
      action: `/${encodeURIComponent(flow.segment)}/login`,
      hidden: { flow: flowId },
      appName: app?.displayName ?? flow.clientId,
      tenantName: segment?.kind === 'tenant' ? segment.tenant.name : undefined,
      login: login ?? (flow.kind === 'authorize' ? flow.loginHint : undefined),
      error,
    }),
    appOrigins(flow),
  );
}

/** POST /{tenant}/login: the sign-in page's user name and password. */
export function login(core: AuthorityCore, request: FastifyRequest, reply: FastifyReply, form: URLSearchParams): FastifyReply {
  const { registry, grants } = core;
  const flowId = form.get('flow') ?? '';
  const flow = grants.flows.get(flowId);
  if (!flow) return expired(reply);
  const segment = registry.segment(flow.segment);
  const name = form.get('login')?.trim() ?? '';
  const user = segment && name ? registry.user(segment, name) : undefined;
  if (!user) return showSignIn(core, reply, flowId, flow, name ? 'We couldn’t find an account with that user name.' : 'Enter your user name.', name);
  if (!registry.passwordMatches(user, form.get('passwd') ?? '')) {
    return showSignIn(core, reply, flowId, flow, 'Your account or password is incorrect.', name);
  }
  const ref: UserRef = { tenantId: user.tenantId, userId: user.id };
  setSession(request, reply, grants.newSession(ref));
  flow.user = ref;
  return proceed(core, request, reply, flow, { flowId });
}

/** POST /{tenant}/consent: Accept or Cancel. */
export function consent(core: AuthorityCore, request: FastifyRequest, reply: FastifyReply, form: URLSearchParams): FastifyReply {
  const { registry, grants } = core;
  const flowId = form.get('flow') ?? '';
  const flow = grants.flows.get(flowId);
  if (!flow?.user) return expired(reply);
  const app = registry.app(flow.clientId);
  if (!app) return expired(reply);
  grants.flows.delete(flowId);
  if (form.get('decision') !== 'accept') {
    if (flow.kind === 'device') {
      const device = grants.deviceCodes.get(flow.deviceCode);
      if (device) device.state = 'declined';
      return sendMessage(reply, 200, 'You declined', `You did not let ${app.displayName} sign you in. You may now close this window.`);
    }
    return sendErrorToApp(request, reply, { redirectUri: flow.redirectUri, mode: flow.responseMode, state: flow.state }, entraErrors.userCancelled(), 'cancel');
  }
  grants.consent(flow.user, app, flow.scopes);
  return complete(core, request, reply, flow, flow.user);
}

/** After sign-in: the consent page when consent is missing (or asked for), else the end of the flow. */
function proceed(
  core: AuthorityCore,
  request: FastifyRequest,
  reply: FastifyReply,
  flow: Flow,
  options: { flowId?: string; forceConsent?: boolean; silent?: boolean },
): FastifyReply {
  const { registry, grants } = core;
  const user = flow.user!;
  const app = registry.app(flow.clientId);
  const person = registry.userById(user.tenantId, user.userId);
  if (!app || !person) return expired(reply);
  if (options.forceConsent || !grants.consented(user, app, flow.scopes)) {
    if (options.silent && flow.kind === 'authorize') {
      return sendErrorToApp(request, reply, { redirectUri: flow.redirectUri, mode: flow.responseMode, state: flow.state }, entraErrors.interactionRequired());
    }
    const adminOnly = flow.scopes.filter((s) => ADMIN_ONLY_SCOPES.has(s.toLowerCase()) && !(app.adminConsent && grants.consented(user, app, [s])));
    if (adminOnly.length > 0 && !person.admin) {
      if (options.flowId) grants.flows.delete(options.flowId);
      return sendMessage(reply, 403, 'Need admin approval', `${app.displayName} needs permission to access resources in your organization that only an admin can grant (${adminOnly.join(', ')}). Ask an admin to grant permission to this app before you can use it.`);
    }
    const flowId = options.flowId ?? grants.newFlow(flow);
    return sendPage(reply, 200, (nonce) =>
      consentPage({
        nonce,
        action: `/${encodeURIComponent(flow.segment)}/consent`,
        hidden: { flow: flowId },
        appName: app.displayName,
        userName: person.userPrincipalName,
        permissions: flow.scopes.map((name) => ({ name, description: permissionDescription(name) })),
      }),
      appOrigins(flow),
    );
  }
  if (options.flowId) grants.flows.delete(options.flowId);
  return complete(core, request, reply, flow, user);
}

/** The end of a flow: the code sent to the app, or the device told it may go on. */
function complete(core: AuthorityCore, _request: FastifyRequest, reply: FastifyReply, flow: Flow, user: UserRef): FastifyReply {
  const { registry, grants } = core;
  const app = registry.app(flow.clientId);
  if (flow.kind === 'device') {
    const device = grants.deviceCodes.get(flow.deviceCode);
    if (!device) return expired(reply);
    device.state = 'approved';
    device.user = user;
    return sendMessage(reply, 200, 'You’re signed in', `You have signed in to ${app?.displayName ?? flow.clientId} on your device. You may now close this window.`);
  }
  const code = grants.newCode({
    clientId: flow.clientId,
    scopes: flow.scopes,
    oidc: flow.oidc,
    user,
    redirectUri: flow.redirectUri,
    spa: flow.spa,
    nonce: flow.nonce,
    challenge: flow.challenge,
  });
  return sendToApp(reply, flow.redirectUri, flow.responseMode, {
    code,
    client_info: flow.clientInfo ? clientInfoOf(user) : undefined,
    state: flow.state,
    session_state: undefined,
  });
}

const expired = (reply: FastifyReply) =>
  sendMessage(reply, 400, 'This sign-in has expired', 'This sign-in is no longer in progress (it took too long, or it was finished already). Go back to the app and sign in again.');

/** A device code sign-in: after the code was entered on /devicelogin. */
export function startDeviceSignIn(core: AuthorityCore, request: FastifyRequest, reply: FastifyReply, flow: FlowStart): FastifyReply {
  const session = sessionOf(request, core.grants);
  const segment = core.registry.segment(flow.segment);
  const sessionUser = session && core.registry.userById(session.user.tenantId, session.user.userId);
  if (sessionUser && segment && inSegment(segment, sessionUser.tenantId)) {
    return proceed(core, request, reply, { ...flow, user: session!.user, expires: 0 }, {});
  }
  return showSignIn(core, reply, core.grants.newFlow(flow), flow);
}
