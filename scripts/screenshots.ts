// `npm run screenshots`: the web page's screenshots in docs/screenshots/ (shown in the README), made afresh: the
// service in memory over https (a development certificate made in a temporary folder, trusted by Chromium by its
// public key as the browser tests do), a seeded person with a few phones signed in through the sign-in page, then
// the list at desktop and 360 px wide, light and dark, and the add-phone form (desktop, light).
// Needs the build (dist/web): the npm script runs scripts/build.mjs first.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.ts';
import { startService } from '../src/serve.ts';
import { loadOrCreateDevCertificate } from '../src/tls.ts';
import { launchBrowser } from '../test/support/browser.ts';

const OUT = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const PASSWORD = 'Screenshots-0nly';
const DESKTOP = { width: 1280, height: 800 };
const NARROW = { width: 360, height: 740 };

const seed = {
  tenants: [
    {
      name: 'contoso',
      users: [
        {
          userPrincipalName: 'megan@contoso.com',
          displayName: 'Megan Bowen',
          password: PASSWORD,
          phones: [
            { number: '+1 425 555 0109', displayName: 'Mobile', type: 'mobile', allowedAudiences: 'organization' },
            { number: '+1 425 555 0100 ext. 4521', displayName: 'Desk, building 4', type: 'business', allowedAudiences: 'organization' },
            { number: '+1 206 555 0142', displayName: 'Home', type: 'home', allowedAudiences: 'family' },
            { number: '+1 425 555 0199', displayName: 'Team fax', type: 'businessFax', allowedAudiences: 'everyone' },
          ],
        },
      ],
    },
  ],
};

const dataDir = mkdtempSync(join(tmpdir(), 'phones-screenshots-'));
try {
  // The service finds this certificate in its DATA_DIR (IN_MEMORY keeps the data in memory; the key and certificate
  // are read from DATA_DIR when it is given). No environment: the settings are these alone.
  const { cert } = await loadOrCreateDevCertificate(dataDir);
  const settings = ['--port', '0', '--host', '127.0.0.1', '--in-memory', 'true', '--data-dir', dataDir, '--tls', 'true', '--log-level', 'warn'];
  const config = loadConfig(settings, {});
  const service = await startService(config);
  const browser = await launchBrowser(cert).catch(async (err: unknown) => {
    await service.stop();
    throw err;
  });
  try {
    // One phone at a time, a few milliseconds apart: the list is in creation order (createdDateTime, then the random
    // id), so phones created in one go would come in a different order on each run, and so would the pictures.
    const [tenant] = seed.tenants;
    const [person] = tenant!.users;
    for (const phone of person!.phones) {
      await service.emulator!.seed({ tenants: [{ name: tenant!.name, users: [{ ...person!, phones: [phone] }] }] });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const page = await browser.newPage({ viewport: DESKTOP });
    page.setDefaultTimeout(30_000);
    await page.goto(`${service.url}/`);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByLabel('User name').fill('megan@contoso.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'My phones' }).waitFor();
    await page.getByRole('link', { name: seed.tenants[0]!.users[0]!.phones.at(-1)!.number }).waitFor();

    mkdirSync(OUT, { recursive: true });
    const shoot = async (name: string, fullPage = true) => {
      await page.evaluate(() => (globalThis as any).document.fonts.ready);
      await page.screenshot({ path: join(OUT, name), fullPage, animations: 'disabled', caret: 'hide' });
      console.log(`docs/screenshots/${name}`);
    };
    for (const [size, viewport] of [['desktop', DESKTOP], ['360', NARROW]] as const) {
      await page.setViewportSize(viewport);
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        await shoot(`phones-${size}-${colorScheme}.png`);
      }
    }
    // The add-phone form, partly filled in: the window only (a modal's backdrop covers the window, not the whole page).
    await page.setViewportSize(DESKTOP);
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByRole('button', { name: 'Add phone', exact: true }).click();
    await page.getByLabel('Number').fill('+1 425 555 0123');
    await page.getByLabel('Name').fill('Car');
    await page.getByLabel('Type').selectOption({ label: 'Mobile' });
    await shoot('phones-add-desktop-light.png', false);
  } finally {
    await browser.close();
    await service.stop();
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
