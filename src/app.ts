// Builds the HTTP app from its parts (nothing listens here): the one place that wires everything.
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { createAuthorityCore, registerAuthorityRoutes } from './authority/index.ts';
import type { Config } from './config.ts';
import { createEmulator, emulatorOpenApi, registerEmulatorRoutes, type Emulator } from './emulator/index.ts';
import type { RateLimitCounter } from './store/rateLimits.ts';
import { registerBatchRoute } from './graph/batch.ts';
import { graphErrors } from './graph/errors.ts';
import { clientErrorHandler, frameworkErrors, installGraphConventions, MAX_BODY_BYTES, newRequestId, publicBaseOf, refuseConnect, sendJson } from './graph/http.ts';
import { registerMetadataRoute } from './graph/odata/metadata.ts';
import type { SkipTokens } from './graph/odata/skipToken.ts';
import { registerOpenApiRoutes } from './graph/openapi/index.ts';
import { Directory } from './identity/directory.ts';
import { installFaults } from './emulator/faultHooks.ts';
import { installJournal } from './emulator/journalHooks.ts';
import type { DevKey } from './identity/devIssuer.ts';
import type { TokenVerifier } from './identity/principal.ts';
import type { ServiceMetrics } from './metrics/registry.ts';
import { installMetrics, routeOf } from './metrics/routes.ts';
import { installProfileAccess, profileAccessResolver } from './profile/access.ts';
import type { ProfileCollection } from './profile/collection.ts';
import { registerCollectionRoutes } from './profile/collectionRoutes.ts';
import { profileEdmModel } from './profile/edmModel.ts';
import { registerProfileRoutes } from './profile/routes.ts';
import type { Store } from './store/types.ts';
import { isWebPath, registerWebRoutes } from './web/routes.ts';

export interface AppParts {
  config: Config;
  /** The profile collections served (profile/collections.ts); the store was opened with their tables. */
  collections: readonly ProfileCollection<any>[];
  store: Store;
  verifier: TokenVerifier;
  /** The development issuer's key (IDENTITY=development): the /_emulator controls mint tokens with it. */
  devKey?: DevKey;
  logger: FastifyBaseLogger;
  skipTokens: SkipTokens;
  /** Certificate and key: the listener serves HTTPS. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Given (METRICS=on): requests are counted and /metrics serves the counts. */
  metrics?: ServiceMetrics;
}

export type Lifecycle = 'starting' | 'ready' | 'stopping';

export interface App {
  readonly http: FastifyInstance;
  /** The listener of its own that serves /metrics with METRICS_PORT (closed with `http`). */
  readonly metricsHttp?: FastifyInstance;
  setState(state: Lifecycle): void;
  /** The test-suite controls (development identity mode only), for in-process callers; /_emulator serves them. */
  readonly emulator?: Emulator;
}

