// GET /metrics as an operator's Prometheus sees it, over a real socket on the run's store: requests by route pattern,
// method and status with latency histograms, throttled requests, store errors and 503s, SQLite group commit batch
// sizes or PostgreSQL pool use, the process's own metrics; and the settings that turn /metrics off or move it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { Counter, Histogram, Registry } from 'prom-client';
import { ConfigError, loadConfig } from '../src/config.ts';
import { ServiceMetrics } from '../src/metrics/registry.ts';
import { TEST_STORE } from './support/postgres.ts';
import { find, parseExposition, valueOf, type Exposition } from './support/prometheus.ts';
import { windowWithTimeLeft } from './support/rateLimit.ts';
import { startTestService, type TestService } from './support/service.ts';

const services: TestService[] = [];
after(async () => {
  await Promise.allSettled(services.map((s) => s.stop()));
});
const start = async (args: string[] = []) => {
  const svc = await startTestService(args);
  services.push(svc);
  return svc;
};

const PHONES = '/beta/me/profile/phones';
const PHONE = '/beta/me/profile/phones/:phoneId';

/** Scrapes `base`/metrics without a token, as Prometheus does, and parses what it gets. */
async function scrape(base: string): Promise<Exposition> {
  const res = await fetch(`${base}/metrics`);
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(text);
}

const requests = (e: Exposition, route: string, method: string, status: number) =>
  valueOf(e, 'http_requests_total', { route, method, status_code: String(status) });

test('after a create, a read, a missing id, a request without a token and an unknown path, /metrics (no token) counts each under its route pattern, method and status, with latency buckets', async () => {
  const svc = await start();
  const token = await svc.token(['--user', 'watched@contoso.com']);
  const before = await scrape(svc.url);

  const created = await svc.request('POST', PHONES, { token, body: { number: '+1 425 555 0100' } });
  assert.equal(created.status, 201, created.text);
  const id = created.json.id as string;
  assert.equal((await svc.request('GET', `${PHONES}/${id}`, { token })).status, 200);
  assert.equal((await svc.request('GET', `${PHONES}/${id}`, { token })).status, 200);
  assert.equal((await svc.request('GET', `${PHONES}/no-such-phone`, { token })).status, 404);
  assert.equal((await svc.request('GET', PHONES)).status, 401);
  assert.equal((await svc.request('GET', '/nothing/here-at-all')).status, 404);

  const res = await fetch(`${svc.url}/metrics`);
  const text = await res.text();
  const now = parseExposition(text);
  const grew = (route: string, method: string, status: number) => requests(now, route, method, status) - requests(before, route, method, status);
  assert.equal(grew(PHONES, 'POST', 201), 1);
  assert.equal(grew(PHONE, 'GET', 200), 2);
  assert.equal(grew(PHONE, 'GET', 404), 1);
  assert.equal(grew(PHONES, 'GET', 401), 1);
  assert.equal(grew('unmatched', 'GET', 404), 1);
  assert.equal(now.types.get('http_requests_total'), 'counter');
  assert.equal(now.types.get('http_request_duration_seconds'), 'histogram');

  // Route patterns, never URLs: neither the phone's id nor the unknown path is a label value anywhere.
  assert.ok(!text.includes(id) && !text.includes('no-such-phone') && !text.includes('here-at-all'));
  const routes = new Set(find(now, 'http_requests_total').map((s) => s.labels.route));
  assert.deepEqual([...routes].sort(), ['/metrics', PHONES, PHONE, 'unmatched'].sort());

  // The latency histogram of GET one phone (200): two observations, cumulative buckets ending in +Inf = count.
  const labels = { route: PHONE, method: 'GET', status_code: '200' };
  const buckets = find(now, 'http_request_duration_seconds_bucket', labels).map((s) => ({ le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), n: s.value }));
  assert.deepEqual(buckets.map((b) => b.le), [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, Infinity]);
  assert.deepEqual(buckets.map((b) => b.n), [...buckets.map((b) => b.n)].sort((a, b) => a - b), 'buckets are cumulative');
  assert.equal(buckets.at(-1)!.n, 2);
  assert.equal(valueOf(now, 'http_request_duration_seconds_count', labels), 2);
  const sum = valueOf(now, 'http_request_duration_seconds_sum', labels);
  assert.ok(sum > 0 && sum < 20, `sum ${sum}`);

  // The scrape itself is counted under its own route, once it has been answered.
  const again = await scrape(svc.url);
  assert.equal(requests(again, '/metrics', 'GET', 200), requests(now, '/metrics', 'GET', 200) + 1);
});

