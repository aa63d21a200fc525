// The browser tests' Chromium: Debian's /usr/bin/chromium (installed by .ci/run), driven by playwright-core, never a
// downloaded browser. It trusts the service's development certificate by its public key, and checks pages with axe-core.
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEV_CERT_FILE } from '../../src/tls.ts';
import { startSignInService, type SignInService } from './signIn.ts';

export const CHROMIUM = '/usr/bin/chromium';

/** How long a wait for the page may take before it fails (a slow CI machine, a cold service). */
export const WAIT_MS = 15_000;

/**
 * The base64 SHA-256 of a certificate's SubjectPublicKeyInfo (DER): what Chromium's
 * --ignore-certificate-errors-spki-list takes to accept a certificate with that key.
 */
export function spkiHash(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/**
 * Headless Chromium trusting `certPem` (default: the run's development certificate, TEST_TLS_DIR/dev-tls-cert.pem).
 *
 * Trust by public key (--ignore-certificate-errors-spki-list) rather than the context's ignoreHTTPSErrors: only this
 * key is accepted (another certificate still fails with ERR_CERT_AUTHORITY_INVALID, as it would for a person), and the
 * connection is an ordinary valid one, the page a secure context with crypto.subtle, which MSAL.js needs for PKCE
 * (assertSecureContext checks it). Chromium reads the flag only with a --user-data-dir, which playwright always gives.
 */
export async function launchBrowser(certPem?: string): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the browser tests drive Debian's Chromium and never download one. Install it as .ci/run does: ` +
        '`apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium` (as root).',
    );
  }
  const pem = certPem ?? runCertificate();
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', // CI runs as root, where Chromium's sandbox cannot start
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-default-apps',
      '--disable-extensions',
      '--disable-dev-shm-usage', // containers give /dev/shm 64 MB
      `--ignore-certificate-errors-spki-list=${spkiHash(pem)}`,
    ],
  });
}

function runCertificate(): string {
  const dir = process.env.TEST_TLS_DIR;
  if (!dir) {
    throw new Error('TEST_TLS_DIR is not set: run the browser tests through `node test/run.mjs`, which makes the certificate the service serves.');
  }
  return readFileSync(join(dir, DEV_CERT_FILE), 'utf8');
}

/** Fails unless the page is a secure context with WebCrypto (what MSAL.js needs): the certificate is trusted. */
export async function assertSecureContext(page: Page): Promise<void> {
  // In the page (the project's tsconfig has no DOM library: the page's globals are reached through globalThis).
  const secure = await page.evaluate(() => {
    const w = globalThis as any;
    return { secure: w.isSecureContext === true, subtle: typeof w.crypto?.subtle?.digest === 'function' };
  });
  if (!secure.secure || !secure.subtle) {
    throw new Error(`${page.url()} is not a secure context with crypto.subtle (isSecureContext ${secure.secure}, subtle ${secure.subtle}).`);
  }
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/**
 * Runs axe-core 4.11.0 on the page as it is now (WCAG 2.0 and 2.1, A and AA) and fails listing every serious or
 * critical violation: rule, impact, help and the elements' selectors.
 *
 * axe is evaluated through the DevTools protocol (page.evaluate) rather than page.addScriptTag: the pages' strict
 * Content-Security-Policy (script-src 'self', or a nonce on the sign-in pages) refuses the inline <script> that
 * addScriptTag writes, and the tests keep the CSP in force (no bypassCSP) so that they also prove the pages work
 * under it.
 */
export async function checkAccessibility(page: Page, label: string): Promise<void> {
  await page.evaluate(axeSource);
  const violations = (await page.evaluate(async () => {
    const { axe, document } = globalThis as any;
    const runOnly = { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] };
    const result = await axe.run(document, { runOnly, resultTypes: ['violations'] });
    return result.violations;
  })) as AxeViolation[];
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (serious.length > 0) {
    const where = (n: AxeViolation['nodes'][number]) =>
      `    ${JSON.stringify(n.target)}${n.failureSummary ? `: ${n.failureSummary.replace(/\s+/g, ' ')}` : ''}`;
    const lines = serious.map((v) => `- ${v.id} (${v.impact}): ${v.help} ${v.helpUrl}\n${v.nodes.map(where).join('\n')}`);
    throw new Error(`axe: ${serious.length} serious or critical accessibility violation(s) on ${label} (${page.url()}):\n${lines.join('\n')}`);
  }
}

/** checkAccessibility in the light colour scheme and the dark one (prefers-color-scheme); the page is left light. */
export async function checkAccessibilityLightAndDark(page: Page, label: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await checkAccessibility(page, `${label}, ${colorScheme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` saying what was awaited. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}.`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Collects what a page reports that should never happen: uncaught exceptions, the console's Content-Security-Policy
 * refusals (a page that breaks its own policy), and, given `origin`, any request elsewhere (a CDN, a font, a
 * tracker: the pages are served whole by the service). `problems()` lists them so far.
 */
export function watchPage(page: Page, origin?: string): { problems: () => string[] } {
  const seen: string[] = [];
  page.on('pageerror', (err) => seen.push(`uncaught ${err.name}: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) seen.push(`CSP: ${msg.text()}`);
  });
  if (origin !== undefined) {
    page.on('request', (r) => {
      const url = new URL(r.url());
      const elsewhere = url.protocol !== 'data:' && url.protocol !== 'blob:' && url.origin !== origin;
      if (elsewhere) seen.push(`a request to another origin: ${r.method()} ${r.url()}`);
    });
  }
  return { problems: () => [...seen] };
}

/**
 * The sign-in service (seeded) and a browser, started at once; when one fails, the other is stopped again and the
 * failure thrown, so a test file's after() has nothing half-started to clean up.
 */
export async function startServiceAndBrowser(seed: unknown): Promise<{ svc: SignInService; browser: Browser }> {
  const [started, launched] = await Promise.allSettled([startSignInService(seed), launchBrowser()]);
  if (started.status === 'fulfilled' && launched.status === 'fulfilled') return { svc: started.value, browser: launched.value };
  if (started.status === 'fulfilled') await started.value.stop();
  if (launched.status === 'fulfilled') await launched.value.close();
  throw started.status === 'rejected' ? started.reason : (launched as PromiseRejectedResult).reason;
}
