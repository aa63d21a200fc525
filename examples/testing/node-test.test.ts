// A test suite for an app that writes phone numbers to Microsoft Graph, against graph-profile-phones started inside the
// test process. Run: node --import tsx --test examples/testing/node-test.test.ts
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { startGraphPhones, type GraphPhones } from 'graph-profile-phones/testing';

// The app under test: adds a phone to the signed-in user's profile, and tries again (up to 3 times) when Graph
// throttles (429) or is unavailable (503), after the Retry-After Graph sends.
async function addPhone(graphUrl: string, token: string, number: string) {
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
    return { phone: (await response.json()) as { id: string; number: string }, attempts: attempt };
  }
}

let graph: GraphPhones;
let token: string;

before(async () => {
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

after(() => graph.close());

test('lists the seeded phones', async () => {
  const response = await fetch(`${graph.graphUrl}/me/profile/phones`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200);
  const { value } = (await response.json()) as { value: { number: string; type: string }[] };
  assert.deepEqual(value.map((p) => [p.number, p.type]), [['+1 425 555 0100', 'business']]);
});

test('the app adds a phone, and the journal shows what it sent', async () => {
  const { phone } = await addPhone(graph.graphUrl, token, '+1 425 555 0111');
  assert.equal(phone.number, '+1 425 555 0111');

  const posts = graph.requests({ method: 'POST', path: '/beta/me/profile/phones' });
  assert.equal(posts.length, 1);
  assert.equal(posts[0]!.status, 201);
  assert.deepEqual(posts[0]!.request.body, { number: '+1 425 555 0111', type: 'mobile' });
  assert.equal(posts[0]!.caller?.userPrincipalName, 'adele@contoso.com');
});

test('the app recovers from a 503 by trying again', async () => {
  graph.fault({ match: { method: 'POST', path: '/beta/me/profile/phones' }, respond: { status: 503 }, times: 1 });

  const { phone, attempts } = await addPhone(graph.graphUrl, token, '+1 425 555 0122');
  assert.equal(attempts, 2);
  assert.equal(phone.number, '+1 425 555 0122');
  const posts = graph.requests({ method: 'POST', path: '/beta/me/profile/phones' });
  assert.deepEqual(posts.map((entry) => entry.status), [503, 201]);
});