test("answers are counted and timed exactly as prom-client's own Counter and Histogram would show them: same lines, bucket bounds inclusive, +Inf, sum and count", async () => {
  const answers: [string, string, number, number][] = [
    [PHONE, 'GET', 200, 0.005], // on a bound: counted in it, as prom-client counts (le: less than or equal)
    [PHONE, 'GET', 200, 0.0051],
    [PHONE, 'GET', 200, 0.3],
    [PHONE, 'GET', 200, 12], // above every bound: +Inf only
    [PHONE, 'GET', 404, 0.001],
    [PHONES, 'POST', 201, 2.5],
    ['unmatched', 'PROPFIND', 405, 0],
  ];
  const metrics = new ServiceMetrics();
  const reference = new Registry();
  const labelNames = ['route', 'method', 'status_code'] as const;
  const counter = new Counter({ name: 'http_requests_total', help: 'Requests answered, by route pattern (unmatched: no route), method and status code.', labelNames, registers: [reference] });
  const histogram = new Histogram({ name: 'http_request_duration_seconds', help: 'Time from the request arriving to its answer being sent, by route pattern, method and status code.', labelNames, registers: [reference] });
  for (const [route, method, status, seconds] of answers) {
    metrics.answered(route, method, status, seconds);
    counter.inc({ route, method, status_code: status });
    histogram.observe({ route, method, status_code: status }, seconds);
  }
  const ours = metrics.registry;
  for (const name of ['http_requests_total', 'http_request_duration_seconds']) {
    assert.equal(await ours.getSingleMetricAsString(name), await reference.getSingleMetricAsString(name), name);
  }
  const text = (await metrics.exposition()).text;
  assert.ok(text.includes(`http_request_duration_seconds_bucket{le="0.005",route="${PHONE}",method="GET",status_code="200"} 1\n`), text);
  assert.ok(text.includes(`http_request_duration_seconds_bucket{le="10",route="${PHONE}",method="GET",status_code="200"} 3\n`), text);
  assert.ok(text.includes(`http_request_duration_seconds_bucket{le="+Inf",route="${PHONE}",method="GET",status_code="200"} 4\n`), text);
  assert.ok(text.includes(`http_requests_total{route="unmatched",method="PROPFIND",status_code="405"} 1\n`), text);
  // The counter comes before the histogram, as it always has.
  assert.ok(text.indexOf('# TYPE http_requests_total counter') < text.indexOf('# TYPE http_request_duration_seconds histogram'));
});

test("/metrics carries the process's memory, CPU and event-loop delay (prom-client's default metrics)", async () => {
  const svc = await start();
  const e = await scrape(svc.url);
  assert.equal(e.types.get('process_resident_memory_bytes'), 'gauge');
  assert.ok(valueOf(e, 'process_resident_memory_bytes') > 10 * 1024 * 1024);
  assert.ok(valueOf(e, 'nodejs_heap_size_used_bytes') > 0);
  assert.ok(valueOf(e, 'process_cpu_seconds_total') > 0);
  for (const name of ['nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_lag_max_seconds']) {
    assert.equal(e.types.get(name), 'gauge', name);
    assert.equal(find(e, name).length, 1, name);
  }
});

