// Fuzzing the service over a real socket with fast-check: arbitrary and near-valid bodies, query options, headers
// and $batch envelopes. The property is the same for every input: never a 5xx, never a dropped connection or a hang;
// every 4xx is Graph's error envelope as application/json; every 2xx with a body is JSON (text/plain for $count).
// The seed is fixed (FUZZ_SEED overrides it; FUZZ_RUNS scales the number of cases, 1 by default); on failure
// fast-check prints the seed, the path and the shrunk input that reproduce it.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import fc from 'fast-check';
import { ALLOWED_AUDIENCES } from '../src/model/itemFacet.ts';
import { PHONE_TYPES } from '../src/profile/phones/schema.ts';
import { assertGraphErrorEnvelope } from './support/assertions.ts';
import { readAnswer, startTestService, type TestResponse, type TestService } from './support/service.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_130);
const SCALE = Number(process.env.FUZZ_RUNS ?? 1);
const runs = (n: number) => ({ seed: SEED, numRuns: Math.max(1, Math.round(n * SCALE)) });
const ME = '/beta/me/profile/phones';

let svc: TestService;
let token: string;
let otherToken: string;
let appToken: string;
const UPN = 'fuzz.owner@contoso.com';
/** The phones created in before(); the arbitraries read them (and the tokens) when they generate, after before() ran. */
const ids: string[] = [];
let skipToken = '';

before(async () => {
  // Durability is the crash check's subject (npm run chaos), not this one's: without a disk sync per write the
  // suite's time goes to the inputs, not to fsync on a shared disk.
  svc = await startTestService(['--sqlite-synchronous', 'normal']);
  token = await svc.token(['--user', UPN]);
  otherToken = await svc.token(['--user', 'fuzz.reader@contoso.com', '--scopes', 'User.Read']);
  appToken = await svc.token(['--app-only', '--client', 'fuzzer']);
  // More phones than a page, so that lists have a nextLink whose $skiptoken the fuzz can mangle.
  for (let i = 0; i < 12; i++) {
    const res = await svc.request('POST', ME, { token, body: { number: `+1 425 555 01${String(i).padStart(2, '0')}`, type: PHONE_TYPES[i % PHONE_TYPES.length] } });
    assert.equal(res.status, 201, res.text);
    ids.push(res.json.id);
  }
  const page = await svc.request('GET', ME, { token });
  skipToken = new URL(page.json['@odata.nextLink']).searchParams.get('$skiptoken')!;
  assert.ok(skipToken);
});
after(() => svc?.stop());

// ------------------------------------------------------------------------------------------------ the property

/** Statuses answered in the current test, printed as its diagnostic: shows what the generated inputs reached. */
let statuses = new Map<number, number>();
const tally = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
beforeEach(() => {
  statuses = new Map();
});
afterEach((t) => {
  if ('diagnostic' in t) t.diagnostic(`statuses: ${[...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`);
});

