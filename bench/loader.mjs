// The benchmark's load generator, in a process of its own so that the bench's runner never shares its event loop (or its
// CPU time) with the load: `node bench/loader.mjs '<spec as JSON>'`. Plain JavaScript run by node alone: no TypeScript
// loader in this process either.
//
// It runs autocannon twice on the same request(s): a warm-up of spec.warmupSeconds (not counted), then the measured
// run of spec.seconds. On stdout, one JSON object per line: {"event":"measuring"} as the measured run starts and
// {"event":"measured", ...result} as soon as it has ended, so that the runner reads the server's CPU time right before
// and right after the window whose responses are counted. Errors go to stderr, with exit code 1.
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
const countUnexpected = (what, status) => unexpected.set(`${what} ${status}`, (unexpected.get(`${what} ${status}`) ?? 0) + 1);
/** A path no route answers 200 to: where a request goes when the one before it did not give what it needs. */
const BROKEN = '/beta/me/profile/phones/00000000-0000-0000-0000-00000000dead';

function requestsOf(spec) {
  switch (spec.kind) {
    case 'single': {
      const r = spec.request;
      return [{ method: r.method, path: r.path, headers: r.headers, body: r.body, onResponse: (status) => status !== r.expectStatus && countUnexpected(`${r.method} request`, status) }];
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

function run(seconds, title, onStart) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: spec.base, connections: spec.connections, duration: seconds, timeout: spec.timeout ?? 10, title, requests: requestsOf(spec) },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    if (onStart) instance.on('start', onStart);
    for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => instance.stop());
  });
}

const say = (event, fields = {}) => process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);

/** What the runner needs of autocannon's result (its histograms as plain numbers). */
function summary(r) {
  return {
    responses: r.requests.total,
    rps: r.requests.average,
    durationSeconds: r.duration,
    latency: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: r.latency.mean },
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats).map(([code, { count }]) => [code, count])),
    unexpected: Object.fromEntries(unexpected),
  };
}

try {
  if (spec.warmupSeconds > 0) {
    const w = await run(spec.warmupSeconds, 'warm-up');
    say('warmed', summary(w));
    unexpected.clear();
  }
  const r = await run(spec.seconds, 'measured', () => say('measuring'));
  say('measured', summary(r));
} catch (err) {
  process.stderr.write(`loader: ${err?.stack ?? err}\n`);
  process.exitCode = 1;
}
