// The service's Prometheus metrics: every name, label and bucket in one place, in a registry of each service's own,
// so that services sharing a process (the tests) never add to each other's counts.
import { collectDefaultMetrics, Counter, exponentialBuckets, Gauge, Histogram, Registry } from 'prom-client';
import type { OpenEvents } from '../store/open.ts';
import type { PoolStats } from '../store/types.ts';

/**
 * Memory, CPU, event-loop delay and GC belong to the process, not to one service in it: prom-client's collectors
 * are started once per process (each start adds an event-loop monitor and a GC observer that are never stopped)
 * and shown by every service's registry.
 */
let processMetrics: Registry | undefined;
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly registers = [this.registry];

  private readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests answered, by route pattern (unmatched: no route), method and status code.',
    labelNames: ['route', 'method', 'status_code'] as const,
    registers: this.registers,
  });
  private readonly duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from the request arriving to its answer being sent, by route pattern, method and status code.',
    labelNames: ['route', 'method', 'status_code'] as const,
    registers: this.registers,
  });
  private readonly throttledRequests = new Counter({
    name: 'http_requests_throttled_total',
    help: 'Requests refused with 429 TooManyRequests by throttling (RATE_LIMIT), by route pattern and method.',
    labelNames: ['route', 'method'] as const,
    registers: this.registers,
  });
  private readonly storeErrors = new Counter({
    name: 'store_errors_total',
    help: 'Store operations that failed, by operation and reason (unavailable: the database is down or busy, answered 503; failed: anything else).',
    labelNames: ['operation', 'reason'] as const,
    registers: this.registers,
  });
  private readonly groupCommits = new Histogram({
    name: 'store_group_commit_batch_size',
    help: 'Creates written together in one transaction by SQLite group commit (stays empty on PostgreSQL, which does not group-commit).',
    buckets: exponentialBuckets(1, 2, 10),
    registers: this.registers,
  });

  constructor() {
    const shared = processRegistry();
    for (const { name } of shared.getMetricsAsArray()) this.registry.registerMetric(shared.getSingleMetric(name)!);
  }

  /** The exposition text, and the content type it is written in. */
  async exposition(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  answered(route: string, method: string, statusCode: number, seconds: number): void {
    const labels = { route, method, status_code: statusCode };
    this.requests.inc(labels);
    this.duration.observe(labels, seconds);
  }

  throttled(route: string, method: string): void {
    this.throttledRequests.inc({ route, method });
  }

  /** What the store reports as it works (given to openStore). */
  readonly storeEvents: Required<Pick<OpenEvents, 'onGroupCommit' | 'onFailure'>> = {
    onGroupCommit: (batchSize) => this.groupCommits.observe(batchSize),
    onFailure: (operation, unavailable) => this.storeErrors.inc({ operation, reason: unavailable ? 'unavailable' : 'failed' }),
  };

  /** Connection pool gauges, read from the pool at each scrape (a pool changes far more often than it is scraped). */
  watchPool(stats: () => PoolStats): void {
    const gauge = (name: string, help: string, read: (s: PoolStats) => number) =>
      new Gauge({
        name,
        help,
        registers: this.registers,
        collect() {
          this.set(read(stats()));
        },
      });
    gauge('store_pool_connections', 'PostgreSQL connections open in the pool, idle or in use.', (s) => s.total);
    gauge('store_pool_idle_connections', 'PostgreSQL connections open in the pool and idle.', (s) => s.idle);
    gauge('store_pool_waiting_requests', 'Store operations waiting for a connection: every one is in use and the pool is full.', (s) => s.waiting);
    gauge('store_pool_max_connections', 'The most connections the pool may open (PG_POOL_MAX).', (s) => s.max);
  }
}