/** One request, bounded in time: a hang is a failure, as is a dropped connection (fetch rejects). */
async function send(method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<TestResponse> {
  const answer = await readAnswer(await fetch(svc.url + path, { method, headers, body, signal: AbortSignal.timeout(10_000) }));
  tally(answer.status);
  return answer;
}

function assertWellAnswered(method: string, res: TestResponse, path?: string): void {
  assert.ok(res.status >= 200 && res.status < 500 && !(res.status >= 300 && res.status < 400), `status ${res.status}: ${res.text.slice(0, 500)}`);
  if (method === 'HEAD') return; // no body to judge
  if (res.status >= 400) {
    assertGraphErrorEnvelope(res);
    return;
  }
  if (res.status === 204 || res.text === '') return;
  const type = res.headers.get('content-type') ?? '';
  if (type.startsWith('text/html')) {
    // Only the web page answers HTML (GET /, its one path among the fuzzed ones); the API never does.
    assert.equal(path !== undefined && new URL(path, 'http://x').pathname, '/', `an HTML answer from ${path}`);
    return;
  }
  if (type.startsWith('text/plain')) {
    assert.match(res.text, /^\d+$/, 'a text/plain answer is a $count');
    return;
  }
  assert.match(type, /^application\/json\b/, `content-type of a ${res.status}`);
  assert.notEqual(res.json, undefined, `a ${res.status} whose body is not JSON: ${res.text.slice(0, 300)}`);
}

/** An inner response of a $batch: the same rules, on the envelope's JSON instead of a socket. */
function assertWellAnsweredInner(r: { id: unknown; status: unknown; headers: Record<string, string>; body?: any }): void {
  assert.equal(typeof r.id, 'string');
  assert.ok(typeof r.status === 'number' && r.status >= 200 && r.status < 500 && !(r.status >= 300 && r.status < 400), `inner status ${r.status}: ${JSON.stringify(r.body)?.slice(0, 300)}`);
  if (r.status >= 400) {
    assert.equal(r.headers['Content-Type'], 'application/json');
    assert.deepEqual(Object.keys(r.body), ['error']);
    assert.deepEqual(Object.keys(r.body.error), ['code', 'message', 'innerError']);
    assert.equal(typeof r.body.error.code, 'string');
    assert.equal(typeof r.body.error.message, 'string');
    assert.deepEqual(Object.keys(r.body.error.innerError), ['date', 'request-id', 'client-request-id']);
  } else if (r.body !== undefined && r.status !== 204) {
    assert.match(r.headers['Content-Type'] ?? '', /^(application\/json|text\/plain)\b/);
  }
}

// ------------------------------------------------------------------------------------------------ arbitraries

/** Characters a header value may carry over HTTP/1.1 (fetch refuses NUL, CR, LF and anything above U+00FF). */
const headerText = (maxLength = 64) =>
  fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(9)).map((c) => String.fromCharCode(c)), maxLength });

/** Strings that probe the body reader: long, NUL, lone surrogates, odd Unicode. */
const nastyString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\ufeff', '\u202e+1 425', '𝟙𝟚𝟛', "'; drop table phones; --"),
  fc.integer({ min: 120, max: 300 }).map((n) => '9'.repeat(n)),
);

const anyValue = fc.oneof(nastyString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }));

