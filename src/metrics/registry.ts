// The service's Prometheus metrics: every name, label and bucket in one place, in a registry of each service's own,
// so that services sharing a process (the tests) never add to each other's counts.
import { collectDefaultMetrics, Counter, exponentialBuckets, Gauge, Histogram, Registry, type Metric } from 'prom-client';
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

  private readonly answers = new AnswerTally(this.registry);
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
    this.answers.add(route, method, statusCode, seconds);
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

/** http_request_duration_seconds' buckets: prom-client's defaults, which it has always had. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The answers of one route pattern, method and status code. */
interface AnswerSeries {
  readonly labels: { route: string; method: string; status_code: number };
  count: number;
  sum: number;
  /** Answers per bucket, not cumulative: [i] took at most DURATION_BUCKETS[i] and more than the bucket before; the last, more than them all. */
  readonly buckets: Float64Array;
}

/** One line of a metric, as prom-client's registry reads it from a metric's get() (its typings do not say metricName). */
interface ExposedValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/**
 * Every answer counted and timed by route pattern, method and status code (http_requests_total and
 * http_request_duration_seconds), tallied here and handed to the registry at each scrape in the shape of prom-client's
 * own Counter and Histogram, so /metrics reads exactly as before. Written by hand because prom-client's inc() and
 * observe() validate the label object and build a key string from it on every call: about 3% of a GET's CPU under
 * load (perf, bench/RESULTS.md, issue 15). Here an answer is three Map lookups by values whose hashes V8 keeps (the
 * route pattern and the method are the same strings on every request) and a few additions.
 */
class AnswerTally {
  private readonly byRoute = new Map<string, Map<string, Map<number, AnswerSeries>>>();

  constructor(registry: Registry) {
    // Registered in the order the two metrics always had: the counter, then the histogram.
    registry.registerMetric(this.exposed('http_requests_total', 'counter', 'Requests answered, by route pattern (unmatched: no route), method and status code.', (s) => [{ labels: s.labels, value: s.count }]));
    registry.registerMetric(
      this.exposed('http_request_duration_seconds', 'histogram', 'Time from the request arriving to its answer being sent, by route pattern, method and status code.', (s) => {
        const values: ExposedValue[] = [];
        let cumulative = 0;
        DURATION_BUCKETS.forEach((le, i) => {
          cumulative += s.buckets[i]!;
          values.push({ labels: { le, ...s.labels }, value: cumulative, metricName: 'http_request_duration_seconds_bucket' });
        });
        values.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: 'http_request_duration_seconds_bucket' });
        values.push({ labels: s.labels, value: s.sum, metricName: 'http_request_duration_seconds_sum' });
        values.push({ labels: s.labels, value: s.count, metricName: 'http_request_duration_seconds_count' });
        return values;
      }),
    );
  }

  add(route: string, method: string, statusCode: number, seconds: number): void {
    let byMethod = this.byRoute.get(route);
    if (!byMethod) this.byRoute.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let series = byStatus.get(statusCode);
    if (!series) {
      series = { labels: { route, method, status_code: statusCode }, count: 0, sum: 0, buckets: new Float64Array(DURATION_BUCKETS.length + 1) };
      byStatus.set(statusCode, series);
    }
    series.count += 1;
    series.sum += seconds;
    let bucket = 0;
    while (bucket < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[bucket]!) bucket++;
    series.buckets[bucket]! += 1;
  }

  private *series(): Iterable<AnswerSeries> {
    for (const byMethod of this.byRoute.values()) for (const byStatus of byMethod.values()) yield* byStatus.values();
  }

  /** A metric as the registry reads it (name, help, type, get, reset), its values made from every series at each scrape. */
  private exposed(name: string, type: 'counter' | 'histogram', help: string, values: (s: AnswerSeries) => ExposedValue[]): Metric<string> {
    const get = async () => ({ name, help, type, aggregator: 'sum', values: [...this.series()].flatMap(values) });
    // prom-client's typings describe its own classes; its registry needs only these (registry.js).
    return { name, help, type, aggregator: 'sum', get, reset: () => this.byRoute.clear() } as unknown as Metric<string>;
  }
}
