// The API page (/beta/docs): Swagger UI, bundled from swagger-ui-dist, fed by /beta/openapi.json. "Try it out" calls
// the API as the person signed in with the page's own sign-in (web/src/auth.ts, the same MSAL cache as the page):
// the request interceptor adds their token to requests for this service's /beta/ (not to the document's own fetch).
import SwaggerUIBundle, { type SwaggerRequest } from 'swagger-ui-dist/swagger-ui-es-bundle.js';
import 'swagger-ui-dist/swagger-ui.css';
import './docs.css';
import { startAuth, type Auth } from './auth.ts';

const auth = startAuth('/beta/docs');
auth
  .then(showSignIn, (err: unknown) => {
    element('docs-who').textContent = `Sign-in failed: ${err instanceof Error ? err.message : String(err)}`;
  })
  // Only once MSAL has read (and cleared) the answer of the sign-in page, in the URL's fragment.
  .finally(() =>
    SwaggerUIBundle({
      url: '/beta/openapi.json',
      dom_id: '#swagger-ui',
      // No deep links: they put a link inside each operation's expand button (a control inside a control, which
      // screen readers cannot reach: axe's nested-interactive), and they rewrite the URL's fragment.
      deepLinking: false,
      validatorUrl: null, // else the badge asks validator.swagger.io
      // Plain code blocks: the highlighter's colours fall short of AA contrast on its dark background.
      syntaxHighlight: { activated: false },
      requestInterceptor: withToken,
    }),
  );
whileRendering(document.getElementById('swagger-ui')!, makeAccessible);

/**
 * What Swagger UI 5 leaves out for people using a screen reader or the keyboard, added to what it renders (axe checks
 * the page in test/web.docs.test.ts): a name for the server choice and for each parameter's control ("Try it out"),
 * which it renders without a label, and a keyboard stop on each code block that scrolls (the request, the answer).
 */
function makeAccessible(root: HTMLElement): void {
  const servers = root.querySelector('#servers');
  if (servers && !servers.hasAttribute('aria-label')) servers.setAttribute('aria-label', 'Server');
  for (const control of root.querySelectorAll<HTMLElement>('tr[data-param-name] select, tr[data-param-name] input, tr[data-param-name] textarea')) {
    if (control.hasAttribute('aria-label') || control.hasAttribute('aria-labelledby')) continue;
    const row = control.closest('tr[data-param-name]')!;
    control.setAttribute('aria-label', `Parameter ${row.getAttribute('data-param-name')}`);
  }
  for (const block of root.querySelectorAll<HTMLElement>('pre.microlight, .curl')) {
    if (!block.hasAttribute('tabindex')) block.setAttribute('tabindex', '0');
  }
}

/** Runs `fix` on `root` now and after each change Swagger UI makes to it (it renders as the person opens things). */
function whileRendering(root: HTMLElement, fix: (root: HTMLElement) => void): void {
  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    queueMicrotask(() => {
      pending = false;
      fix(root);
    });
  }).observe(root, { childList: true, subtree: true });
  fix(root);
}

/** Adds the signed-in person's token to a call of this service's API, unless the request already carries one. */
async function withToken(request: SwaggerRequest): Promise<SwaggerRequest> {
  const url = new URL(request.url, location.href);
  if (request.loadSpec || url.origin !== location.origin || !url.pathname.startsWith('/beta/')) return request;
  if (Object.keys(request.headers).some((h) => h.toLowerCase() === 'authorization')) return request; // from "Authorize"
  const signedIn = await auth.catch(() => null);
  if (!signedIn?.person) return request; // nobody signed in: the API answers 401, as it would to any app
  request.headers.Authorization = `Bearer ${await signedIn.accessToken()}`;
  return request;
}

/** The bar above the reference: who is signed in, and the button to sign in or out. */
function showSignIn(signedIn: Auth): void {
  const who = element('docs-who');
  const button = element('docs-sign') as HTMLButtonElement;
  if (!signedIn.config.signIn) {
    who.textContent = `Sign-in is not available: ${signedIn.config.reason ?? 'not configured'}. "Try it out" sends no token.`;
    return;
  }
  const person = signedIn.person;
  who.textContent = person ? `Signed in as ${person.name}` : 'Not signed in: "Try it out" sends no token.';
  button.textContent = person ? 'Sign out' : 'Sign in';
  button.hidden = false;
  button.addEventListener('click', () => {
    button.disabled = true;
    (person ? signedIn.signOut() : signedIn.signIn()).catch((err: unknown) => {
      button.disabled = false;
      who.textContent = `Sign-in failed: ${err instanceof Error ? err.message : String(err)}`;
    });
  });
}

function element(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (!found) throw new Error(`docs.html has no #${id}`);
  return found;
}