/** Mostly `valid`, sometimes `junk`: so that most bodies are nearly right and reach the store, not only the reader. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, junk: fc.Arbitrary<U>) => fc.oneof({ arbitrary: valid, weight: 9 }, { arbitrary: junk, weight: 1 });

/** itemPhone bodies that are valid, or nearly: each property valid, or now and then of a wrong type or out of range. */
const phoneProperties = {
        number: mostly(fc.oneof(fc.stringMatching(/^\+1 425 555 \d{4}$/), fc.string({ minLength: 1, maxLength: 30 })), fc.oneof(nastyString, anyValue)),
        displayName: mostly(fc.oneof(fc.string({ maxLength: 30 }), fc.constant(null)), fc.oneof(fc.string({ minLength: 250, maxLength: 260 }), anyValue)),
        type: mostly(fc.constantFrom(...PHONE_TYPES, null), fc.oneof(fc.constantFrom('Mobile', 'HOME', 'unknownFutureValue', 'mobile,home', ''), anyValue)),
        allowedAudiences: mostly(
          fc.subarray([...ALLOWED_AUDIENCES], { minLength: 1 }).map((a) => a.join(',')),
          fc.oneof(fc.subarray([...ALLOWED_AUDIENCES]).map((a) => a.join(', ')), fc.constantFrom('ME', 'me,,family', ',', 'everyone,everyone', 'organization ', '7', 'Me, Family'), anyValue),
        ),
        isSearchable: mostly(fc.option(fc.boolean(), { nil: null }), fc.constantFrom('true', 0, 1)),
        inference: mostly(
          fc.option(fc.record({ confidenceScore: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }), userHasVerifiedAccuracy: fc.option(fc.boolean(), { nil: null }) }, { requiredKeys: [] }), { nil: null }),
          fc.oneof(fc.record({ confidenceScore: fc.constantFrom('0.5', 1e999, -0) }), anyValue),
        ),
        source: mostly(
          fc.option(fc.record({ type: fc.array(fc.oneof(fc.string({ maxLength: 10 }), fc.constant(null)), { maxLength: 5 }) }, { requiredKeys: [] }), { nil: null }),
          fc.oneof(fc.record({ type: fc.oneof(fc.array(fc.string(), { minLength: 33, maxLength: 40 }), fc.string()) }), anyValue),
        ),
};
const nearPhone = fc
  .tuple(
    // number is required: mostly there.
    fc.oneof({ arbitrary: fc.record(phoneProperties, { requiredKeys: ['number'] }), weight: 4 }, { arbitrary: fc.record(phoneProperties, { requiredKeys: [] }), weight: 1 }),
    // Now and then what a client may not set, or does not exist.
    fc.oneof(
      { arbitrary: fc.constant({}), weight: 6 },
      {
        arbitrary: fc.record(
          {
            id: fc.oneof(fc.uuid(), anyValue),
            createdDateTime: fc.oneof(fc.constant('2024-01-01T00:00:00Z'), anyValue),
            createdBy: anyValue,
            '@odata.type': fc.constantFrom('#microsoft.graph.itemPhone', '#microsoft.graph.itemEmail', 'itemPhone', ''),
            '@odata.context': fc.string({ maxLength: 10 }),
            unknownProperty: anyValue,
          },
          { requiredKeys: [] },
        ),
        weight: 1,
      },
    ),
  )
  .map(([phone, extra]) => ({ ...phone, ...extra }));

/** Request bodies as sent: JSON of near-valid phones or of anything, or bytes that are not JSON, or not UTF-8. */
const body: fc.Arbitrary<string | Buffer | undefined> = fc.oneof(
  { arbitrary: nearPhone.map((p) => JSON.stringify(p)), weight: 5 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), weight: 2 },
  { arbitrary: fc.string({ maxLength: 60 }), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b)), weight: 1 },
  { arbitrary: fc.constantFrom('', '{', 'null', '[]', '"x"', '\ufeff{}', '{"number":"+1 425 555 0100"}\u0000', '['.repeat(5000), `{"displayName":"${'x'.repeat(70_000)}"}`), weight: 1 },
  { arbitrary: fc.constant(undefined), weight: 1 },
);

const phoneId = fc.oneof(
  fc.constantFrom(...Array.from({ length: 4 }, (_, i) => i)).map((i) => ids[i]!),
  fc.uuid(),
  fc.string({ maxLength: 40 }).map((s) => encodeURIComponent(s)),
  fc.constantFrom('%', '%zz', '%C3%28', '%ED%A0%80', '%00', '..', '.', '$count', '$value', "('x')", 'x'.repeat(9000)),
);
const userSegment = fc.oneof(
  fc.constant(encodeURIComponent(UPN)),
  fc.uuid(),
  fc.string({ maxLength: 30 }).map((s) => encodeURIComponent(s)),
  fc.constantFrom('%', "'alice'", 'alice@contoso.com', '%E0%A4%A', 'me'),
);
const path = fc.oneof(
  { arbitrary: fc.constant(ME), weight: 4 },
  { arbitrary: phoneId.map((id) => `${ME}/${id}`), weight: 3 },
  { arbitrary: userSegment.map((u) => `/beta/users/${u}/profile/phones`), weight: 1 },
  { arbitrary: fc.tuple(userSegment, phoneId).map(([u, id]) => `/beta/users/${u}/profile/phones/${id}`), weight: 1 },
  { arbitrary: fc.constantFrom(`${ME}/$count`, '/beta/me/profile', '/beta/me', '/beta/me/profile/phones/', '//beta/me/profile/phones', '/beta/ME/Profile/Phones', '/v1.0/me/profile/phones', '/beta/$batch', '/'), weight: 1 },
);