test('a $batch counts once under /beta/$batch, and each request inside it under its own route and status', async () => {
  const svc = await start();
  const token = await svc.token(['--user', 'batcher@contoso.com']);
  const res = await svc.request('POST', '/beta/$batch', {
    token,
    body: {
      requests: [
        { id: '1', method: 'GET', url: '/me/profile/phones' },
        { id: '2', method: 'GET', url: '/me/profile/phones/missing' },
      ],
    },
  });
  assert.equal(res.status, 200, res.text);
  const e = await scrape(svc.url);
  assert.equal(requests(e, '/beta/$batch', 'POST', 200), 1);
  assert.equal(requests(e, PHONES, 'GET', 200), 1);
  assert.equal(requests(e, PHONE, 'GET', 404), 1);
});

test('two services in one process count apart: each /metrics shows only its own requests', async () => {
  const [a, b] = await Promise.all([start(), start()]);
  for (let i = 0; i < 3; i++) assert.equal((await a.request('GET', PHONES)).status, 401);
  assert.equal(requests(await scrape(a.url), PHONES, 'GET', 401), 3);
  assert.equal(requests(await scrape(b.url), PHONES, 'GET', 401), 0);
});

if (TEST_STORE === 'sqlite') {
  test('SQLite: 30 creates at once are group-committed, and the batch sizes add up to exactly 30', async () => {
    const svc = await start();
    const token = await svc.token(['--user', 'many@contoso.com']);
    assert.equal((await svc.request('GET', PHONES, { token })).status, 200); // the directory entry first: not a phone insert
    const before = await scrape(svc.url);
    assert.equal(before.types.get('store_group_commit_batch_size'), 'histogram');
    const created = await Promise.all(Array.from({ length: 30 }, (_, i) => svc.request('POST', PHONES, { token, body: { number: `+1 555 01${i}` } })));
    assert.deepEqual([...new Set(created.map((r) => r.status))], [201]);
    const now = await scrape(svc.url);
    const grew = (name: string) => valueOf(now, name) - valueOf(before, name);
    assert.equal(grew('store_group_commit_batch_size_sum'), 30);
    const batches = grew('store_group_commit_batch_size_count');
    assert.ok(batches >= 1 && batches <= 30, `batches ${batches}`);
    assert.equal(find(now, 'store_pool_connections').length, 0, 'no pool gauges on SQLite');
  });

  test('SQLite locked by another process past busy_timeout: the create is answered 503, counted as a 503 and as an unavailable store error', async () => {
    const svc = await start();
    const token = await svc.token(['--user', 'locked@contoso.com']);
    assert.equal((await svc.request('GET', PHONES, { token })).status, 200);
    const before = await scrape(svc.url);
    const other = new BetterSqlite3(join(svc.dataDir, 'graph.sqlite'));
    other.exec('begin immediate');
    let answer;
    try {
      answer = await svc.request('POST', PHONES, { token, body: { number: 'locked out' } });
    } finally {
      other.exec('rollback');
      other.close();
    }
    assert.equal(answer.status, 503, answer.text);
    const now = await scrape(svc.url);
    assert.equal(requests(now, PHONES, 'POST', 503) - requests(before, PHONES, 'POST', 503), 1);
    assert.equal(valueOf(now, 'store_errors_total', { operation: 'phones.insert', reason: 'unavailable' }), 1);
    assert.equal(find(now, 'store_errors_total').length, 1, 'no other store error');
  });
} else {
  test('PostgreSQL: pool gauges read at scrape time: 4 creates blocked behind a table lock hold both connections of a pool of 2, and 2 wait', async () => {
    const svc = await start(['--pg-pool-max', '2']);
    const token = await svc.token(['--user', 'pooled@contoso.com']);
    assert.equal((await svc.request('GET', PHONES, { token })).status, 200);
    const idle = await scrape(svc.url);
    assert.equal(valueOf(idle, 'store_pool_max_connections'), 2);
    assert.equal(valueOf(idle, 'store_pool_waiting_requests'), 0);
    assert.equal(valueOf(idle, 'store_pool_idle_connections'), valueOf(idle, 'store_pool_connections'));
    assert.equal(idle.types.get('store_pool_connections'), 'gauge');

    const locker = new pg.Client({ connectionString: svc.storeEnv.DATABASE_URL });
    await locker.connect();
    let creates: Promise<{ status: number }[]>;
    let busy: Exposition | undefined;
    try {
      await locker.query('begin');
      await locker.query('lock table phones in access exclusive mode');
      creates = Promise.all([1, 2, 3, 4].map((n) => svc.request('POST', PHONES, { token, body: { number: `+1 555 020${n}` } })));
      for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
        const e = await scrape(svc.url); // /metrics needs no connection: it answers while the pool is exhausted
        if (valueOf(e, 'store_pool_waiting_requests') === 2) {
          busy = e;
          break;
        }
      }
    } finally {
      await locker.query('rollback');
      await locker.end();
    }
    assert.ok(busy, 'two creates never waited for a connection');
    assert.equal(valueOf(busy, 'store_pool_connections'), 2);
    assert.equal(valueOf(busy, 'store_pool_idle_connections'), 0);
    assert.deepEqual((await creates).map((r) => r.status), [201, 201, 201, 201]);

    const after = await scrape(svc.url);
    assert.equal(valueOf(after, 'store_pool_waiting_requests'), 0);
    assert.equal(valueOf(after, 'store_pool_idle_connections'), valueOf(after, 'store_pool_connections'));
    // PostgreSQL does not group-commit: its histogram is there, and empty.
    assert.equal(valueOf(after, 'store_group_commit_batch_size_count'), 0);
  });

  test('PostgreSQL: a create cancelled by the statement timeout is answered 503, counted as a 503 and as an unavailable store error', async () => {
    const svc = await start(['--pg-statement-timeout-ms', '300']);
    const token = await svc.token(['--user', 'timed.out@contoso.com']);
    assert.equal((await svc.request('GET', PHONES, { token })).status, 200);
    const before = await scrape(svc.url);
    const locker = new pg.Client({ connectionString: svc.storeEnv.DATABASE_URL });
    await locker.connect();
    let answer;
    try {
      await locker.query('begin');
      await locker.query('lock table phones in access exclusive mode');
      answer = await svc.request('POST', PHONES, { token, body: { number: 'timed out' } });
    } finally {
      await locker.query('rollback');
      await locker.end();
    }
    assert.equal(answer.status, 503, answer.text);
    const now = await scrape(svc.url);
    assert.equal(requests(now, PHONES, 'POST', 503) - requests(before, PHONES, 'POST', 503), 1);
    assert.equal(valueOf(now, 'store_errors_total', { operation: 'phones.insert', reason: 'unavailable' }), 1);
    assert.equal(find(now, 'store_errors_total').length, 1, 'no other store error');
  });
}

