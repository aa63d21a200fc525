// GET /{tenant}/oauth2/v2.0/logout: ends the browser's session on the sign-in pages (refresh tokens stay valid, as on
// Entra) and goes back to the app's post_logout_redirect_uri when it is one of a registered app's redirect URIs.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isOwnOriginRedirect, redirectUriMatches } from './apps.ts';
import type { AuthorityCore } from './core.ts';
import { clearSession, sendMessage } from './respond.ts';

export function logout(core: AuthorityCore, request: FastifyRequest, reply: FastifyReply, params: URLSearchParams, origin: string): FastifyReply {
  clearSession(request, reply, core.grants);
  const back = params.get('post_logout_redirect_uri');
  const registered = (uri: string) =>
    core.registry.allApps().some((app) => redirectUriMatches([...app.redirectUris, ...app.spaRedirectUris], uri) || isOwnOriginRedirect(app, uri, origin));
  if (back && registered(back)) {
    const url = new URL(back);
    const state = params.get('state');
    if (state !== null) url.searchParams.set('state', state);
    return reply.code(302).header('cache-control', 'no-store').redirect(url.toString());
  }
  return sendMessage(reply, 200, 'You signed out of your account', 'It’s a good idea to close all browser windows.');
}