const FILTER_TOKENS = [
  'displayName', 'number', 'type', 'allowedAudiences', 'isSearchable', 'inference/confidenceScore', 'inference/userHasVerifiedAccuracy',
  'source/type', 'source', 'inference', 'createdDateTime', 'lastModifiedDateTime', 'id', 'createdBy/user/id', 'nosuch',
  'eq', 'ne', 'gt', 'ge', 'lt', 'le', 'and', 'or', 'not', 'in', 'has', 'any', 'all', 'add', 'mul',
  'startswith(', 'endswith(', 'contains(', 'tolower(', 'length(', '(', ')', ',', '/', '$it', 's:s/any(', 'x:x',
  "'a'", "'it''s'", "''", "'", '1', '-1', '0.5', '1e999', '-1.5e308', '9007199254740993', 'null', 'true', 'false',
  '2024-01-01T00:00:00Z', '2024-13-45T25:61:61Z', '2024-01-01', "microsoft.graph.phoneType'mobile'", "microsoft.graph.allowedAudiences'me,family'",
  "'mobile'", "'organization'", 'a1b2c3d4-0000-4000-8000-000000000000', "('home','mobile')", '[]', '@p', '%', "'\u0000'", '\ud800',
];
const filterish = fc.oneof(
  fc.array(fc.constantFrom(...FILTER_TOKENS), { minLength: 1, maxLength: 12 }).map((t) => t.join(' ')),
  fc.array(fc.constantFrom(...FILTER_TOKENS), { minLength: 1, maxLength: 12 }).map((t) => t.join('')),
  fc.integer({ min: 1, max: 3000 }).map((n) => `${'('.repeat(n)}type eq 'home'${')'.repeat(n)}`),
  fc.integer({ min: 1, max: 100 }).map((n) => `${'not '.repeat(n)}isSearchable`),
  fc.integer({ min: 1, max: 200 }).map((n) => Array.from({ length: n }, () => "number eq 'x'").join(' or ')),
  fc.string({ maxLength: 40 }),
);
const orderish = fc.oneof(
  fc.array(fc.tuple(fc.constantFrom(...FILTER_TOKENS.slice(0, 15)), fc.constantFrom('', ' asc', ' desc', ' DESC', ' up')), { maxLength: 8 }).map((k) => k.map(([p, d]) => p + d).join(',')),
  fc.string({ maxLength: 20 }),
);
const selectish = fc.oneof(
  fc.array(fc.constantFrom(...FILTER_TOKENS.slice(0, 15), '*', '', '@odata.etag', 'microsoft.graph.itemPhone/number'), { maxLength: 6 }).map((p) => p.join(',')),
  fc.string({ maxLength: 20 }),
);
const numberish = fc.oneof(fc.nat(1500), fc.integer(), fc.constantFrom('', ' 1', '1.5', '-0', '0x10', '1e3', '١', '100001', '99999999999999999999', 'NaN')).map(String);
const skiptokenish = fc.oneof(
  fc.constant(0).map(() => skipToken),
  fc.tuple(fc.nat(200), fc.string({ minLength: 1, maxLength: 1 })).map(([i, c]) => skipToken.slice(0, i % (skipToken.length + 1)) + c + skipToken.slice((i % (skipToken.length + 1)) + 1)),
  fc.nat(200).map((i) => skipToken.slice(0, i % (skipToken.length + 1))),
  fc.base64String({ maxLength: 80 }),
  fc.string({ maxLength: 30 }),
);
const optionName = fc.oneof(
  fc.constantFrom('$filter', '$orderby', '$select', '$top', '$skip', '$count', '$skiptoken'),
  fc.constantFrom('$FILTER', '$Top', '%24top', '$search', '$expand', '$format', '$apply', '$compute', '$deltatoken', '$', '$$top', 'filter', 'top', '$filter ', ' $top', '', '%', '%zz'),
  fc.string({ maxLength: 10 }),
);
const optionValue = (name: string) => {
  switch (name.toLowerCase().trim().replace('%24', '$')) {
    case '$filter':
      return filterish;
    case '$orderby':
      return orderish;
    case '$select':
      return selectish;
    case '$top':
    case '$skip':
      return numberish;
    case '$count':
      return fc.oneof(fc.constantFrom('true', 'false', 'TRUE', '1', '', 'yes'), fc.string({ maxLength: 5 }));
    case '$skiptoken':
      return skiptokenish;
    default:
      return fc.string({ maxLength: 20 });
  }
};
/** Some values go percent-encoded, some raw (spaces, quotes, stray or invalid %-escapes as they come). */
function encoded(value: string, how: 'encode' | 'raw'): string {
  if (how === 'raw') return value.replaceAll('#', '%23').replaceAll('&', '%26');
  try {
    return encodeURIComponent(value);
  } catch {
    return value; // a lone surrogate: sent raw, fetch writes it as U+FFFD
  }
}
const queryString = fc
  .array(
    fc.oneof(
      optionName.chain((name) => fc.tuple(fc.constant(name), optionValue(name), fc.constantFrom('encode' as const, 'raw' as const))).map(([n, v, how]) => `${n}=${encoded(v, how)}`),
      fc.constantFrom('', '=', '&', '$top', '$filter=', '%ZZ=1', '$top=1&$top=2', '$select=id&$SELECT=number', '$filter=%', '$filter=%E0%A4%A', '$orderby=number%20desc%2'),
    ),
    { maxLength: 5 },
  )
  .map((parts) => (parts.length ? `?${parts.join('&')}` : ''));

