// The sign-in tests' own support (test/support/signIn.ts): the Browser against a small local HTTP server (cookies,
// redirects, forms, labels, buttons), PKCE, form_post pages, and the sign-in service's run certificate.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Agent, get } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { DEV_CERT_FILE } from '../src/tls.ts';
import { Browser, formPostFields, parseForms, pkcePair, startSignInService, type Form } from './support/signIn.ts';

interface Seen {
  method: string;
  path: string;
  cookie: string | undefined;
  origin: string | undefined;
  contentType: string | undefined;
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A plain HTTP server on 127.0.0.1 answering `routes` by path, recording each request it gets. */
async function listen(routes: Record<string, Handler>): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const path = new URL(req.url!, 'http://x').pathname;
    seen.push({ method: req.method!, path, cookie: req.headers.cookie, origin: req.headers.origin, contentType: req.headers['content-type'], body });
    const route = routes[path];
    if (route) route(req, res, body);
    else res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

const redirect = (status: number, location: string, cookies: string[] = []): Handler => (_req, res) => {
  res.writeHead(status, { location, 'set-cookie': cookies }).end();
};
const html = (text: string, cookies: string[] = []): Handler => (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'set-cookie': cookies }).end(text);
};

const SIGN_IN_PAGE = `<!doctype html>
<html lang="en"><head><title>Sign in</title></head><body>
<main>
  <h1>Sign in</h1>
  <p>to continue to Contoso CRM</p>
  <p id="err" role="alert">Your account or password is incorrect.</p>
  <form method="POST" action="/login?tenant=contoso">
    <input type="hidden" name="flow" value="f-123">
    <label for="login">User name</label>
    <input id="login" name="login" autocomplete="username" aria-invalid="true" aria-describedby="err">
    <label for="passwd">Password</label>
    <input id="passwd" name="passwd" type="password" autocomplete="current-password">
    <label><input type="checkbox" name="remember" value="yes"> Stay signed in</label>
    <input type="text" name="locked" value="x" disabled>
    <button type="submit">Sign in</button>
  </form>
  <form method="post" action="consent">
    <input type="hidden" name="flow" value="f-123">
    <button name="decision" value="accept">Accept</button>
    <button name="decision" value="cancel">Cancel</button>
  </form>
  <form action="https://elsewhere.example/search?old=1"><input name="q" value="phones"><input type="submit" value="Go"></form>
</main>
</body></html>`;

