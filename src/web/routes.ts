// The web page (issue 14): GET / (index.html), its hashed assets under /assets/, the API reference at /beta/docs
// (docs.html: Swagger UI over /beta/openapi.json) and /web-config.json. Built by Vite into dist/web at build time;
// nothing is fetched from elsewhere, and the pages are served with a strict Content-Security-Policy.
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import { methodNotAllowed, type PublicBase } from '../graph/http.ts';
import { webConfigFor } from './config.ts';
import { builtPage, WEB_DIR } from './files.ts';

/** The page's own paths: not Graph's (the request journal leaves them out, and no rate limit counts them). */
export const isWebPath = (url: string): boolean => /^\/(?:$|\?|assets\/|web-config\.json(?:$|\?))/i.test(url);

/** No throttling: loading the page must not use up the limit an app is tested against. */
const unthrottled = { config: { rateLimit: false } } as const;

/**
 * The pages' Content-Security-Policy: scripts and styles from this origin only, requests to this origin (the API and,
 * in development mode, the sign-in endpoints) and to Entra ID's host in entra mode; no frames, no plugins.
 */
export function pagePolicy(config: Config): string {
  const entra = config.identity === 'entra' ? ` ${new URL(config.entraAuthority).origin}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${entra}`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "manifest-src 'self'",
  ].join('; ');
}

export function registerWebRoutes(app: FastifyInstance, { config, publicBase }: { config: Config; publicBase: PublicBase }): void {
  const policy = pagePolicy(config);
  const sendPage = (reply: FastifyReply, page: Buffer | undefined) => {
    if (!page) {
      return reply.code(503).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send('The web page is not built: run `npm run build` (npm start does).\n');
    }
    return reply
      .code(200)
      .type('text/html; charset=utf-8')
      .header('content-security-policy', policy)
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'same-origin')
      .send(page);
  };
  // Read once, when the service starts (the build made them before).
  const index = builtPage('index.html');
  const docs = builtPage('docs.html');
  app.get('/', unthrottled, async (_request, reply) => sendPage(reply, index));
  app.get('/beta/docs', unthrottled, async (_request, reply) => sendPage(reply, docs));
  app.get('/web-config.json', unthrottled, async (request, reply) =>
    reply.code(200).type('application/json; charset=utf-8').header('cache-control', 'no-store').send(JSON.stringify(webConfigFor(config, publicBase(request)))),
  );
  for (const path of ['/', '/beta/docs', '/web-config.json']) methodNotAllowed(app, path, ['GET']);
  // Hashed file names: a new build makes new names, so a browser may keep each for a year without asking again.
  void app.register(fastifyStatic, {
    root: join(WEB_DIR, 'assets'),
    prefix: '/assets/',
    index: false,
    dotfiles: 'deny',
    immutable: true,
    maxAge: '365d',
    // No directory listings, no redirects to a trailing slash, and a missing file is the service's usual 404.
    list: false,
    redirect: false,
    wildcard: true,
    allowedPath: (path) => !path.endsWith('.map'),
    decorateReply: false,
  });
}
