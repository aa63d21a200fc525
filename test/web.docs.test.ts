// The API page, /beta/docs (issue 14): Swagger UI bundled with the service, fed by /beta/openapi.json. In headless
// Chromium: it loads with no request to another origin, lists the operations, the person signs in from its bar (the
// same sign-in as the page), and "Try it out" on GET /me/profile/phones answers 200, sent with the person's token.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Request } from 'playwright-core';
import { assertSecureContext, checkAccessibilityLightAndDark, startServiceAndBrowser, waitUntil, WAIT_MS, watchPage } from './support/browser.ts';
import { seededUser, TEST_PASSWORD, type SignInService } from './support/signIn.ts';

const PHONE = { number: '+1 425 555 0180', displayName: 'Docs desk', type: 'business' };
const seed = { tenants: [{ name: 'contoso', users: [seededUser('dora', 'Dora Docs', { phones: [PHONE] })] }] };

describe('the API page (/beta/docs) in Chromium', () => {
  let svc: SignInService;
  let browser: Browser;
  let origin: string;

  before(async () => {
    ({ svc, browser } = await startServiceAndBrowser(seed));
    origin = svc.authorityHost;
  });
  after(async () => {
    await browser?.close();
    await svc?.stop();
  });

  test('bundled (no other origin), lists the operations, signs in from its bar, and "Try it out" answers 200 with the token', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(WAIT_MS);
      const { problems } = watchPage(page, origin);
      const requests: Request[] = [];
      page.on('request', (r) => requests.push(r));

      await page.goto(`${origin}/beta/docs`);
      await assertSecureContext(page);
      // The operations, from /beta/openapi.json.
      const operation = page.locator('.opblock-get').filter({ has: page.locator('.opblock-summary-path[data-path="/beta/me/profile/phones"]') });
      await operation.waitFor();
      assert.ok((await page.locator('.opblock').count()) >= 5, 'Swagger UI lists the API operations');
      assert.ok(requests.some((r) => r.url() === `${origin}/beta/openapi.json`), 'fed by /beta/openapi.json');
      await checkAccessibilityLightAndDark(page, 'the API page, signed out');

      // Sign in from the page's bar, through the service's sign-in page, back to /beta/docs.
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL((url) => url.origin === origin && url.pathname.endsWith('/oauth2/v2.0/authorize'));
      await page.getByLabel('User name').fill('dora@contoso.com');
      await page.getByLabel('Password').fill(TEST_PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL((url) => url.origin === origin && url.pathname === '/beta/docs');
      await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor(); // signed in
      await page.getByRole('status').filter({ hasText: 'Dora Docs' }).waitFor();
      await operation.waitFor();

      // Try it out: GET /me/profile/phones.
      await operation.locator('.opblock-summary').first().click();
      await operation.getByRole('button', { name: 'Try it out' }).click();
      const call = page.waitForResponse((r) => r.request().method() === 'GET' && new URL(r.url()).pathname === '/beta/me/profile/phones');
      await operation.getByRole('button', { name: 'Execute' }).click();
      const answer = await call;
      assert.equal(answer.status(), 200, await answer.text());
      const authorization = await answer.request().headerValue('authorization');
      assert.match(authorization ?? '', /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/, 'the request carries the signed-in person\'s token');
      assert.deepEqual(((await answer.json()) as any).value.map((p: any) => p.number), [PHONE.number], "Dora's phones");
      // What Swagger UI shows of the answer: the status 200 and the phone.
      const live = operation.locator('.live-responses-table');
      await waitUntil('Swagger UI to show the 200 answer', async () => {
        const text = await live.innerText();
        return /\b200\b/.test(text) && text.includes(PHONE.number) ? true : undefined;
      });

      await checkAccessibilityLightAndDark(page, 'the API page, an operation tried');

      // Nothing came from another origin (no CDN, no validator badge, no fonts).
      const elsewhere = requests.map((r) => r.url()).filter((u) => !u.startsWith('data:') && new URL(u).origin !== origin);
      assert.deepEqual(elsewhere, [], 'every request goes to the service itself');
      assert.deepEqual(problems(), [], 'no uncaught error and no Content-Security-Policy refusal on the page');
    } finally {
      await context.close();
    }
  });
});