describe('Browser', () => {
  let app: Awaited<ReturnType<typeof listen>>;
  let other: Awaited<ReturnType<typeof listen>>;
  before(async () => {
    other = await listen({ '/cb': html('<p>the app</p>') });
    app = await listen({
      '/set': html('<p>set</p>', ['session=abc; Path=/; HttpOnly; SameSite=Lax', 'narrow=1; Path=/only', 'dir=2', 'later=3; Max-Age=3600']),
      '/delete': html('<p>deleted</p>', ['session=; Max-Age=0; Path=/', 'later=; Expires=Thu, 01 Jan 1970 00:00:00 GMT']),
      '/foreign': html('<p>foreign</p>', ['stolen=1; Domain=example.com', 'secure=1; Secure']),
      '/echo': html('<p>echo</p>'),
      '/only/echo': html('<p>only</p>'),
      '/start': redirect(302, '/middle', ['hop=1; Path=/']),
      '/middle': redirect(301, '/echo?from=middle'),
      '/away': redirect(302, `${other.url}/cb?code=c0de&state=s1#frag`),
      '/signin': html(SIGN_IN_PAGE),
      '/login': redirect(303, '/echo?signed=in', ['session=new; Path=/']),
      '/consent': redirect(302, '/echo?consented'),
      '/keep': redirect(307, '/echo'),
      '/loop': redirect(302, '/loop'),
      '/json': (_req, res) => res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_request"}'),
    });
  });
  after(() => {
    app.server.close();
    other.server.close();
  });
  const last = () => app.seen.at(-1)!;

  test('cookies: set by name=value with their Path, sent back on the same host, deleted by Max-Age=0 or a past Expires', async () => {
    const browser = new Browser();
    await browser.get(`${app.url}/set`);
    await browser.get(`${app.url}/echo`);
    assert.equal(last().cookie, 'session=abc; dir=2; later=3');
    await browser.get(`${app.url}/only/echo`);
    assert.equal(last().cookie, 'narrow=1; session=abc; dir=2; later=3', 'the longer path first');
    assert.deepEqual(browser.cookies(`${app.url}/only/x`), { narrow: '1', session: 'abc', dir: '2', later: '3' });
    // Another host gets none of them.
    assert.deepEqual(browser.cookies(app.url.replace('127.0.0.1', 'localhost')), {});

    await browser.get(`${app.url}/delete`);
    await browser.get(`${app.url}/echo`);
    assert.equal(last().cookie, 'dir=2');

    // A Domain the host is not in, and a Secure cookie from http, are refused.
    await browser.get(`${app.url}/foreign`);
    assert.deepEqual(browser.cookies(`${app.url.replace('http:', 'https:')}/`), { dir: '2' });

    // Each Browser has its own jar.
    await new Browser().get(`${app.url}/echo`);
    assert.equal(last().cookie, undefined);
  });

  test('redirects: followed on the same origin (cookies set on the way), stopped at another origin with its location', async () => {
    const browser = new Browser();
    const page = await browser.get(`${app.url}/start`);
    assert.equal(page.status, 200);
    assert.equal(page.url, `${app.url}/echo?from=middle`);
    assert.equal(page.location, undefined);
    assert.equal(last().cookie, 'hop=1');
    assert.deepEqual(app.seen.slice(-3).map((s) => s.path), ['/start', '/middle', '/echo']);

    const before = other.seen.length;
    const away = await browser.get(`${app.url}/away`);
    assert.equal(away.status, 302);
    assert.equal(away.url, `${app.url}/away`);
    assert.equal(away.location, `${other.url}/cb?code=c0de&state=s1#frag`);
    assert.equal(new URL(away.location!).searchParams.get('code'), 'c0de');
    assert.deepEqual(away.forms, []);
    assert.equal(other.seen.length, before, 'the other origin (the app) is not visited');

    await assert.rejects(browser.get(`${app.url}/loop`), /More than 20 redirects/);

    const json = await browser.get(`${app.url}/json`);
    assert.equal(json.status, 400);
    assert.equal(json.html, undefined);
    assert.equal(json.body, '{"error":"invalid_request"}');
    assert.deepEqual(json.forms, []);
  });

  test('forms: action, method, inputs (hidden ones and buttons too) and their labels', async () => {
    const page = await new Browser().get(`${app.url}/signin`);
    assert.ok(page.html?.includes('to continue to Contoso CRM'));
    assert.equal(page.forms.length, 3);
    const [signIn, consent, search] = page.forms as [Form, Form, Form];
    assert.equal(signIn.action, `${app.url}/login?tenant=contoso`);
    assert.equal(signIn.method, 'post');
    assert.equal(signIn.page, `${app.url}/signin`);
    assert.deepEqual(
      signIn.inputs.map((i) => [i.name, i.type, i.value, i.label]),
      [
        ['flow', 'hidden', 'f-123', undefined],
        ['login', 'text', '', 'User name'],
        ['passwd', 'password', '', 'Password'],
        ['remember', 'checkbox', 'yes', 'Stay signed in'],
        ['locked', 'text', 'x', undefined],
        ['', 'submit', '', 'Sign in'],
      ],
    );
    const login = signIn.inputs.find((i) => i.name === 'login')!;
    assert.equal(login.id, 'login');
    assert.deepEqual(
      [login.attributes.autocomplete, login.attributes['aria-invalid'], login.attributes['aria-describedby']],
      ['username', 'true', 'err'],
    );
    assert.equal(signIn.inputs.find((i) => i.name === 'locked')!.disabled, true);
    assert.equal(consent.action, `${app.url}/consent`, 'resolved against the page');
    assert.deepEqual(
      consent.inputs.map((i) => [i.name, i.value, i.label]),
      [['flow', 'f-123', undefined], ['decision', 'accept', 'Accept'], ['decision', 'cancel', 'Cancel']],
    );
    assert.equal(search.method, 'get');
    assert.equal(search.inputs[1]!.label, 'Go');

    // Without a <form>, or not HTML: none.
    assert.deepEqual(parseForms('<p>no form</p>', app.url), []);
    // <base href> and form="id" as browsers read them.
    const outside = '<base href="http://127.0.0.1:9/dir/"><form id="f" action="x"></form><input form="f" name="outside" value="1">';
    const [based] = parseForms(outside, app.url);
    assert.equal(based!.action, 'http://127.0.0.1:9/dir/x');
    assert.deepEqual(based!.inputs.map((i) => i.name), ['outside']);
  });

  test("submit: the fields as filled in, the pressed button's name and value, Origin; 303 after a POST is a GET", async () => {
    const browser = new Browser();
    const page = await browser.get(`${app.url}/signin`);
    const [signIn, consent] = page.forms as [Form, Form];

    const after = await browser.submit(signIn, { login: 'adele@contoso.com', passwd: 'Pa55 w.rd&=' });
    const post = app.seen.at(-2)!;
    assert.equal(post.method, 'POST');
    assert.equal(post.path, '/login');
    assert.equal(post.contentType, 'application/x-www-form-urlencoded');
    assert.equal(post.origin, app.url);
    assert.equal(post.body, 'flow=f-123&login=adele%40contoso.com&passwd=Pa55+w.rd%26%3D', 'no unchecked box, no disabled field, no unnamed button');
    assert.equal(after.url, `${app.url}/echo?signed=in`);
    assert.equal(last().method, 'GET');
    assert.equal(last().body, '');
    assert.equal(last().origin, undefined);
    assert.equal(last().cookie, 'session=new', 'the cookie the POST set');

    await browser.submit(signIn, { login: 'a', remember: 'yes' }, { button: 'Sign in' });
    assert.equal(app.seen.at(-2)!.body, 'flow=f-123&login=a&passwd=&remember=yes');

    // Buttons by label, by value; the default is the first, as when pressing Enter.
    await browser.submit(consent, {}, { button: 'Cancel' });
    assert.equal(app.seen.at(-2)!.body, 'flow=f-123&decision=cancel');
    await browser.submit(consent, {}, { button: 'accept' });
    assert.equal(app.seen.at(-2)!.body, 'flow=f-123&decision=accept');
    await browser.submit(consent);
    assert.equal(app.seen.at(-2)!.body, 'flow=f-123&decision=accept');
    // A hidden field can be changed (as a tampering user could).
    await browser.submit(consent, { flow: 'other' }, { button: 'Accept' });
    assert.equal(app.seen.at(-2)!.body, 'flow=other&decision=accept');

    const requests = app.seen.length;
    await assert.rejects(browser.submit(signIn, { pasword: 'x' }), /has no field named 'pasword'; it has: flow, login, passwd, remember, locked/);
    await assert.rejects(browser.submit(consent, {}, { button: 'decision' }), /More than one button of the form is 'decision'/);
    await assert.rejects(browser.submit(consent, {}, { button: 'Maybe' }), /no button 'Maybe'; its buttons: 'Accept' \(decision=accept\), 'Cancel'/);
    await assert.rejects(browser.submit(signIn, { remember: 'no' }), /'remember' has no choice of value 'no'/);
    assert.equal(app.seen.length, requests, 'nothing sent');
  });

  test('a 307 repeats the POST with its body', async () => {
    const browser = new Browser();
    const [form] = parseForms('<form method="post" action="/keep"><input name="a" value="1"></form>', `${app.url}/page`);
    const page = await browser.submit(form!);
    assert.equal(page.url, `${app.url}/echo`);
    assert.deepEqual([last().method, last().body, last().origin], ['POST', 'a=1', app.url]);
  });

  test('a get form replaces the query of its action', async () => {
    const [form] = parseForms(`<form action="${app.url}/echo?old=1#top"><input name="q" value="x y"></form>`, app.url);
    const page = await new Browser().submit(form!);
    assert.equal(page.url, `${app.url}/echo?q=x+y#top`);
  });
});

