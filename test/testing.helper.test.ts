// The in-process test helper (graph-profile-phones/testing) as a test suite uses it: imported by its package name
// (the built dist/testing.js, as an installed package resolves it), started in this process, driven over a real
// socket with fetch, its controls called as methods.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Agent, fetch } from 'undici';
import { ClientSecretCredential } from '@azure/identity';
import { PublicClientApplication } from '@azure/msal-node';
import { startGraphPhones, type GraphPhones } from 'graph-profile-phones/testing';

const PHONE = { number: '+1 425 555 0100', type: 'mobile' };

async function call(graph: GraphPhones, method: string, path: string, token: string, body?: unknown, dispatcher?: Agent) {
  const res = await fetch(`${graph.graphUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    dispatcher,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('startGraphPhones', () => {
  test('in memory on a free port by default: tokens, the API, reset, close', async () => {
    const cwd = process.cwd();
    const before = readdirSync(cwd);
    const graph = await startGraphPhones();
    try {
      assert.match(graph.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(graph.graphUrl, `${graph.url}/beta`);
      assert.equal(graph.ca, undefined);
      const token = await graph.token('adele@contoso.com');
      const created = await call(graph, 'POST', '/me/profile/phones', token, PHONE);
      assert.equal(created.status, 201);
      assert.equal(created.json.number, PHONE.number);
      assert.equal((await call(graph, 'GET', '/me/profile/phones', token)).json.value.length, 1);

      await graph.reset();
      assert.deepEqual((await call(graph, 'GET', '/me/profile/phones', token)).json.value, [], 'reset removed the phone; the token still works');
    } finally {
      await graph.close();
    }
    assert.equal(await portIsFree(Number(new URL(graph.url).port)), true, 'close() frees the port');
    assert.deepEqual(readdirSync(cwd), before, 'nothing written to the working folder');
  });

  test('user and app tokens carry what they are asked for, as the token command mints them', async () => {
    const graph = await startGraphPhones();
    try {
      const seeded = await graph.seed({ tenants: [{ name: 'contoso', users: [{ userPrincipalName: 'adele@contoso.com', phones: [{ ...PHONE, allowedAudiences: 'organization' }] }] }] });
      const adeleId = seeded.tenants[0]!.users[0]!.id;
      const reader = await graph.token({ user: 'megan@contoso.com', scopes: ['User.Read.All'] });
      const colleague = await call(graph, 'GET', `/users/adele@contoso.com/profile/phones`, reader);
      assert.equal(colleague.status, 200);
      assert.equal(colleague.json.value.length, 1);
      const noScope = await graph.token({ user: 'megan@contoso.com', scopes: 'User.Read' });
      assert.equal((await call(graph, 'GET', `/users/${adeleId}/profile/phones`, noScope)).status, 403);

      const app = await graph.appToken({ roles: 'User.Read.All' });
      const asApp = await call(graph, 'GET', `/users/${adeleId}/profile/phones`, app);
      assert.equal(asApp.status, 200);
      assert.equal(asApp.json.value.length, 1);
      const otherTenant = await graph.appToken({ tenant: 'fabrikam' });
      assert.equal((await call(graph, 'GET', `/users/${adeleId}/profile/phones`, otherTenant)).status, 404, "another tenant's app does not find her");
      await assert.rejects(graph.token({ user: 'has space@contoso.com' }), /user must be a userPrincipalName without spaces/);
    } finally {
      await graph.close();
    }
  });

  test('the journal and faults, as methods', async () => {
    const graph = await startGraphPhones();
    try {
      const token = await graph.token('adele@contoso.com');
      const fault = graph.fault({ match: { method: 'POST', path: '/beta/me/profile/phones' }, respond: { status: 503, retryAfterSeconds: 2 }, times: 1 });
      assert.equal(fault.remaining, 1);
      const refused = await call(graph, 'POST', '/me/profile/phones', token, PHONE);
      assert.equal(refused.status, 503);
      assert.equal(refused.json.error.code, 'serviceNotAvailable');
      assert.equal(refused.headers.get('retry-after'), '2');
      assert.equal((await call(graph, 'POST', '/me/profile/phones', token, PHONE)).status, 201, 'the fault was used up');
      assert.equal((await call(graph, 'GET', '/me/profile/phones', token)).json.value.length, 1, 'the faulted POST stored nothing');

      const posts = graph.requests({ method: 'POST', path: '/beta/me/profile/phones' });
      assert.deepEqual(posts.map((e) => e.status), [503, 201]);
      assert.equal(posts[0]!.fault, fault.id);
      assert.equal(posts[1]!.caller?.userPrincipalName, 'adele@contoso.com');
      assert.equal(JSON.stringify(posts).includes(token), false, 'the token never appears');
      assert.equal(graph.requests({ status: '5xx' }).length, 1);

      graph.fault({ match: { path: '*' }, respond: { status: 429 } });
      assert.equal((await call(graph, 'GET', '/me/profile/phones', token)).status, 429);
      graph.clearFaults();
      assert.equal((await call(graph, 'GET', '/me/profile/phones', token)).status, 200);

      graph.clearRequests({ status: '4xx' });
      assert.equal(graph.requests({ status: 429 }).length, 0);
      assert.ok(graph.requests().length > 0, 'a filtered clear keeps the rest');
      graph.clearRequests();
      assert.deepEqual(graph.requests(), []);
      assert.throws(() => graph.fault({ match: { path: 'no-slash' }, respond: { status: 503 } }), /match\.path/);
      assert.throws(() => graph.requests({ status: 'bad' }), /filter 'status'/);
    } finally {
      await graph.close();
    }
  });

  test('seed given at start, from data or from a file; a bad seed stops the start with its place and frees the port', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'phones-seed-')), 'seed.json');
    writeFileSync(file, JSON.stringify({ tenants: [{ name: 'contoso', users: [{ userPrincipalName: 'adele@contoso.com', phones: [PHONE] }] }] }));
    for (const seed of [file, { tenants: [{ name: 'contoso', users: [{ userPrincipalName: 'adele@contoso.com', phones: [PHONE] }] }] }]) {
      const graph = await startGraphPhones({ seed });
      try {
        const listed = await call(graph, 'GET', '/me/profile/phones', await graph.token('adele@contoso.com'));
        assert.deepEqual(listed.json.value.map((p: { number: string }) => p.number), [PHONE.number]);
      } finally {
        await graph.close();
      }
    }
    await assert.rejects(
      startGraphPhones({ port: 0, seed: { tenants: [{ name: 'contoso', users: [{ userPrincipalName: 'adele@contoso.com', phones: [{ number: '1', type: 'cell' }] }] }] } }),
      /tenants\[0\]\.users\[0\]\.phones\[0\]\.type: /,
    );
  });

  test('tls: https with a development certificate kept in memory, trusted through ca', async () => {
    const graph = await startGraphPhones({ tls: true });
    try {
      assert.match(graph.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.match(graph.ca ?? '', /^-----BEGIN CERTIFICATE-----/);
      const trusting = new Agent({ connect: { ca: graph.ca } });
      const res = await call(graph, 'GET', '/me/profile/phones', await graph.token('adele@contoso.com'), undefined, trusting);
      assert.equal(res.status, 200);
      await assert.rejects(fetch(`${graph.url}/health`, { dispatcher: new Agent() }), 'a client that does not trust ca refuses it');
    } finally {
      await graph.close();
    }
  });

  test('signing in as an app does, against the helper: the certificate from a dataDir that NODE_EXTRA_CA_CERTS names, the data in memory', async () => {
    // The README's recipe: the certificate exists before the test process starts (test/run.mjs made this run's, and
    // set NODE_EXTRA_CA_CERTS), and the helper serves it from its dataDir.
    const tlsDir = process.env.TEST_TLS_DIR;
    assert.ok(tlsDir, 'run through node test/run.mjs, which makes the certificate and sets NODE_EXTRA_CA_CERTS');
    const dataDir = mkdtempSync(join(tmpdir(), 'phones-helper-'));
    for (const file of ['dev-tls-cert.pem', 'dev-tls-key.pem']) copyFileSync(join(tlsDir, file), join(dataDir, file));
    const clientId = '7d0b1c4e-6a1f-4f59-9c2b-3e8d5f6a7b8c';
    const graph = await startGraphPhones({
      tls: true,
      inMemory: true,
      dataDir,
      seed: {
        tenants: [
          {
            name: 'contoso',
            apps: [{ clientId, displayName: 'Test App', secret: 'app-secret', publicClient: true, roles: ['User.Read.All'], scopes: ['User.ReadWrite'], adminConsent: true }],
            users: [{ userPrincipalName: 'adele@contoso.com', password: 'Pa55w.rd' }],
          },
        ],
      },
    });
    try {
      const host = new URL(graph.url).host;
      const pca = new PublicClientApplication({ auth: { clientId, authority: `${graph.url}/contoso.onmicrosoft.com`, knownAuthorities: [host] } });
      const user = await pca.acquireTokenByUsernamePassword({ scopes: ['User.ReadWrite'], username: 'adele@contoso.com', password: 'Pa55w.rd' });
      assert.ok(user);
      assert.equal((await fetch(`${graph.graphUrl}/me/profile/phones`, { method: 'POST', headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify(PHONE) })).status, 201);
      const credential = new ClientSecretCredential('contoso.onmicrosoft.com', clientId, 'app-secret', { authorityHost: graph.url, disableInstanceDiscovery: true });
      const app = await credential.getToken('https://graph.microsoft.com/.default');
      const listed = await fetch(`${graph.graphUrl}/users/adele@contoso.com/profile/phones`, { headers: { authorization: `Bearer ${app.token}` } });
      assert.equal(listed.status, 200);
      assert.equal(((await listed.json()) as { value: unknown[] }).value.length, 1);
      assert.deepEqual(readdirSync(dataDir).sort(), ['dev-issuer-key.json', 'dev-tls-cert.pem', 'dev-tls-key.pem'], 'no database file: the data is in memory');
    } finally {
      await graph.close();
    }
  });

  test('dataDir: the data outlives close()', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'phones-helper-'));
    const first = await startGraphPhones({ dataDir });
    const token = await first.token('adele@contoso.com');
    assert.equal((await call(first, 'POST', '/me/profile/phones', token, PHONE)).status, 201);
    await first.close();
    assert.ok(readdirSync(dataDir).includes('graph.sqlite'));
    const second = await startGraphPhones({ dataDir });
    try {
      assert.equal((await call(second, 'GET', '/me/profile/phones', token)).json.value.length, 1, 'same data, same key: the old token works');
    } finally {
      await second.close();
    }
  });

  test('settings pass through as flags; a bad one or entra mode is refused with the reason', async () => {
    const graph = await startGraphPhones({ settings: ['--rate-limit', '1', '--rate-limit-window-seconds', '60'] });
    try {
      const token = await graph.token('adele@contoso.com');
      assert.equal((await call(graph, 'GET', '/me/profile/phones', token)).status, 200);
      assert.equal((await call(graph, 'GET', '/me/profile/phones', token)).status, 429);
    } finally {
      await graph.close();
    }
    await assert.rejects(startGraphPhones({ settings: ['--port', 'x'] }), /PORT must be 0-65535/);
    await assert.rejects(startGraphPhones({ inMemory: true, settings: ['--database-url', 'postgres://x@127.0.0.1/db'] }), /IN_MEMORY/);
    await assert.rejects(
      startGraphPhones({ settings: ['--identity', 'entra', '--entra-tenants', '*', '--entra-jwks-url', 'http://127.0.0.1:9/keys'] }),
      /needs IDENTITY=development/,
    );
  });
});
