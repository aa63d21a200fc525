// A test suite for an app that writes phone numbers to Microsoft Graph, against graph-profile-phones started inside the
// test process, with Jest in its default CommonJS mode. Run: npx jest --config examples/testing/jest.config.cjs
const { startGraphPhones } = require('graph-profile-phones/testing');

// The app under test: adds a phone to the signed-in user's profile, and tries again (up to 3 times) when Graph
// throttles (429) or is unavailable (503), after the Retry-After Graph sends.
async function addPhone(graphUrl, token, number) {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${graphUrl}/me/profile/phones`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ number, type: 'mobile' }),
    });
    if ((response.status === 429 || response.status === 503) && attempt < 3) {
      await response.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after') ?? '1') * 1000));
      continue;
    }
    if (!response.ok) throw new Error(`Graph answered ${response.status}: ${await response.text()}`);
    return { phone: await response.json(), attempts: attempt };
  }
}

/** @type {import('graph-profile-phones/testing').GraphPhones} */
let graph;
let token;

beforeAll(async () => {
  graph = await startGraphPhones({ inMemory: true }); // a free port; nothing written to disk
});

beforeEach(async () => {
  // Every test starts from the same data; reset() keeps the journal and the faults, so clear them too.
  await graph.reset();
  graph.clearRequests();
  graph.clearFaults();
  await graph.seed({
    tenants: [{ name: 'contoso', users: [{ userPrincipalName: 'adele@contoso.com', displayName: 'Adele Vance', phones: [{ number: '+1 425 555 0100', type: 'business' }] }] }],
  });
  token = await graph.token('adele@contoso.com');
});

afterAll(() => graph.close());

test('lists the seeded phones', async () => {
  const response = await fetch(`${graph.graphUrl}/me/profile/phones`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  const { value } = await response.json();
  expect(value).toMatchObject([{ number: '+1 425 555 0100', type: 'business' }]);
});

test('the app adds a phone, and the journal shows what it sent', async () => {
  const { phone } = await addPhone(graph.graphUrl, token, '+1 425 555 0111');
  expect(phone.number).toBe('+1 425 555 0111');

  const posts = graph.requests({ method: 'POST', path: '/beta/me/profile/phones' });
  expect(posts).toHaveLength(1);
  expect(posts[0]).toMatchObject({
    status: 201,
    request: { body: { number: '+1 425 555 0111', type: 'mobile' } },
    caller: { userPrincipalName: 'adele@contoso.com' },
  });
});

test('the app recovers from a 503 by trying again', async () => {
  graph.fault({ match: { method: 'POST', path: '/beta/me/profile/phones' }, respond: { status: 503 }, times: 1 });

  const { phone, attempts } = await addPhone(graph.graphUrl, token, '+1 425 555 0122');
  expect(attempts).toBe(2);
  expect(phone.number).toBe('+1 425 555 0122');
  const posts = graph.requests({ method: 'POST', path: '/beta/me/profile/phones' });
  expect(posts.map((entry) => entry.status)).toEqual([503, 201]);
});
