// What operators watch: every answer counted and timed by route, and GET /metrics serving the counts in Prometheus'
// text format, anonymous (it says nothing about anyone's data) and never throttled.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { installGraphConventions, methodNotAllowed } from '../graph/http.ts';
import type { Store } from '../store/types.ts';
import type { ServiceMetrics } from './registry.ts';

/**
 * The route pattern (/beta/me/profile/phones/:phoneId), never the URL: one series per route, however many ids and query
 * strings callers send. Whatever no route matched is one series too.
 */
export const routeOf = (request: FastifyRequest): string => request.routeOptions.url ?? 'unmatched';

export interface MetricsOptions {
  /** Whose pool to watch (when it has one). */
  store: Store;
  /** A listener of its own for /metrics (METRICS_PORT); absent: /metrics is served by `api`. */
  ownListener?: FastifyInstance;
}

/** Counts `api`'s requests and serves /metrics on it or on `ownListener`, which is closed with `api`. */
export function installMetrics(api: FastifyInstance, metrics: ServiceMetrics, { store, ownListener }: MetricsOptions): void {
  api.addHook('onResponse', (request, reply, done) => {
    metrics.answered(routeOf(request), request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  if (store.poolStats) metrics.watchPool(store.poolStats.bind(store));
  if (ownListener) {
    installGraphConventions(ownListener);
    api.addHook('onClose', async () => ownListener.close());
  }
  const served = ownListener ?? api;
  // rateLimit false: throttling a scraper would only leave gaps in the graphs.
  served.get('/metrics', { config: { rateLimit: false } }, async (_request, reply) => {
    const { contentType, text } = await metrics.exposition();
    return reply.type(contentType).send(text);
  });
  methodNotAllowed(served, '/metrics', ['GET']);
}
