// How the sign-in pages answer: HTML with a strict Content-Security-Policy (a nonce per response), the session cookie
// of the pages, and answers carried back to an app's redirect URI (query, fragment or form_post, as Entra does).
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { correlationIdOf, entraErrorBody, type EntraError } from './errors.ts';
import type { Session } from './grants.ts';
import type { Grants } from './grants.ts';
import { formPostPage, messagePage, pageSecurityPolicy } from './pages.ts';

/** The cookie of a signed-in browser (Entra's is ESTSAUTH). */
export const SESSION_COOKIE = 'graph_phones_session';

/** Sends a page; `render` gets the response's CSP nonce; `formAction` adds origins its form may post to. */
export function sendPage(reply: FastifyReply, status: number, render: (nonce: string) => string, formAction?: readonly string[]): FastifyReply {
  const nonce = randomBytes(16).toString('base64');
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('content-security-policy', pageSecurityPolicy(nonce, formAction))
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .send(render(nonce));
}

/** An error page (a request Entra would not carry back to the app: unknown tenant or app, unregistered redirect URI). */
export function sendErrorPage(request: FastifyRequest, reply: FastifyReply, err: EntraError): FastifyReply {
  const body = entraErrorBody(err, request.id, correlationIdOf(request));
  return sendPage(reply, err.status, (nonce) => messagePage({ nonce, heading: 'Sorry, but we’re having trouble signing you in.', message: body.error_description }));
}

export function sendMessage(reply: FastifyReply, status: number, heading: string, message: string): FastifyReply {
  return sendPage(reply, status, (nonce) => messagePage({ nonce, heading, message }));
}

/** The live session of the browser's cookie, if any. */
export function sessionOf(request: FastifyRequest, grants: Grants): Session | undefined {
  const id = request.cookies[SESSION_COOKIE];
  return id ? grants.sessions.get(id) : undefined;
}

export function setSession(request: FastifyRequest, reply: FastifyReply, id: string): void {
  reply.setCookie(SESSION_COOKIE, id, { path: '/', httpOnly: true, sameSite: 'lax', secure: request.protocol === 'https' });
}

export function clearSession(request: FastifyRequest, reply: FastifyReply, grants: Grants): void {
  const id = request.cookies[SESSION_COOKIE];
  if (id) grants.sessions.delete(id);
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: request.protocol === 'https' });
}

export type ResponseMode = 'query' | 'fragment' | 'form_post';

/** Carries `fields` to the app's redirect URI in the response mode asked. */
export function sendToApp(reply: FastifyReply, redirectUri: string, mode: ResponseMode, fields: Record<string, string | undefined>): FastifyReply {
  const present = Object.fromEntries(Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined));
  if (mode === 'form_post') {
    return sendPage(reply, 200, (nonce) => formPostPage({ nonce, action: redirectUri, fields: present }), [new URL(redirectUri).origin]);
  }
  const url = new URL(redirectUri);
  const encoded = new URLSearchParams(present);
  if (mode === 'fragment') url.hash = encoded.toString();
  else for (const [k, v] of encoded) url.searchParams.append(k, v);
  return reply.code(302).header('cache-control', 'no-store').redirect(url.toString());
}

/** An error carried to the app: error, error_description (Entra's, with its trace and correlation ids), state. */
export function sendErrorToApp(
  request: FastifyRequest,
  reply: FastifyReply,
  to: { redirectUri: string; mode: ResponseMode; state?: string },
  err: EntraError,
  subcode?: string,
): FastifyReply {
  const body = entraErrorBody(err, request.id, correlationIdOf(request));
  return sendToApp(reply, to.redirectUri, to.mode, {
    error: body.error,
    error_description: body.error_description,
    error_uri: body.error_uri,
    ...(subcode ? { error_subcode: subcode } : {}),
    state: to.state,
  });
}