/** The tokens minted in before(), by the placeholder the templates below name them with. */
const tokenFor = (placeholder: string) =>
  ({
    TOKEN: token,
    OTHER: otherToken,
    APP: appToken,
    // One signature character changed (not the last, whose low bits base64url may ignore).
    TAMPERED: `${token.slice(0, -3)}${token.at(-3) === 'A' ? 'B' : 'A'}${token.slice(-2)}`,
  })[placeholder]!;
const authorization = fc.oneof(
  { arbitrary: fc.constant('Bearer TOKEN'), weight: 4 },
  {
    arbitrary: fc.constantFrom('', 'Bearer', 'Bearer ', 'bearer TOKEN', 'Basic dXNlcjpwYXNz', 'Bearer a.b.c', 'Bearer ....', 'Bearer eyJhbGciOiJub25lIn0.eyJ9.', 'Bearer  TOKEN', 'TOKEN', 'Bearer TOKEN extra', 'Bearer OTHER', 'Bearer APP', 'Bearer TAMPERED'),
    weight: 3,
  },
).map((template) => template.replace(/TAMPERED|TOKEN|OTHER|APP/, tokenFor));
const anyAuthorization = fc.oneof({ arbitrary: authorization, weight: 7 }, { arbitrary: headerText(200).map((s) => `Bearer ${s}`), weight: 1 });
const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json;charset=UTF-8',
    'application/json; charset="utf-8"',
    'application/json; charset=latin1',
    'application/json; charset=utf-16',
    'application/json; odata.metadata=minimal',
    'APPLICATION/JSON',
    'application/json-patch+json',
    'application/merge-patch+json',
    'text/json',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/octet-stream',
    '*/*',
    ';',
    'application/json;',
    'application/json; charset',
  ),
  headerText(40),
);
const headers = fc.record(
  {
    'content-type': contentType,
    authorization: anyAuthorization,
    'client-request-id': fc.oneof(fc.uuid(), headerText(160), fc.constantFrom('', ' ', 'x'.repeat(129), '\u00e9\u00e8')),
    accept: fc.constantFrom('application/json', 'application/xml', 'text/html', '*/*', 'application/json;odata.metadata=full', 'image/png', ''),
    prefer: fc.constantFrom('odata.maxpagesize=3', 'odata.maxpagesize=abc', 'return=minimal', 'respond-async'),
    'if-match': fc.constantFrom('*', 'W/"x"', ''),
    origin: fc.constantFrom('https://example.com', 'null', 'http://localhost:3000', ''),
    'accept-language': headerText(30),
    'content-encoding': fc.constantFrom('gzip', 'identity', 'br', 'x'),
    'x-http-method-override': fc.constantFrom('DELETE', 'PATCH', 'GET'),
  },
  { requiredKeys: ['authorization'] },
);
const method = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS');

