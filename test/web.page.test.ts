// The web page (issue 14) end to end in headless Chromium (Debian's, driven by playwright-core): a person signs in
// through the service's own sign-in page with the page's built-in app, adds, edits and deletes a phone, meets the
// service's validation errors, a 429 and a 503 with Retry-After (injected faults), a network failure, and signs out;
// a colleague's read-only view; the same by keyboard alone; 360 px wide; axe-core on each screen, light and dark.
// Every step is checked on screen and against the API (GET /beta/users/{upn}/profile/phones with a development token).
//
// Each test has a user of its own (one tenant), a fresh browser context (no cookies, empty sessionStorage) and signs in.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import {
  assertSecureContext,
  checkAccessibilityLightAndDark,
  startServiceAndBrowser,
  waitUntil,
  WAIT_MS,
  watchPage,
} from './support/browser.ts';
import { seededUser, TEST_PASSWORD, type SignInService } from './support/signIn.ts';

const upn = (name: string) => `${name}@contoso.com`;

// Adele shares one phone with her organization and keeps one to herself: a colleague sees only the first.
const ADELE_SHARED = { number: '+1 425 555 0170', displayName: 'Desk', type: 'business', allowedAudiences: 'organization' };
const ADELE_PRIVATE = { number: '+1 425 555 0171', displayName: 'Home line', type: 'home', allowedAudiences: 'me' };