test('pkcePair: a 43-character verifier and its S256 challenge', () => {
  const { verifier, challenge } = pkcePair();
  assert.match(verifier, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(challenge, createHash('sha256').update(verifier, 'ascii').digest('base64url'));
  assert.notEqual(pkcePair().verifier, verifier);
});

test('formPostFields: the action and hidden fields of a response_mode=form_post page', () => {
  const page = `<!doctype html><html><body onload="document.forms[0].submit()">
    <form method="post" action="http://localhost:3000/cb">
      <input type="hidden" name="code" value="c&amp;0de"><input type="hidden" name="state" value="s1">
      <noscript><p>Script is disabled.</p></noscript><input type="submit" value="Continue">
    </form></body></html>`;
  assert.deepEqual(formPostFields(page), { action: 'http://localhost:3000/cb', fields: { code: 'c&0de', state: 's1' } });
  assert.throws(() => formPostFields('<p>nothing</p>'), /one form posting; this one has no form/);
  assert.throws(() => formPostFields('<form action="http://a.example/"></form>'), /one form posting; this one has get http:\/\/a.example\//);
});

describe('startSignInService', () => {
  test('serves https://127.0.0.1 with the run certificate, which this process and its children trust (NODE_EXTRA_CA_CERTS)', async () => {
    const tlsDir = process.env.TEST_TLS_DIR!;
    assert.ok(tlsDir, 'set by test/run.mjs');
    assert.equal(process.env.NODE_EXTRA_CA_CERTS, join(tlsDir, DEV_CERT_FILE));
    const signIn = await startSignInService({ tenants: [{ name: 'contoso', users: [{ userPrincipalName: 'adele@contoso.com' }] }] });
    try {
      assert.match(signIn.authorityHost, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(signIn.authorityHost, signIn.service.url);
      assert.equal(signIn.seeded.tenants[0].name, 'contoso');
      const runCert = new X509Certificate(readFileSync(join(tlsDir, DEV_CERT_FILE)));
      assert.equal(new X509Certificate(readFileSync(join(signIn.service.dataDir, DEV_CERT_FILE))).fingerprint256, runCert.fingerprint256);

      // An https agent of its own (as @azure/identity has) trusts it, with no `ca` given: NODE_EXTRA_CA_CERTS.
      const served = await new Promise<{ status: number; fingerprint: string }>((resolve, reject) => {
        get(`${signIn.authorityHost}/health`, { agent: new Agent() }, (res) => {
          const fingerprint = (res.socket as TLSSocket).getPeerX509Certificate()!.fingerprint256;
          res.resume().on('end', () => resolve({ status: res.statusCode!, fingerprint }));
        }).on('error', reject);
      });
      assert.deepEqual(served, { status: 200, fingerprint: runCert.fingerprint256 });
      // So does another process started with this environment (not spawnSync: the service runs in this process).
      const script = `const r = await fetch(${JSON.stringify(`${signIn.authorityHost}/health`)}); console.log(r.status);`;
      const child = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      assert.equal(child.stdout.trim(), '200', child.stderr);

      // The Browser goes over https too.
      const health = await new Browser().get(`${signIn.authorityHost}/health`);
      assert.equal(health.status, 200);
    } finally {
      await signIn.stop();
    }
  });

  test('without TEST_TLS_DIR (not run through test/run.mjs) it refuses, saying how to run the tests', async () => {
    const saved = process.env.TEST_TLS_DIR;
    delete process.env.TEST_TLS_DIR;
    try {
      await assert.rejects(startSignInService(), /TEST_TLS_DIR is not set: run the tests through `node test\/run\.mjs`/);
    } finally {
      process.env.TEST_TLS_DIR = saved;
    }
  });
});