test('--rate-limit 2: the third request is 429 and counted as throttled; /metrics itself is never throttled', async () => {
  const svc = await start(['--rate-limit', '2']);
  const token = await svc.token(['--user', 'hasty@contoso.com']);
  await windowWithTimeLeft(svc.url, 10); // the default window is a minute: the three requests fall in one
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await svc.request('GET', PHONES, { token })).status);
  assert.deepEqual(statuses, [200, 200, 429]);
  // Five scrapes from one address, one of them with the throttled caller's token: none is refused.
  for (let i = 0; i < 4; i++) await scrape(svc.url);
  const withToken = await fetch(`${svc.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(withToken.status, 200);
  const e = parseExposition(await withToken.text());
  assert.equal(valueOf(e, 'http_requests_throttled_total', { route: PHONES, method: 'GET' }), 1);
  assert.equal(find(e, 'http_requests_throttled_total').length, 1);
  assert.equal(requests(e, PHONES, 'GET', 429), 1);
  assert.equal(requests(e, PHONES, 'GET', 200), 2);
});

test('--metrics off: /metrics is 404 in Graph\'s error envelope, and the API serves as before', async () => {
  const svc = await start(['--metrics', 'off']);
  const res = await svc.request('GET', '/metrics');
  assert.equal(res.status, 404);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.equal(res.json.error.code, 'BadRequest');
  assert.equal(res.json.error.message, "Resource not found for the segment 'metrics'.");
  assert.equal(res.json.error.innerError['request-id'], res.headers.get('request-id'));
  assert.equal(svc.metricsUrl, undefined);
  assert.equal((await svc.request('GET', '/health')).status, 200);
});

test('POST /metrics is 405 with Allow in Graph\'s envelope', async () => {
  const svc = await start();
  const res = await svc.request('POST', '/metrics', { body: {} });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get('allow'), 'GET');
  assert.equal(res.json.error.code, 'Request_BadRequest');
});

test('--metrics-port: /metrics is served on its own port (same host) and is 404 on the API port; it counts the API\'s requests; it closes with the service', async () => {
  const svc = await startTestService(['--metrics-port', '0']);
  let stopped = false;
  try {
    assert.ok(svc.metricsUrl, 'a metrics URL');
    const apiPort = new URL(svc.url).port;
    const metricsUrl = new URL(svc.metricsUrl);
    assert.notEqual(metricsUrl.port, apiPort);
    assert.equal(metricsUrl.hostname, new URL(svc.url).hostname);

    const onApi = await svc.request('GET', '/metrics');
    assert.equal(onApi.status, 404);
    assert.equal(onApi.json.error.message, "Resource not found for the segment 'metrics'.");
    assert.equal((await svc.request('GET', PHONES)).status, 401);

    const e = await scrape(svc.metricsUrl);
    assert.equal(requests(e, PHONES, 'GET', 401), 1);
    assert.equal(requests(e, 'unmatched', 'GET', 404), 1, 'the 404 for /metrics on the API port');
    assert.equal(find(e, 'http_requests_total', { route: '/metrics' }).length, 0, 'scrapes on the metrics port are not API requests');
    // Only /metrics there, with Graph's envelope for the rest.
    const other = await fetch(`${svc.metricsUrl}/beta/me/profile/phones`);
    assert.equal(other.status, 404);
    assert.equal(((await other.json()) as { error: { code: string } }).error.code, 'BadRequest');

    await svc.stop();
    stopped = true;
    await assert.rejects(fetch(`${svc.metricsUrl}/metrics`), 'the metrics listener is closed with the service');
  } finally {
    if (!stopped) await svc.stop();
  }
});

test('METRICS and METRICS_PORT are checked: on or off; a port 0-65535 other than PORT; no port with METRICS=off', () => {
  assert.equal(loadConfig([]).metrics, 'on');
  assert.equal(loadConfig([]).metricsPort, undefined);
  assert.equal(loadConfig([], { METRICS_PORT: '9464' }).metricsPort, 9464);
  assert.equal(loadConfig(['--metrics-port', ''], {}).metricsPort, undefined);
  assert.throws(() => loadConfig(['--metrics', 'yes']), { name: 'Error', message: "METRICS must be on or off, got 'yes'." });
  assert.throws(() => loadConfig(['--metrics-port', '70000']), { message: "METRICS_PORT must be 0-65535, got '70000'." });
  assert.throws(() => loadConfig(['--port', '9100', '--metrics-port', '9100']), /METRICS_PORT must differ from PORT \(9100\)/);
  assert.throws(() => loadConfig(['--metrics', 'off'], { METRICS_PORT: '9464' }), /needs METRICS=on/);
  assert.throws(() => loadConfig(['--metrics', 'maybe']), ConfigError);
});
