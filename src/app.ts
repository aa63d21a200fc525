// Builds the HTTP app from its parts (nothing listens here): the one place that wires everything.
import cors from '@fastify/cors';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { clientErrorHandler, frameworkErrors, installGraphConventions, MAX_BODY_BYTES, newRequestId, sendJson } from './graph/http.ts';
import { Directory } from './identity/directory.ts';
import type { TokenVerifier } from './identity/principal.ts';
import { installProfileAccess, profileAccessResolver } from './profile/access.ts';
import { registerBatchRoute } from './graph/batch.ts';
import { registerPhoneRoutes } from './profile/phones/routes.ts';
import { registerProfileRoutes } from './profile/routes.ts';
import { registerMetadataRoute } from './graph/odata/metadata.ts';
import { phonesEdmModel } from './profile/phones/schema.ts';
import type { Store } from './store/types.ts';
import type { SkipTokens } from './graph/odata/skipToken.ts';

export interface AppParts {
  config: Config;
  store: Store;
  verifier: TokenVerifier;
  logger: FastifyBaseLogger;
  skipTokens: SkipTokens;
}

export type Lifecycle = 'starting' | 'ready' | 'stopping';

export interface App {
  readonly http: FastifyInstance;
  setState(state: Lifecycle): void;
}

export function buildApp({ config, store, verifier, logger, skipTokens }: AppParts): App {
  let state: Lifecycle = 'starting';
  const http = Fastify({
    loggerInstance: logger,
    genReqId: newRequestId,
    // One log line per request, written by graph/http.ts after the answer.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    bodyLimit: MAX_BODY_BYTES,
    // Segments up to the URL's own limit reach the routes, which answer 404 for ids they don't know.
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 8192 },
    frameworkErrors,
    return503OnClosing: true,
    clientErrorHandler,
  });
  // A database that is restarting or unreachable is answered 503 (Retry-After), not 500; the store knows which errors mean that.
  installGraphConventions(http, { isUnavailable: (err) => store.isUnavailable(err) });
  // Browser apps call Graph across origins with a bearer token (no cookies), so any origin may call,
  // as on Graph. Requests without an Origin header are not CORS and pass untouched.
  void http.register(cors, {
    origin: (origin, cb) => cb(null, origin ? '*' : false),
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
    exposedHeaders: ['request-id', 'client-request-id', 'location', 'retry-after', 'www-authenticate', 'odata-version'],
    maxAge: 3600,
    strictPreflight: false,
  });

  http.get('/health', async (_request, reply) => {
    let storeState = 'ok';
    try {
      await store.ping();
    } catch {
      storeState = 'unreachable';
    }
    const ok = state === 'ready' && storeState === 'ok';
    return sendJson(reply, ok ? 200 : 503, { status: ok ? 'ok' : state === 'ready' ? 'degraded' : state, store: { kind: store.kind, state: storeState } });
  });

  installProfileAccess(http);
  const resolveAccess = profileAccessResolver(verifier, new Directory(store.users));
  // JSON batching replays each inner request through this same app (graph/batch.ts).
  registerBatchRoute(http);
  registerProfileRoutes(http, { phones: store.phones, resolveAccess, publicUrl: config.publicUrl });
  registerPhoneRoutes(http, {
    phones: store.phones,
    resolveAccess,
    publicUrl: config.publicUrl,
    skipTokens,
  });
  // $metadata: built once here from the descriptors that validate requests; anonymous, as on Graph.
  registerMetadataRoute(http, phonesEdmModel);

  return {
    http,
    setState: (s) => {
      state = s;
    },
  };
}