const seed = {
  tenants: [
    {
      name: 'contoso',
      users: [
        seededUser('adele', 'Adele Vance', { phones: [ADELE_SHARED, ADELE_PRIVATE] }),
        seededUser('pat', 'Pat Phones'), // add, edit, validation, delete, sign out
        seededUser('ria', 'Ria Retry'), // 429, 503, network failure
        seededUser('kim', 'Kim Keys'), // keyboard only
        seededUser('nia', 'Nia Narrow', { phones: [{ number: '+44 20 7946 0958 ext. 1234', displayName: 'London office, reception desk' }] }),
        seededUser('axel', 'Axel Access', { phones: [{ number: '+1 425 555 0190', type: 'mobile', allowedAudiences: 'organization' }] }),
        seededUser('cole', 'Cole League'), // the colleague view
        seededUser('tess', 'Tess Token', { phones: [{ number: '+1 425 555 0160', type: 'mobile' }] }), // a 401
      ],
    },
  ],
};

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('the web page in Chromium', () => {
  let svc: SignInService;
  let browser: Browser;
  let origin: string;
  const tokens = new Map<string, string>();

  before(async () => {
    ({ svc, browser } = await startServiceAndBrowser(seed));
    origin = svc.authorityHost;
  });
  after(async () => {
    await browser?.close();
    await svc?.stop();
  });

  /** A development token for `user` (User.ReadWrite, and User.ReadBasic.All to read a colleague). */
  async function tokenOf(user: string): Promise<string> {
    if (!tokens.has(user)) tokens.set(user, await svc.service.token(['--user', upn(user), '--scopes', 'User.ReadWrite User.ReadBasic.All']));
    return tokens.get(user)!;
  }

  /** `owner`'s phones as the API answers `reader` (default: the owner). */
  async function apiPhones(owner: string, reader = owner): Promise<any[]> {
    const res = await svc.service.request('GET', `/beta/users/${upn(owner)}/profile/phones`, { token: await tokenOf(reader) });
    assert.equal(res.status, 200, res.text);
    return res.json.value;
  }

  /** A new context (no cookies, no sessionStorage) on `path`, with what it must never report watched. */
  async function open(path = '/'): Promise<{ context: BrowserContext; page: Page; problems: () => string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    const { problems } = watchPage(page, origin);
    await page.goto(origin + path);
    return { context, page, problems };
  }

  /** On the service's sign-in page: waits for it, then types the user name and password and presses "Sign in". */
  async function signInOnServicePage(page: Page, user: string, check?: () => Promise<void>): Promise<void> {
    await page.waitForURL((url) => url.origin === origin && url.pathname.endsWith('/oauth2/v2.0/authorize'));
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await check?.();
    await page.getByLabel('User name').fill(upn(user));
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  /** Signs `user` in from the signed-out page and waits for "My phones". */
  async function signIn(user: string) {
    const opened = await open('/');
    const { page } = opened;
    await assertSecureContext(page);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await signInOnServicePage(page, user);
    await page.waitForURL((url) => url.origin === origin && url.pathname === '/');
    await myPhonesHeading(page).waitFor();
    return opened;
  }

  const myPhonesHeading = (page: Page) => page.getByRole('heading', { level: 1, name: 'My phones', exact: true });

  /** The list item of the phone whose tel: link reads `number`. */
  const phoneItem = (page: Page, number: string) =>
    page.getByRole('listitem').filter({ has: page.getByRole('link', { name: number, exact: true }) });

  const editButton = (page: Page, number: string) => page.getByRole('button', { name: new RegExp(`^Edit\\b.*${escape(number)}`) });
  const deleteButton = (page: Page, number: string) => page.getByRole('button', { name: new RegExp(`^Delete\\b.*${escape(number)}`) });

  /** Waits until the list shows `number` with these words (name, type, audience); returns its item. */
  async function listed(page: Page, number: string, words: string[]): Promise<Locator> {
    const item = phoneItem(page, number);
    await item.waitFor();
    // Each word is a line of its own (or a line's value after "Label: "): "Home" must not pass for "Home fax".
    let lines: string[] = [];
    await waitUntil(`the item of ${number} to read ${words.join(', ')}`, async () => {
      lines = (await item.innerText()).split('\n').map((l) => l.trim().replace(/\s+/g, ' '));
      return words.every((w) => lines.some((l) => l === w || l.endsWith(`: ${w}`))) ? true : undefined;
    }).catch((err: Error) => {
      throw new Error(`${err.message} It reads: ${JSON.stringify(lines)}`);
    });
    const href = await item.getByRole('link', { name: number, exact: true }).getAttribute('href');
    assert.ok(href !== null && href.startsWith('tel:'), `the number is a tel: link, not ${href}`);
    assert.equal(href.replace(/\D/g, ''), number.replace(/\D/g, ''), `the tel: link ${href} dials ${number}`);
    return item;
  }

  /** The open form (a dialog or a section) holding the field "Number". */
  const form = (page: Page) => page.locator('form').filter({ has: page.getByLabel('Number') });

  /** The field's error: aria-invalid="true", and the text of the elements its aria-describedby names (visible). */
  async function fieldError(field: Locator): Promise<string> {
    await waitUntil('the field to be marked aria-invalid="true"', async () =>
      (await field.getAttribute('aria-invalid')) === 'true' ? true : undefined,
    );
    const describedBy = await field.getAttribute('aria-describedby');
    assert.ok(describedBy, 'an invalid field names its message with aria-describedby');
    const texts: string[] = [];
    for (const id of describedBy.split(/\s+/).filter(Boolean)) {
      const message = field.page().locator(`[id="${id}"]`);
      assert.equal(await message.count(), 1, `aria-describedby names an element that exists: ${id}`);
      if (await message.isVisible()) texts.push((await message.innerText()).trim());
    }
    const text = texts.join(' ').trim();
    assert.ok(text.length > 0, `the message aria-describedby names (${describedBy}) has visible text`);
    return text;
  }

  /** The text of the role=alert regions that say something (waits for one to). */
  async function alertText(scope: Page | Locator, pattern = /\S/): Promise<string> {
    return waitUntil(`a role=alert region saying ${pattern}`, async () => {
      for (const text of await scope.getByRole('alert').allInnerTexts()) if (pattern.test(text)) return text.trim();
      return undefined;
    });
  }

  function assertNoProblems(problems: () => string[]) {
    assert.deepEqual(problems(), [], 'no uncaught error, no Content-Security-Policy refusal and no request to another origin');
  }

  test('sign in, the empty list, add, edit, validation errors, delete, sign out: on screen and in the API', async () => {
    const { context, page, problems } = await signIn('pat');
    try {
      // Signed in as Pat: the page says who, and offers "Sign out".
      await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
      assert.ok((await page.locator('body').innerText()).includes('Pat Phones'), 'the page names the signed-in person');

      // Empty state: it says what to do.
      const empty = page.getByText(/no phones yet/i);
      await empty.waitFor();
      assert.match(await empty.innerText(), /Add phone/);
      assert.deepEqual(await apiPhones('pat'), []);

      // Add a phone.
      await page.getByRole('button', { name: 'Add phone', exact: true }).click();
      const number = '+1 425 555 0100';
      await page.getByLabel('Number').fill(number);
      await page.getByLabel('Name').fill('Work mobile');
      await page.getByLabel('Type').selectOption({ label: 'Mobile' });
      await page.getByLabel('Visible to').selectOption({ label: 'Everyone in your organization' });
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await form(page).waitFor({ state: 'detached' });
      await listed(page, number, ['Work mobile', 'Mobile', 'Everyone in your organization']);
      assert.equal(await empty.count(), 0, 'the empty state is gone');
      let stored = await apiPhones('pat');
      assert.equal(stored.length, 1);
      assert.equal(stored[0].number, number);
      assert.equal(stored[0].displayName, 'Work mobile');
      assert.equal(stored[0].type, 'mobile');
      assert.equal(stored[0].allowedAudiences, 'organization');
      const id = stored[0].id;

      // Edit it: the same form, pre-filled.
      await editButton(page, number).click();
      assert.equal(await page.getByLabel('Number').inputValue(), number);
      assert.equal(await page.getByLabel('Name').inputValue(), 'Work mobile');
      assert.equal(await page.getByLabel('Type').inputValue(), 'mobile');
      await page.getByLabel('Name').fill('Personal mobile');
      await page.getByLabel('Visible to').selectOption({ label: 'Only me' });
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await form(page).waitFor({ state: 'detached' });
      await listed(page, number, ['Personal mobile', 'Mobile', 'Only me']);
      stored = await apiPhones('pat');
      assert.equal(stored.length, 1);
      assert.equal(stored[0].id, id, 'edited in place');
      assert.equal(stored[0].displayName, 'Personal mobile');
      assert.equal(stored[0].allowedAudiences, 'me');
      const before = JSON.stringify(stored);

      // Validation: an empty number, then a 257-character name (the service's limit is 256), each next to its field.
      await editButton(page, number).click();
      const numberField = page.getByLabel('Number');
      const nameField = page.getByLabel('Name');
      await numberField.fill('');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      const numberError = await fieldError(numberField);
      assert.match(numberError, /number/i, `the message is about the number: ${numberError}`);
      await alertText(form(page), /number/i); // and said in the form's role=alert region
      assert.notEqual(await nameField.getAttribute('aria-invalid'), 'true', 'only the number is marked');
      assert.equal(JSON.stringify(await apiPhones('pat')), before, 'nothing changed in the API');

      await numberField.fill(number);
      await nameField.fill('n'.repeat(257));
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      const nameError = await fieldError(nameField);
      assert.match(nameError, /name/i, `the message is about the name: ${nameError}`);
      assert.match(nameError, /256/, `the message says the limit: ${nameError}`);
      await alertText(form(page), /name/i);
      await waitUntil('the number to be valid again', async () => ((await numberField.getAttribute('aria-invalid')) !== 'true' ? true : undefined));
      assert.equal(await nameField.inputValue(), 'n'.repeat(257), 'what was typed is kept');
      assert.equal(JSON.stringify(await apiPhones('pat')), before, 'nothing changed in the API');

      // Cancel: the form goes, the phone is as it was.
      await page.getByRole('button', { name: 'Cancel', exact: true }).click();
      await form(page).waitFor({ state: 'detached' });
      await listed(page, number, ['Personal mobile', 'Only me']);

      // Delete it, confirming in a dialog.
      await deleteButton(page, number).click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      assert.ok((await dialog.innerText()).includes(number), 'the dialog names the phone');
      await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
      await phoneItem(page, number).waitFor({ state: 'detached' });
      await page.getByText(/no phones yet/i).waitFor();
      assert.deepEqual(await apiPhones('pat'), []);

      // Sign out: the signed-out screen; signing in again asks for the password again.
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await page.waitForURL((url) => url.origin === origin && url.pathname === '/');
      await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
      assert.equal(await myPhonesHeading(page).count(), 0);
      assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);
      await page.reload();
      await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
      assert.equal(await myPhonesHeading(page).count(), 0, 'still signed out after a reload');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByLabel('Password').waitFor(); // the sign-in page's session ended too
      assertNoProblems(problems);
    } finally {
      await context.close();
    }
  });

  test('a 429 and a 503 with Retry-After: the page says it waits, then retries; a network failure keeps what was typed', async () => {
    const { context, page, problems } = await signIn('ria');
    try {
      await page.getByText(/no phones yet/i).waitFor();
      const addFault = async (fault: unknown) => {
        const res = await svc.service.request('POST', '/_emulator/faults', { body: fault });
        assert.equal(res.status, 201, res.text);
      };

      // POST answered 429 once, with Retry-After: 2.
      await addFault({ match: { method: 'POST', path: '/beta/me/profile/phones' }, respond: { status: 429, retryAfterSeconds: 2 }, times: 1 });
      const phonesUrl = `${origin}/beta/me/profile/phones`;
      const throttled = page.waitForResponse((r) => r.request().method() === 'POST' && r.url() === phonesUrl && r.status() === 429);
      await page.getByRole('button', { name: 'Add phone', exact: true }).click();
      await page.getByLabel('Number').fill('+1 425 555 0110');
      await page.getByLabel('Type').selectOption({ label: 'Home' });
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await throttled;
      await page.getByRole('status').filter({ hasText: /Waiting 2 seconds/ }).waitFor();
      await listed(page, '+1 425 555 0110', ['Home']);
      let stored = await apiPhones('ria');
      assert.deepEqual(stored.map((p) => p.number), ['+1 425 555 0110'], 'stored once: the 429 stored nothing, the retry did');
      assert.deepEqual((await svc.service.request('GET', '/_emulator/faults')).json.value, [], 'the fault was met');

      // The list's GET answered 503 once (Retry-After: 1 by default).
      await addFault({ match: { method: 'GET', path: '/beta/me/profile/phones' }, respond: { status: 503 }, times: 1 });
      const unavailable = page.waitForResponse((r) => r.url() === `${origin}/beta/me/profile/phones` && r.status() === 503);
      await page.reload();
      await unavailable;
      await page.getByRole('status').filter({ hasText: /Waiting 1 second/ }).waitFor();
      await listed(page, '+1 425 555 0110', ['Home']);
      assert.deepEqual((await svc.service.request('GET', '/_emulator/faults')).json.value, []);

      // The network fails on the next POST: the form says so and keeps every value typed.
      let aborted = 0;
      await page.route(`${origin}/beta/me/profile/phones`, async (route) => {
        if (route.request().method() === 'POST' && aborted === 0) {
          aborted++;
          await route.abort('internetdisconnected');
        } else {
          await route.continue();
        }
      });
      await page.getByRole('button', { name: 'Add phone', exact: true }).click();
      await page.getByLabel('Number').fill('+1 425 555 0111');
      await page.getByLabel('Name').fill('Lake house');
      await page.getByLabel('Type').selectOption({ label: 'Other' });
      await page.getByLabel('Visible to').selectOption({ label: 'My family' });
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      const said = await alertText(page, /reach|network|connection|offline/i);
      assert.equal(aborted, 1);
      assert.ok(said.length > 0);
      await form(page).waitFor(); // still open
      assert.equal(await page.getByLabel('Number').inputValue(), '+1 425 555 0111');
      assert.equal(await page.getByLabel('Name').inputValue(), 'Lake house');
      assert.equal(await page.getByLabel('Type').inputValue(), 'other');
      assert.equal(await page.getByLabel('Visible to').inputValue(), 'family');
      stored = await apiPhones('ria');
      assert.deepEqual(stored.map((p) => p.number), ['+1 425 555 0110'], 'nothing reached the service');

      // The network is back: Save again, and it is stored as typed.
      await page.unroute(`${origin}/beta/me/profile/phones`);
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await form(page).waitFor({ state: 'detached' });
      await listed(page, '+1 425 555 0111', ['Lake house', 'Other', 'My family']);
      stored = await apiPhones('ria');
      const lake = stored.find((p) => p.number === '+1 425 555 0111');
      assert.equal(stored.length, 2);
      assert.equal(lake?.displayName, 'Lake house');
      assert.equal(lake?.type, 'other');
      assert.equal(lake?.allowedAudiences, 'family');
      assertNoProblems(problems);
    } finally {
      await context.close();
    }
  });

  test("a colleague's view: only what they share with the organization, read-only, as the API shows it", async () => {
    // Opened signed out at /?user=...: after the sign-in page, the person is back on the colleague's view.
    const { context, page, problems } = await open(`/?user=${encodeURIComponent(upn('adele'))}`);
    try {
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await signInOnServicePage(page, 'cole');
      await page.waitForURL((url) => url.origin === origin && url.pathname === '/' && url.searchParams.get('user') === upn('adele'));
      await page.getByRole('heading', { level: 1, name: /Adele Vance's phones|Phones of adele@contoso\.com/ }).waitFor();
      await listed(page, ADELE_SHARED.number, ['Desk', 'Everyone in your organization']);
      assert.equal(await page.getByRole('main').getByRole('listitem').count(), 1, 'one phone listed');
      assert.ok(!(await page.locator('body').innerText()).includes(ADELE_PRIVATE.number), 'the phone Adele keeps to herself is not shown');
      assert.equal(await page.getByRole('button', { name: /^(Add phone|Edit|Delete)/ }).count(), 0, 'read-only: no Add, Edit or Delete');
      // The API shows Cole the same: the shared phone only.
      assert.deepEqual((await apiPhones('adele', 'cole')).map((p) => p.number), [ADELE_SHARED.number]);
      assert.equal((await apiPhones('adele')).length, 2, 'Adele herself has two');
      assertNoProblems(problems);
    } finally {
      await context.close();
    }
  });

  test('a 401 from the API sends the person to sign in again, and back to their phones', async () => {
    const { context, page, problems } = await signIn('tess');
    try {
      await listed(page, '+1 425 555 0160', ['Mobile']);
      const res = await svc.service.request('POST', '/_emulator/faults', {
        body: { match: { method: 'GET', path: '/beta/me/profile/phones' }, respond: { status: 401 }, times: 1 },
      });
      assert.equal(res.status, 201, res.text);
      const refused = page.waitForResponse((r) => r.url() === `${origin}/beta/me/profile/phones` && r.status() === 401);
      const toSignIn = page.waitForRequest((r) => r.isNavigationRequest() && new URL(r.url()).pathname.endsWith('/oauth2/v2.0/authorize'));
      await page.reload();
      await refused;
      await toSignIn;
      // The sign-in page asks again or, while its session lasts, sends the person straight back: either way, back here.
      await page.getByLabel('Password').or(myPhonesHeading(page)).waitFor();
      if (await page.getByLabel('Password').isVisible()) await signInOnServicePage(page, 'tess');
      await page.waitForURL((url) => url.origin === origin && url.pathname === '/');
      await listed(page, '+1 425 555 0160', ['Mobile']);
      assertNoProblems(problems);
    } finally {
      await context.close();
    }
  });

  test('keyboard only: add a phone with Tab, typing and Enter, with a visible focus at every step', async () => {
    const { context, page, problems } = await signIn('kim');
    try {
      await page.getByText(/no phones yet/i).waitFor();
      await page.locator('body').focus(); // start from the top of the page, as after a load

      /** What has focus, and whether it shows: an outline or a box-shadow (computed style). */
      const focused = () =>
        page.evaluate(() => {
          const { document, getComputedStyle } = globalThis as any; // the page's (no DOM library in the tests' tsconfig)
          const el = document.activeElement;
          if (!el || el === document.body) return { name: '', tag: 'body', visible: false };
          const style = getComputedStyle(el);
          const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
          const shadow = style.boxShadow !== 'none' && style.boxShadow !== '';
          const label: string = el.labels?.[0]?.textContent ?? el.getAttribute('aria-label') ?? el.textContent ?? '';
          return { name: label.trim().replace(/\s+/g, ' '), tag: String(el.tagName).toLowerCase(), visible: outline || shadow };
        });
      const tab = async (to: RegExp) => {
        await page.keyboard.press('Tab');
        const now = await focused();
        assert.match(now.name, to, `Tab moves focus to ${to}, not to <${now.tag}> "${now.name}"`);
        assert.ok(now.visible, `the focus on <${now.tag}> "${now.name}" is visible (outline or box-shadow)`);
      };

      // Tab to "Add phone" (past the banner's links and buttons), each stop visibly focused.
      let stops = 0;
      for (;;) {
        await page.keyboard.press('Tab');
        const now = await focused();
        assert.ok(now.visible, `the focus on <${now.tag}> "${now.name}" is visible (outline or box-shadow)`);
        if (now.tag === 'button' && now.name === 'Add phone') break;
        assert.ok(++stops < 15, `"Add phone" is reached with Tab (stopped at <${now.tag}> "${now.name}")`);
      }
      await page.keyboard.press('Enter');
      await form(page).waitFor();
      await waitUntil('focus in the field "Number"', async () => ((await focused()).name === 'Number' ? true : undefined));
      await page.keyboard.type('+1 425 555 0120');
      await tab(/^Name$/);
      await page.keyboard.type('Front desk');
      await tab(/^Type$/);
      await page.keyboard.type('Pager'); // a closed select's type-ahead (it searches on from the current choice): the one P
      await tab(/^Visible to$/);
      await page.keyboard.type('Only'); // "Only me"
      await tab(/^Save$/);
      await page.keyboard.press('Enter');
      await form(page).waitFor({ state: 'detached' });
      await listed(page, '+1 425 555 0120', ['Front desk', 'Pager', 'Only me']);
      const stored = await apiPhones('kim');
      assert.equal(stored.length, 1);
      const { number, displayName, type, allowedAudiences } = stored[0];
      const expected = { number: '+1 425 555 0120', displayName: 'Front desk', type: 'pager', allowedAudiences: 'me' };
      assert.deepEqual({ number, displayName, type, allowedAudiences }, expected);
      // After the dialog, focus is back on the page (not lost to <body>), and shows.
      const after = await focused();
      assert.notEqual(after.tag, 'body', 'focus returns to the page after the dialog closes');
      assert.ok(after.visible, `the focus on <${after.tag}> "${after.name}" is visible`);
      assertNoProblems(problems);
    } finally {
      await context.close();
    }
  });

  test('at 360 px wide nothing scrolls sideways: the list, the form and the colleague view', async () => {
    const { context, page, problems } = await signIn('nia');
    try {
      await page.setViewportSize({ width: 360, height: 740 });
      const number = '+44 20 7946 0958 ext. 1234';
      await listed(page, number, ['London office, reception desk']);
      const noSideways = async (what: string) => {
        const width = await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number);
        assert.ok(width <= 360, `${what} at 360 px: the page is ${width} px wide (scrolls sideways)`);
      };
      await noSideways('the list');
      await editButton(page, number).click();
      await form(page).waitFor();
      await noSideways('the form');
      await page.getByRole('button', { name: 'Cancel', exact: true }).click();
      await form(page).waitFor({ state: 'detached' });
      await page.goto(`${origin}/?user=${encodeURIComponent(upn('adele'))}`);
      await listed(page, ADELE_SHARED.number, ['Desk']);
      await noSideways("a colleague's view");
      assertNoProblems(problems);
    } finally {
      await context.close();
    }
  });

  test('axe-core on each screen, light and dark: signed out, sign-in page, list, form with errors, delete dialog, colleague view', async () => {
    const { context, page, problems } = await open('/');
    try {
      await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
      await checkAccessibilityLightAndDark(page, 'the signed-out page');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await signInOnServicePage(page, 'axel', () => checkAccessibilityLightAndDark(page, 'the sign-in page'));
      await myPhonesHeading(page).waitFor();
      const number = '+1 425 555 0190';
      await listed(page, number, ['Mobile', 'Everyone in your organization']);
      await checkAccessibilityLightAndDark(page, 'the list');

      await editButton(page, number).click();
      await page.getByLabel('Number').fill('');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await fieldError(page.getByLabel('Number'));
      await checkAccessibilityLightAndDark(page, 'the form with an error');
      await page.getByRole('button', { name: 'Cancel', exact: true }).click();
      await form(page).waitFor({ state: 'detached' });

      await deleteButton(page, number).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).waitFor();
      await checkAccessibilityLightAndDark(page, 'the delete dialog');
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel', exact: true }).click();
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      assert.equal((await apiPhones('axel')).length, 1, 'cancelled: nothing deleted');

      await page.goto(`${origin}/?user=${encodeURIComponent(upn('adele'))}`);
      await listed(page, ADELE_SHARED.number, ['Desk']);
      await checkAccessibilityLightAndDark(page, "a colleague's view");
      assertNoProblems(problems);
    } finally {
      await context.close();
    }
  });
});
