// The web page's API client (web/src/graph.ts) and its plain words (web/src/words.ts), under Node: against the real
// service for the success paths and the service's real validation messages, and against a fake fetch for what a
// service is not asked to do on cue (401, 429 with Retry-After, a network that fails). Also the page's colours
// (web/src/styles.css): every text and control pair meets WCAG 2.1 AA contrast, in light and in dark.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  createGraphClient,
  errorFromAnswer,
  fieldOfMessage,
  GraphRequestError,
  NETWORK_FAILURE,
  retryAfterSeconds,
  type FetchLike,
  type GraphClient,
  type PhoneFields,
} from '../web/src/graph.ts';
import { audiencesInWords, errorInWords, requestErrorInWords, telHref, typeInWords, waitingInWords } from '../web/src/words.ts';
import { startTestService, type TestService } from './support/service.ts';

const PHONE: PhoneFields = { number: '+1 425 555 0100', displayName: 'Work cell', type: 'mobile', allowedAudiences: 'organization' };

/** What a call threw, which must be a GraphRequestError. */
async function failure(call: Promise<unknown>): Promise<GraphRequestError> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof GraphRequestError, `not a GraphRequestError: ${String(err)}`);
    return err;
  }
  assert.fail('the call succeeded');
}

describe('against the real service', () => {
  let svc: TestService;
  let token: string;
  let client: GraphClient;
  let signIns = 0;

  before(async () => {
    svc = await startTestService();
    token = await svc.token(['--user', 'alice@contoso.com']);
    client = createGraphClient({
      baseUrl: `${svc.url}/beta/`,
      tokens: { accessToken: async () => token, signIn: async () => void signIns++ },
    });
  });
  after(() => svc.stop());

  test('list, add, change and delete a phone', async () => {
    const before = await client.listMyPhones();
    const added = await client.addPhone(PHONE);
    assert.deepEqual({ ...added, id: '' }, { ...PHONE, id: '' });
    assert.ok(added.id);
    assert.deepEqual(await client.listMyPhones(), [...before, added]);

    const changed = await client.updatePhone(added.id, { ...PHONE, displayName: null, type: 'homeFax', allowedAudiences: 'me' });
    assert.deepEqual(changed, { id: added.id, number: PHONE.number, displayName: null, type: 'homeFax', allowedAudiences: 'me' });
    assert.deepEqual((await client.listMyPhones()).find((p) => p.id === added.id), changed);

    await client.deletePhone(added.id);
    assert.deepEqual(await client.listMyPhones(), before);
    assert.equal(signIns, 0);
  });

  test('a list longer than a page is read whole, through @odata.nextLink', async () => {
    const added = [];
    for (let i = 0; i < 3; i++) added.push(await client.addPhone({ ...PHONE, number: `+1 425 555 010${i}` }));
    let pages = 0;
    const paged = createGraphClient({
      baseUrl: `${svc.url}/beta`,
      tokens: { accessToken: async () => token, signIn: async () => {} },
      // $top=1 on the first request: the service then links to each next page.
      fetch: (url, init) => {
        pages++;
        return fetch(pages === 1 ? `${url}?$top=1` : url, init);
      },
    });
    const all = await paged.listMyPhones();
    assert.ok(pages >= 3, `read in ${pages} requests`);
    for (const p of added) assert.ok(all.some((q) => q.id === p.id));
    for (const p of added) await client.deletePhone(p.id);
  });

  // The service's own messages for bad bodies, captured as the page gets them, then mapped to the form's fields.
  const refusals: Array<{ what: string; body: Record<string, unknown>; field: string | undefined; words: RegExp }> = [
    { what: 'an empty number', body: { ...PHONE, number: '' }, field: 'number', words: /^Enter a number\.$/ },
    { what: 'a number of spaces', body: { ...PHONE, number: '   ' }, field: 'number', words: /^Enter a number\.$/ },
    { what: 'no number', body: { displayName: 'No number' }, field: 'number', words: /^Enter a number\.$/ },
    { what: 'a null number', body: { ...PHONE, number: null }, field: 'number', words: /^Enter a number\.$/ },
    {
      what: 'a 257-character name',
      body: { ...PHONE, displayName: 'x'.repeat(257) },
      field: 'displayName',
      words: /^Name is too long: 257 characters, at most 256\.$/,
    },
    { what: 'a type that does not exist', body: { ...PHONE, type: 'fax' }, field: 'type', words: /^Choose one of the choices offered for “Type”\.$/ },
    { what: 'a type of the wrong JSON type', body: { ...PHONE, type: 7 }, field: 'type', words: /“Type”/ },
    {
      what: 'an audience that does not exist',
      body: { ...PHONE, allowedAudiences: 'nobody' },
      field: 'allowedAudiences',
      words: /^Choose one of the choices offered for “Visible to”\.$/,
    },
    { what: 'a property the form does not have', body: { ...PHONE, colour: 'red' }, field: undefined, words: /'colour' does not exist/ },
    { what: 'a nested property (source/type)', body: { ...PHONE, source: { type: 'x' } }, field: undefined, words: /source\/type/ },
  ];
  for (const r of refusals) {
    test(`POST with ${r.what}: the service's 400 concerns ${r.field ?? 'no field'}`, async () => {
      const res = await svc.request('POST', '/beta/me/profile/phones', { token, body: r.body });
      assert.equal(res.status, 400, res.text);
      const err = errorFromAnswer(res.status, res.text);
      assert.equal(err.code, res.json.error.code);
      assert.equal(err.message, res.json.error.message);
      assert.equal(err.field, r.field, `field of: ${err.message}`);
      assert.equal(fieldOfMessage(res.json.error.message), r.field);
      assert.match(errorInWords(err), r.words);
    });
  }

  test('the client reports a refused add and a refused change with the field they concern', async () => {
    const empty = await failure(client.addPhone({ ...PHONE, number: '' }));
    assert.deepEqual([empty.status, empty.code, empty.field], [400, 'invalidRequest', 'number']);
    assert.equal(requestErrorInWords(empty), 'Enter a number.');

    const long = await failure(client.addPhone({ ...PHONE, displayName: 'n'.repeat(257) }));
    assert.deepEqual([long.status, long.field], [400, 'displayName']);

    const phone = await client.addPhone(PHONE);
    const badType = await failure(client.updatePhone(phone.id, { ...PHONE, type: 'carrierPigeon' }));
    assert.deepEqual([badType.status, badType.code, badType.field], [400, 'RequestBodyRead', 'type']);
    const emptied = await failure(client.updatePhone(phone.id, { ...PHONE, number: '' }));
    assert.equal(emptied.field, 'number');
    await client.deletePhone(phone.id);

    const gone = await failure(client.deletePhone(phone.id));
    assert.deepEqual([gone.status, gone.field], [404, undefined]);
  });

  test("a colleague's phones: what the API shows, 404 for no such person, 403 without User.ReadBasic.All", async () => {
    const bob = await svc.token(['--user', 'bob@contoso.com']);
    const asBob = createGraphClient({ baseUrl: `${svc.url}/beta`, tokens: { accessToken: async () => bob, signIn: async () => {} } });
    const shared = await asBob.addPhone({ ...PHONE, number: '+1 206 555 0111', allowedAudiences: 'organization' });
    await asBob.addPhone({ ...PHONE, number: '+1 206 555 0112', allowedAudiences: 'me' });

    const reader = await svc.token(['--user', 'alice@contoso.com', '--scopes', 'User.ReadWrite User.ReadBasic.All']);
    const asReader = createGraphClient({ baseUrl: `${svc.url}/beta`, tokens: { accessToken: async () => reader, signIn: async () => {} } });
    assert.deepEqual(await asReader.listPhonesOf('bob@contoso.com'), [shared]);
    assert.equal((await failure(asReader.listPhonesOf('nobody@contoso.com'))).status, 404);
    assert.equal((await failure(client.listPhonesOf('bob@contoso.com'))).status, 403);
  });
});