export function buildApp({ config, collections, store, verifier, devKey, logger, skipTokens, tls, metrics }: AppParts): App {
  let state: Lifecycle = 'starting';
  const listener = () => Fastify({
    ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
    loggerInstance: logger,
    genReqId: newRequestId,
    // One log line per request, written by graph/http.ts after the answer.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    bodyLimit: MAX_BODY_BYTES,
    // Segments up to the URL's own limit reach the routes, which answer 404 for ids they don't know.
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 8192 },
    frameworkErrors,
    // While stopping, a request that arrives on an open connection is still answered (with Connection: close),
    // not refused: its client sent it before it could know (serve.ts).
    return503OnClosing: false,
    clientErrorHandler,
  });
  const http = listener();
  // A database that is restarting or unreachable is answered 503 (Retry-After), not 500; the store knows which errors mean that.
  installGraphConventions(http, { isUnavailable: (err) => store.isUnavailable(err) });
  http.server.on('connect', refuseConnect);
  // One directory: the emulator's reset must clear the cache of the one requests record users with.
  const directory = new Directory(store.users);
  // With the development issuer only: in entra mode no /_emulator route exists, so every such path is a 404.
  // The sign-in service too (Entra's endpoints, authority/): tokens from it are the development issuer's.
  const authority = devKey ? createAuthorityCore(devKey) : undefined;
  const emulator = devKey ? createEmulator({ store, collections, directory, devKey, authority, journalCapacity: config.requestJournal }) : undefined;
  // The emulator's request journal and injected faults see every request: their hooks come first (after
  // request-id), before authentication and rate limiting, so that a fault answers even without a token. With
  // REQUEST_JOURNAL=0 the journal's hooks are not installed at all.
  if (emulator) installFaults(http, emulator.faults, emulator.journal.on ? installJournal(http, emulator.journal, { verifier }) : undefined);
  // Every answer is counted and timed; /metrics is served here, or with METRICS_PORT on a listener of its own.
  const metricsHttp = metrics && config.metricsPort !== undefined ? listener() : undefined;
  if (metrics) installMetrics(http, metrics, { store, ownListener: metricsHttp });
  // Browser apps call Graph across origins with a bearer token (no cookies), so any origin may call,
  // as on Graph. Requests without an Origin header are not CORS and pass untouched.
  void http.register(cors, {
    origin: (origin, cb) => cb(null, origin ? '*' : false),
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
    exposedHeaders: ['request-id', 'client-request-id', 'location', 'retry-after', 'www-authenticate', 'odata-version', 'etag'],
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
  const resolveAccess = profileAccessResolver(verifier, directory);
  if (config.rateLimit > 0) {
    // Graph throttles with 429 and Retry-After, and the SDKs' retry handlers wait and retry; so does this.
    void http.register(rateLimit, {
      global: true,
      max: config.rateLimit,
      timeWindow: config.rateLimitWindowSeconds * 1000,
      keyGenerator: (request) => request.headers.authorization ?? request.ip,
      // RATE_LIMIT_SCOPE=shared on PostgreSQL: every instance counts in the database, so the limit holds across
      // instances. Otherwise (or on SQLite, one instance) the plugin counts in memory.
      ...(store.rateLimits && config.rateLimitScope === 'shared' ? { store: sharedRateLimitStore(store.rateLimits) } : {}),
      allowList: (request) => request.url === '/health' || isWebPath(request.url),
      onExceeded: (request) => metrics?.throttled(routeOf(request), request.method),
      errorResponseBuilder: (_request, context) =>
        graphErrors.tooManyRequests(context.max, config.rateLimitWindowSeconds, context.after, Math.max(1, Math.ceil(context.ttl / 1000))),
    });
  }
  // The routes load as one plugin after the ones above, so that hooks those install per route
  // (rate limiting) reach every route.
  void http.register(async (api) => {
    // JSON batching replays each inner request through this same app (graph/batch.ts).
    registerBatchRoute(api);
    const publicBase = publicBaseOf(config.publicUrl, tls ? 'https' : 'http');
    registerProfileRoutes(api, { collections, store, resolveAccess, publicBase });
    for (const collection of collections) {
      registerCollectionRoutes(api, collection, store.facets(collection.table), { resolveAccess, publicBase, skipTokens });
    }
    // $metadata: built once here from the descriptors that validate requests; anonymous, as on Graph.
    const model = profileEdmModel(collections);
    registerMetadataRoute(api, model);
    if (emulator) registerEmulatorRoutes(api, emulator);
    if (authority) registerAuthorityRoutes(api, authority, publicBase);
    // OpenAPI (/beta/openapi.json) and a page for people (/beta/docs), from the same descriptors; anonymous.
    registerOpenApiRoutes(api, model, collections, { extensions: emulator ? [emulatorOpenApi(collections)] : [] });
    // The web page for people (/), and the API reference (/beta/docs), built into dist/web.
    registerWebRoutes(api, { config, publicBase });
  });

  return {
    http,
    metricsHttp,
    emulator,
    setState: (s) => {
      state = s;
    },
  };
}

/**
 * @fastify/rate-limit's store interface (a class it constructs, with incr and child) over the database's counter.
 * (The plugin ships an in-memory and a Redis store only.)
 */
function sharedRateLimitStore(counter: RateLimitCounter) {
  return class SharedRateLimitStore {
    incr(key: string, done: (err: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
      counter.hit(key, timeWindow).then(
        (r) => done(null, { current: r.hits, ttl: r.ttlMs }),
        (err: Error) => done(err),
      );
    }
    child(): SharedRateLimitStore {
      return this;
    }
  };
}