// ------------------------------------------------------------------------------------------------ the properties

test('POST and PATCH bodies: near-valid itemPhones, any JSON, not JSON, not UTF-8', async () => {
  const target = fc.oneof(
    { arbitrary: fc.constant({ method: 'POST', path: ME }), weight: 4 },
    { arbitrary: fc.constant(0).map(() => ({ method: 'PATCH', path: `${ME}/${ids[0]}` })), weight: 3 },
    { arbitrary: phoneId.map((id) => ({ method: 'PATCH', path: `${ME}/${id}` })), weight: 1 },
    { arbitrary: fc.constantFrom({ method: 'POST', path: `${ME}/x` }, { method: 'PATCH', path: ME }, { method: 'POST', path: '/beta/users/fuzz.reader@contoso.com/profile/phones' }), weight: 1 },
  );
  await fc.assert(
    fc.asyncProperty(target, body, async (t, b) => {
      const h: Record<string, string> = { authorization: `Bearer ${token}` };
      if (b !== undefined) h['content-type'] = 'application/json';
      const res = await send(t.method, t.path, h, b);
      assertWellAnswered(t.method, res, t.path);
      if (t.method === 'POST' && res.status === 201) assert.equal(typeof res.json.id, 'string');
    }),
    runs(1000),
  );
});

test('query options: $filter, $orderby, $select, $top, $skip, $count, $skiptoken, junk names and values, bad %-encoding', async () => {
  const target = fc.oneof(
    { arbitrary: fc.constant(ME), weight: 6 },
    { arbitrary: fc.constant(`${ME}/$count`), weight: 1 },
    { arbitrary: fc.constant(0).map(() => `${ME}/${ids[1]}`), weight: 1 },
    { arbitrary: fc.constant(`/beta/users/${encodeURIComponent(UPN)}/profile/phones`), weight: 1 },
  );
  await fc.assert(
    fc.asyncProperty(target, queryString, async (p, q) => {
      const res = await send('GET', p + q, { authorization: `Bearer ${token}` });
      assertWellAnswered('GET', res);
    }),
    runs(1200),
  );
});

test('headers: content types and charsets, client-request-id, authorization junk, on any method and path', async () => {
  await fc.assert(
    fc.asyncProperty(method, path, headers, body, async (m, p, h, b) => {
      const withBody = m !== 'GET' && m !== 'HEAD';
      const res = await send(m, p, Object.fromEntries(Object.entries(h).filter(([, v]) => v !== '')), withBody ? b : undefined);
      assertWellAnswered(m, res, p);
    }),
    runs(700),
  );
});