/** A fake fetch answering from a list, recording each request. */
function fakeFetch(answers: Array<Response | Error>) {
  const requests: Array<{ url: string; init: RequestInit }> = [];
  const fetch: FetchLike = async (url, init) => {
    requests.push({ url, init });
    const next = answers.shift();
    assert.ok(next, `unexpected request ${init.method} ${url}`);
    if (next instanceof Error) throw next;
    return next;
  };
  return { fetch, requests };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const graphError = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  json(status, { error: { code, message, innerError: {} } }, headers);
const wire = { id: 'p1', number: '+1 425 555 0100', displayName: 'Desk', type: 'business', allowedAudiences: 'organization', createdBy: {} };

/** A client on a fake fetch, with a sleep and a sign-in that only record. */
function fakeClient(answers: Array<Response | Error>) {
  const { fetch, requests } = fakeFetch(answers);
  const slept: number[] = [];
  const waits: Array<number | null> = [];
  let signIns = 0;
  const client = createGraphClient({
    baseUrl: 'https://phones.test/beta',
    tokens: { accessToken: async () => 'the-token', signIn: async () => void signIns++ },
    fetch,
    sleep: async (ms) => void slept.push(ms),
  });
  return { client, requests, slept, waits, onWait: (s: number | null) => void waits.push(s), signIns: () => signIns };
}

describe('against a fake fetch', () => {
  test('requests carry the token and JSON, to the public API paths', async () => {
    const f = fakeClient([json(201, wire), json(200, wire), new Response(null, { status: 204 }), json(200, { value: [wire] })]);
    assert.deepEqual(await f.client.addPhone(PHONE), { id: 'p1', number: '+1 425 555 0100', displayName: 'Desk', type: 'business', allowedAudiences: 'organization' });
    await f.client.updatePhone('p 1', PHONE);
    await f.client.deletePhone('p1');
    await f.client.listPhonesOf('adele@contoso.com');
    assert.deepEqual(
      f.requests.map((r) => [r.init.method, r.url]),
      [
        ['POST', 'https://phones.test/beta/me/profile/phones'],
        ['PATCH', 'https://phones.test/beta/me/profile/phones/p%201'],
        ['DELETE', 'https://phones.test/beta/me/profile/phones/p1'],
        ['GET', 'https://phones.test/beta/users/adele%40contoso.com/profile/phones'],
      ],
    );
    const post = f.requests[0]!.init;
    assert.deepEqual(post.headers, { authorization: 'Bearer the-token', accept: 'application/json', 'content-type': 'application/json' });
    assert.deepEqual(JSON.parse(post.body as string), PHONE);
    assert.equal(f.requests[2]!.init.body, undefined);
  });

  test('401: signs in again, and reports it', async () => {
    const f = fakeClient([graphError(401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.')]);
    const err = await failure(f.client.listMyPhones());
    assert.equal(err.status, 401);
    assert.equal(f.signIns(), 1);
    assert.equal(requestErrorInWords(err), 'Your sign-in has ended. Taking you to sign in again…');
  });

  test('429 with Retry-After: 2 waits 2 s, says so, and retries', async () => {
    const f = fakeClient([graphError(429, 'TooManyRequests', 'Too many requests.', { 'retry-after': '2' }), json(200, { value: [wire] })]);
    const phones = await f.client.listMyPhones({ onWait: f.onWait });
    assert.equal(phones.length, 1);
    assert.deepEqual(f.slept, [2000]);
    assert.deepEqual(f.waits, [2, null]);
    assert.equal(f.requests.length, 2);
    assert.equal(waitingInWords(2), 'Waiting 2 seconds, then trying again…');
  });

  test('503 without Retry-After waits 5 s; a save is retried with the same body', async () => {
    const f = fakeClient([graphError(503, 'serviceNotAvailable', 'Busy.'), json(201, wire)]);
    await f.client.addPhone(PHONE);
    assert.deepEqual(f.slept, [5000]);
    assert.equal(f.requests[1]!.init.body, f.requests[0]!.init.body);
  });

  test('429 more than 3 times in a row: 3 retries, then the 429 is reported', async () => {
    const busy = () => graphError(429, 'TooManyRequests', 'Too many requests.', { 'retry-after': '600' });
    const f = fakeClient([busy(), busy(), busy(), busy()]);
    const err = await failure(f.client.listMyPhones());
    assert.equal(err.status, 429);
    assert.deepEqual(f.slept, [60_000, 60_000, 60_000]); // at most 60 s each
    assert.equal(f.requests.length, 4);
  });

  test('Retry-After: seconds or an HTTP date, 5 when absent or unreadable, between 0 and 60', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(retryAfterSeconds('2', now), 2);
    assert.equal(retryAfterSeconds(null, now), 5);
    assert.equal(retryAfterSeconds('soon', now), 5);
    assert.equal(retryAfterSeconds('3600', now), 60);
    assert.equal(retryAfterSeconds('Wed, 01 Jan 2025 00:00:10 GMT', now), 10);
    assert.equal(retryAfterSeconds('Tue, 31 Dec 2024 00:00:00 GMT', now), 0);
  });

  test('a network failure says so (the form keeps its values: it is not told to clear them)', async () => {
    const f = fakeClient([new TypeError('Failed to fetch')]);
    const err = await failure(f.client.addPhone(PHONE));
    assert.deepEqual([err.status, err.code, err.message], [0, 'networkError', NETWORK_FAILURE]);
    assert.equal(NETWORK_FAILURE, 'Could not reach the service. Check your connection and try again.');
    assert.equal(requestErrorInWords(err), NETWORK_FAILURE);
  });

  test('an answer that is not Graph JSON still gives a status and words', async () => {
    const f = fakeClient([new Response('<html>Bad gateway</html>', { status: 502 })]);
    const err = await failure(f.client.listMyPhones());
    assert.deepEqual([err.status, err.message], [502, 'The service answered with status 502.']);
  });

  test('a token that cannot be had is an error, not a request', async () => {
    const { fetch, requests } = fakeFetch([]);
    const client = createGraphClient({
      baseUrl: 'https://phones.test/beta',
      tokens: { accessToken: async () => Promise.reject(new Error('monitor_window_timeout')), signIn: async () => {} },
      fetch,
    });
    const err = await failure(client.listMyPhones());
    assert.match(err.message, /Could not get a sign-in token: monitor_window_timeout/);
    assert.equal(requests.length, 0);
  });
});

describe('plain words', () => {
  test('types and audiences', () => {
    assert.equal(typeInWords('businessFax'), 'Work fax');
    assert.equal(typeInWords(null), 'No type');
    assert.equal(audiencesInWords('organization'), 'Everyone in your organization');
    assert.equal(audiencesInWords('me'), 'Only me');
    assert.equal(audiencesInWords('me,family,contacts'), 'My family, My contacts');
    assert.equal(audiencesInWords('federatedOrganizations'), 'People in federated organizations');
  });

  test('tel: links', () => {
    assert.equal(telHref('+1 (425) 555-0100'), 'tel:+14255550100');
    assert.equal(telHref('+7 499 342 22 13'), 'tel:+74993422213');
    assert.equal(telHref('425 555 0100 x123'), 'tel:4255550100;ext=123');
    assert.equal(telHref('+1 425 555 0100 ext. 42'), 'tel:+14255550100;ext=42');
    assert.equal(telHref('none'), null);
  });
});

describe("the page's colours (web/src/styles.css)", () => {
  const css = readFileSync(new URL('../web/src/styles.css', import.meta.url), 'utf8');
  /** The --name: #rrggbb declarations of the first `:root {...}` after `from`. */
  const colours = (from: number): Record<string, string> => {
    const start = css.indexOf(':root {', from);
    const block = css.slice(start, css.indexOf('}', start));
    return Object.fromEntries([...block.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6});/gi)].map((m) => [m[1]!, m[2]!]));
  };
  const schemes = { light: colours(0), dark: colours(css.indexOf('@media (prefers-color-scheme: dark)')) };

  const luminance = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const contrast = (a: string, b: string) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi! + 0.05) / (lo! + 0.05);
  };

  // [foreground, background, minimum]: text 4.5 (1.4.3); control borders and the focus ring 3 (1.4.11).
  const pairs: Array<[string, string, number]> = [
    ['text', 'bg', 4.5],
    ['text', 'surface', 4.5],
    ['text', 'error-bg', 4.5],
    ['muted', 'bg', 4.5],
    ['muted', 'surface', 4.5],
    ['accent', 'bg', 4.5],
    ['accent', 'surface', 4.5],
    ['on-accent', 'accent', 4.5],
    ['danger', 'bg', 4.5],
    ['danger', 'surface', 4.5],
    ['on-danger', 'danger', 4.5],
    ['border', 'bg', 3],
    ['border', 'surface', 3],
    ['danger', 'error-bg', 3],
    ['focus', 'bg', 3],
    ['focus', 'surface', 3],
  ];
  for (const [scheme, set] of Object.entries(schemes)) {
    test(`${scheme}: every pair meets WCAG 2.1 AA`, () => {
      const failing = [];
      for (const [fg, bg, min] of pairs) {
        assert.ok(set[fg] && set[bg], `--${fg} or --${bg} missing in the ${scheme} colours`);
        const ratio = contrast(set[fg]!, set[bg]!);
        if (ratio < min) failing.push(`--${fg} on --${bg}: ${ratio.toFixed(2)} < ${min}`);
      }
      assert.deepEqual(failing, []);
    });
  }
});
