// The sign-in service's routes, at the service's root as on login.microsoftonline.com, in a plugin of their own: its
// form parser (OAuth's requests are application/x-www-form-urlencoded), cookie (the pages' session) and error
// handler (Entra's error shape, not Graph's) reach these routes only.
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PublicBase } from '../graph/http.ts';
import type { AuthorityCore } from './core.ts';
import { deviceAuthorization, deviceLogin, deviceLoginPage, DEVICE_LOGIN_PATH } from './deviceCode.ts';
import { openIdConfiguration, openIdConfigurationV1, signingKeys } from './discovery.ts';
import { EntraError, entraErrors, sendEntraError, sendOAuthJson } from './errors.ts';
import { logout } from './logout.ts';
import { sendErrorPage } from './respond.ts';
import { authorize, consent, login } from './signInFlow.ts';
import { tokenRequest } from './token.ts';

interface TenantParams {
  Params: { tenant: string };
}

/** The sign-in service's own paths: the request journal leaves them out (their bodies carry passwords and secrets). */
export const isAuthorityPath = (url: string): boolean =>
  /^\/[^/?]+\/(?:oauth2|v2\.0\/\.well-known|\.well-known|discovery|login|consent)(?:[/?]|$)|^\/devicelogin(?:[/?]|$)/i.test(url);

/** The form of a POST (URLSearchParams from the parser below); any other body is an empty form. */
const formOf = (request: FastifyRequest): URLSearchParams => (request.body instanceof URLSearchParams ? request.body : new URLSearchParams());
/** The query string as sent (fastify's parsed query object would lose repeated names). */
const queryOf = (request: FastifyRequest): URLSearchParams => new URLSearchParams(request.url.split('?')[1] ?? '');
/** GET's query, or POST's form (authorize and logout take both, as Entra's do). */
const paramsOf = (request: FastifyRequest) => (request.method === 'POST' ? formOf(request) : queryOf(request));

/** client_secret_basic: `Authorization: Basic base64(client_id:client_secret)`, each part form-encoded (RFC 6749 §2.3.1). */
function basicCredentials(request: FastifyRequest): { clientId: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  try {
    return { clientId: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

/** The origin of the browser page that sent the request (its Origin header), if a browser sent it. */
const browserOriginOf = (request: FastifyRequest): string | undefined => {
  const sent = request.headers.origin;
  return typeof sent === 'string' && sent !== 'null' ? sent : undefined;
};

export function registerAuthorityRoutes(app: FastifyInstance, core: AuthorityCore, publicBase: PublicBase): void {
  void app.register(async (scope) => {
    await scope.register(cookie);
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      // WHATWG URLSearchParams (Node's own) is the form parser: it keeps repeated names and never throws.
      done(null, new URLSearchParams(body as string));
    });
    scope.setErrorHandler((err: Error & { statusCode?: number }, request, reply) => {
      if (err instanceof EntraError) return sendEntraError(request, reply, err);
      const status = err.statusCode;
      if (status && status >= 400 && status < 500) return sendEntraError(request, reply, entraErrors.badInput(err.message, status));
      request.log.error({ err }, 'sign-in request failed');
      return sendEntraError(request, reply, new EntraError(500, 'temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.'));
    });

    /** An OAuth endpoint: JSON in Entra's shape, errors too. */
    const oauth = (answer: (request: FastifyRequest<TenantParams>, origin: string) => Promise<unknown> | unknown) =>
      async (request: FastifyRequest<TenantParams>, reply: FastifyReply) => sendOAuthJson(reply, 200, await answer(request, publicBase(request)));

    const segmentOrThrow = (request: FastifyRequest<TenantParams>) => {
      const segment = core.registry.segment(request.params.tenant);
      if (!segment) throw entraErrors.tenantNotFound(request.params.tenant, 'invalid_tenant');
      return segment;
    };
    scope.get<TenantParams>('/:tenant/v2.0/.well-known/openid-configuration', oauth((request, origin) => openIdConfiguration(origin, request.params.tenant, segmentOrThrow(request))));
    scope.get<TenantParams>('/:tenant/.well-known/openid-configuration', oauth((request, origin) => openIdConfigurationV1(origin, request.params.tenant, segmentOrThrow(request))));
    // The key never changes while the service runs: its JWKS is made once.
    const jwks = signingKeys(core.key);
    const keys = oauth((request) => {
      segmentOrThrow(request);
      return jwks;
    });
    scope.get<TenantParams>('/:tenant/discovery/v2.0/keys', keys);
    scope.get<TenantParams>('/:tenant/discovery/keys', keys);

    scope.post<TenantParams>(
      '/:tenant/oauth2/v2.0/token',
      oauth((request, origin) =>
        tokenRequest(core, { segment: request.params.tenant, form: formOf(request), origin, browserOrigin: browserOriginOf(request), basic: basicCredentials(request) }),
      ),
    );
    scope.post<TenantParams>('/:tenant/oauth2/v2.0/devicecode', oauth((request, origin) => deviceAuthorization(core, request.params.tenant, formOf(request), origin)));

    scope.route<TenantParams>({
      method: ['GET', 'POST'],
      url: '/:tenant/oauth2/v2.0/authorize',
      handler: async (request, reply) => authorize(core, request, reply, request.params.tenant, paramsOf(request), publicBase(request)),
    });
    scope.post<TenantParams>('/:tenant/login', async (request, reply) => login(core, request, reply, formOf(request)));
    scope.post<TenantParams>('/:tenant/consent', async (request, reply) => consent(core, request, reply, formOf(request)));
    scope.get(DEVICE_LOGIN_PATH, async (_request, reply) => deviceLoginPage(reply));
    scope.post(DEVICE_LOGIN_PATH, async (request, reply) => deviceLogin(core, request, reply, formOf(request)));
    scope.route<TenantParams>({
      method: ['GET', 'POST'],
      url: '/:tenant/oauth2/v2.0/logout',
      handler: async (request, reply) => {
        if (!core.registry.segment(request.params.tenant)) return sendErrorPage(request, reply, entraErrors.tenantNotFound(request.params.tenant));
        return logout(core, request, reply, paramsOf(request), publicBase(request));
      },
    });
  });
}