test('$batch envelopes: random requests, ids, methods, urls, headers, bodies and dependsOn', async () => {
  const batchId = fc.oneof(fc.constantFrom('1', '2', '3', 'a', 'A', ''), fc.string({ maxLength: 6 }));
  const innerUrl = fc.oneof(
    fc.constantFrom('/me/profile/phones', 'me/profile/phones', '/me/profile/phones/$count', '/me/profile/phones?$top=2&$count=true', '/beta/me/profile/phones', '/v1.0/me', 'https://graph.microsoft.com/beta/me', '//evil', '/$batch', '/me/../me/profile/phones', '/me/profile/phones#x', '', ' ', '\\\\x', '/me/profile/phones/%'),
    phoneId.map((id) => `/me/profile/phones/${id}`),
    queryString.map((q) => `/me/profile/phones${q}`),
    fc.string({ maxLength: 30 }),
  );
  const innerRequest = fc.record(
    {
      id: batchId,
      method: fc.oneof(fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'get', 'HEAD', 'OPTIONS', 'TRACE', ''), anyValue),
      url: fc.oneof(innerUrl, anyValue),
      headers: fc.oneof(
        fc.record({ 'content-type': contentType, 'client-request-id': fc.string({ maxLength: 20 }), authorization: fc.constant('Bearer x') }, { requiredKeys: [] }),
        fc.dictionary(fc.string({ maxLength: 10 }), anyValue, { maxKeys: 3 }),
        anyValue,
      ),
      body: fc.oneof(nearPhone, fc.jsonValue({ maxDepth: 2 }), fc.base64String({ maxLength: 20 })),
      dependsOn: fc.oneof(fc.array(batchId, { maxLength: 3 }), anyValue),
    },
    { requiredKeys: [] },
  );
  // Well-formed batches (unique ids, dependsOn naming earlier requests, bodies with a Content-Type) that reach the
  // inner requests; then batches with one request taken from the free-form generator; then anything.
  const wellFormedInner = fc.oneof(
    fc.record({ method: fc.constant('GET'), url: fc.oneof(innerUrl, queryString.map((q) => `/me/profile/phones${q}`)) }),
    fc.record({ method: fc.constant('POST'), url: fc.constant('/me/profile/phones'), headers: fc.constant({ 'content-type': 'application/json' }), body: nearPhone }),
    fc.record({ method: fc.constantFrom('PATCH', 'patch'), url: phoneId.map((id) => `/me/profile/phones/${id}`), headers: fc.constant({ 'Content-Type': 'application/json' }), body: nearPhone }),
    fc.record({ method: fc.constant('DELETE'), url: phoneId.map((id) => `/me/profile/phones/${id}`) }),
  );
  const wellFormed = fc.array(wellFormedInner, { minLength: 1, maxLength: 20 }).chain((requests) =>
    fc.tuple(...requests.map((_, i) => fc.subarray(Array.from({ length: i }, (_, j) => String(j + 1)), { maxLength: Math.min(1, i) }))).map((deps) => ({
      requests: requests.map((r, i) => ({ id: String(i + 1), ...r, ...(deps[i]!.length ? { dependsOn: deps[i] } : {}) })),
    })),
  );
  const envelope = fc.oneof(
    { arbitrary: wellFormed, weight: 6 },
    {
      arbitrary: fc.tuple(wellFormed, innerRequest, fc.nat()).map(([batch, odd, at]) => {
        batch.requests[at % batch.requests.length] = odd as (typeof batch.requests)[number];
        return batch;
      }),
      weight: 2,
    },
    { arbitrary: fc.record({ requests: fc.array(innerRequest, { maxLength: 22 }) }), weight: 1 },
    { arbitrary: fc.record({ requests: fc.oneof(anyValue, fc.array(anyValue, { maxLength: 3 })) }), weight: 1 },
    { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 },
  );
  await fc.assert(
    fc.asyncProperty(envelope, async (e) => {
      const res = await send('POST', '/beta/$batch', { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, JSON.stringify(e));
      assertWellAnswered('POST', res);
      if (res.status === 200) {
        assert.ok(Array.isArray(res.json.responses), 'a 200 batch answer has responses');
        for (const r of res.json.responses) {
          tally(r.status);
          assertWellAnsweredInner(r);
        }
      }
    }),
    runs(300),
  );
});

test('after the fuzz the service still answers', async () => {
  const res = await svc.request('GET', `${ME}?$top=1`, { token });
  assert.equal(res.status, 200, res.text);
});
