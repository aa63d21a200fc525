// The benchmark's load generator, in a process of its own so that the bench's runner never shares its event loop (or its
// CPU time) with the load: `node bench/loader.mjs '<spec as JSON>'`. Plain JavaScript run by node alone: no TypeScript
// loader in this process either.
//
// One autocannon run of spec.warmupSeconds + spec.seconds + TAIL_SECONDS, whose middle part is the measured window.
// On stdout, one JSON object per line: {"event":"measuring"} as the window opens (after the warm-up) and
// {"event":"measured", ...figures} as it closes, while the load goes on, so that the runner reads the server's CPU
// time at both marks in the same steady state: the requests in flight at the start of the window (begun in the
// warm-up) stand for those still in flight at its end. The figures are of the responses that arrived inside the
// window: their count, statuses and latencies (exact percentiles, in ms), and the errors and timeouts inside it.
// Errors go to stderr, with exit code 1.
//
// spec: { base, connections, warmupSeconds, seconds, timeout, kind, ... } where kind is
//   'single': request { method, path, headers, body, expectStatus } repeated;
//   'chain':  { path, headers, pages }: each connection GETs path, then follows @odata.nextLink until `pages` pages
//             were read, and starts again; a page 1..pages-1 without a nextLink, or a last page with one, is counted
//             in `unexpected` (and the broken chain's next request asks for a path that answers 404: non-2xx);
//   'mix':    { headers, createBody, patchBody }: each connection creates a phone, GETs it, lists, PATCHes it and
//             DELETEs it, and starts again (so the store holds at most one phone per connection on top of its seed).
import autocannon from 'autocannon';

const spec = JSON.parse(process.argv[2] ?? 'null');
if (!spec || typeof spec.base !== 'string') {
  process.stderr.write("usage: node bench/loader.mjs '<spec as JSON>'\n");
  process.exit(2);
}

/** Answers other than the one each request expects, by "method path-kind status" (autocannon counts only non-2xx). */
const unexpected = new Map();
const countUnexpected = (what, status) => inWindow && unexpected.set(`${what} ${status}`, (unexpected.get(`${what} ${status}`) ?? 0) + 1);
/** A path no route answers 200 to: where a request goes when the one before it did not give what it needs. */
const BROKEN = '/beta/me/profile/phones/00000000-0000-0000-0000-00000000dead';

function requestsOf(spec) {
  switch (spec.kind) {
    case 'single': {
      // No onResponse: autocannon then keeps no bodies, the cheapest load it makes. Statuses other than
      // expectStatus are found by the runner in statusCodes.
      const r = spec.request;
      return [{ method: r.method, path: r.path, headers: r.headers, body: r.body }];
    }
    case 'chain': {
      const pages = spec.pages;
      const page = (i) => ({
        method: 'GET',
        path: spec.path,
        headers: spec.headers,
        ...(i > 0 && { setupRequest: (req, context) => ({ ...req, path: context.next ?? BROKEN }) }),
        onResponse: (status, body, context) => {
          context.next = undefined;
          if (status !== 200) return countUnexpected(`GET page ${i + 1}`, status);
          const link = JSON.parse(body)['@odata.nextLink'];
          if (i < pages - 1 && typeof link !== 'string') return countUnexpected(`GET page ${i + 1} (no nextLink)`, status);
          if (i === pages - 1 && link !== undefined) return countUnexpected(`GET page ${i + 1} (a nextLink on the last page)`, status);
          if (typeof link === 'string') {
            const url = new URL(link);
            context.next = url.pathname + url.search;
          }
        },
      });
      return Array.from({ length: pages }, (_, i) => page(i));
    }
    case 'mix': {
      const json = { ...spec.headers, 'content-type': 'application/json' };
      const phones = '/beta/me/profile/phones';
      const expect = (what, wanted) => (status) => status !== wanted && countUnexpected(what, status);
      const withId = (method, extra) => ({
        method,
        headers: extra?.body ? json : spec.headers,
        ...extra,
        setupRequest: (req, context) => ({ ...req, path: context.id ? `${phones}/${context.id}` : BROKEN }),
      });
      return [
        {
          method: 'POST',
          path: phones,
          headers: json,
          body: spec.createBody,
          onResponse: (status, body, context) => {
            if (status !== 201) return countUnexpected('POST create', status);
            context.id = JSON.parse(body).id;
          },
        },
        { ...withId('GET'), onResponse: expect('GET one', 200) },
        { method: 'GET', path: phones, headers: spec.headers, onResponse: expect('GET list', 200) },
        { ...withId('PATCH', { body: spec.patchBody }), onResponse: expect('PATCH', 200) },
        { ...withId('DELETE'), onResponse: expect('DELETE', 204) },
      ];
    }
    default:
      throw new Error(`unknown load kind '${spec.kind}'`);
  }
}

/** Load after the window closes, so that its end sees the same steady state as its start. */
const TAIL_SECONDS = 1;

const say = (event, fields = {}) => process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);

/** Whether responses count now: set and cleared by the window's two marks. */
let inWindow = false;
const tally = { responses: 0, errors: 0, timeouts: 0, statusCodes: new Map(), latencies: [], openedAt: 0, closedAt: 0 };

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function figures() {
  const sorted = Float64Array.from(tally.latencies).sort();
  const seconds = (tally.closedAt - tally.openedAt) / 1000;
  return {
    responses: tally.responses,
    rps: tally.responses / seconds,
    durationSeconds: seconds,
    latency: {
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: sorted.length ? sorted[sorted.length - 1] : NaN,
      mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : NaN,
    },
    errors: tally.errors,
    timeouts: tally.timeouts,
    non2xx: [...tally.statusCodes].filter(([code]) => code < 200 || code > 299).reduce((n, [, count]) => n + count, 0),
    statusCodes: Object.fromEntries(tally.statusCodes),
    unexpected: Object.fromEntries(unexpected),
  };
}

const total = spec.warmupSeconds + spec.seconds + TAIL_SECONDS;
const done = new Promise((resolve, reject) => {
  const instance = autocannon(
    { url: spec.base, connections: spec.connections, duration: total, timeout: spec.timeout ?? 10, requests: requestsOf(spec) },
    (err, result) => (err ? reject(err) : resolve(result)),
  );
  instance.on('start', () => {
    const t0 = performance.now();
    const open = () => {
      unexpected.clear(); // what the warm-up saw does not count
      tally.openedAt = performance.now();
      inWindow = true;
      say('measuring');
    };
    const close = () => {
      inWindow = false;
      tally.closedAt = performance.now();
      say('measured', figures());
    };
    // Timers, not autocannon's ticks: each mark is written the moment it is due (a busy loop may delay both alike).
    setTimeout(open, spec.warmupSeconds * 1000);
    setTimeout(close, (spec.warmupSeconds + spec.seconds) * 1000 - (performance.now() - t0));
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (!inWindow) return;
    tally.responses++;
    tally.statusCodes.set(statusCode, (tally.statusCodes.get(statusCode) ?? 0) + 1);
    tally.latencies.push(responseTime);
  });
  instance.on('reqError', (err) => {
    if (!inWindow) return;
    tally.errors++;
    if (err?.message === 'request timed out') tally.timeouts++;
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => instance.stop());
});

try {
  await done;
  if (!tally.closedAt) throw new Error('the load ended before the measured window closed');
} catch (err) {
  process.stderr.write(`loader: ${err?.stack ?? err}\n`);
  process.exitCode = 1;
}
