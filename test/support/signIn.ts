// What the sign-in tests need around the service: the service over https with the run's development certificate
// (the one test/run.mjs makes and every test process trusts through NODE_EXTRA_CA_CERTS, as the official libraries
// need), a browser played over HTTP with fetch (cookies, redirects, forms read with parse5), PKCE and form_post.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, type DefaultTreeAdapterTypes } from 'parse5';
import { CONTROL_PREFIX } from '../../src/emulator/paths.ts';
import { DEV_CERT_FILE, DEV_TLS_KEY_FILE } from '../../src/tls.ts';
import { startTestService, type TestService } from './service.ts';

export interface SignInService {
  readonly service: TestService;
  /** The answer of POST /_emulator/seed (tenant ids, domains, apps...), or undefined when no seed was given. */
  readonly seeded: any;
  /** The service's URL, https://127.0.0.1:<port> (a name the certificate holds): MSAL's and @azure/identity's authority host. */
  readonly authorityHost: string;
  stop(): Promise<void>;
}

/**
 * Starts the service (as startTestService does: its own DATA_DIR and store) over https, serving the run's development
 * certificate, which this process and its children trust from the start (NODE_EXTRA_CA_CERTS, set by test/run.mjs);
 * then posts `seed`, if given, to /_emulator/seed (a refused seed throws). `args` are more settings as flags.
 */
export async function startSignInService(seed?: unknown, args: string[] = []): Promise<SignInService> {
  const tlsDir = process.env.TEST_TLS_DIR;
  if (!tlsDir) {
    throw new Error(
      'TEST_TLS_DIR is not set: run the tests through `node test/run.mjs` (or `npm test`), which makes the development certificate ' +
        'the sign-in tests serve and sets NODE_EXTRA_CA_CERTS so that the official libraries trust it.',
    );
  }
  // The service keeps a usable pair it finds in its DATA_DIR (loadOrCreateDevCertificate): it serves the run's.
  const dataDir = mkdtempSync(join(tmpdir(), 'phones-test-'));
  try {
    for (const file of [DEV_TLS_KEY_FILE, DEV_CERT_FILE]) copyFileSync(join(tlsDir, file), join(dataDir, file));
    chmodSync(join(dataDir, DEV_TLS_KEY_FILE), 0o600);
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`TEST_TLS_DIR=${tlsDir} does not hold the run's development certificate (${(err as Error).message}).`);
  }
  const service = await startTestService(['--tls', 'true', ...args], dataDir);
  try {
    // Certificate names: localhost, 127.0.0.1 and ::1.
    if (!/^https:\/\/(127\.0\.0\.1|localhost):\d+$/.test(service.url)) {
      throw new Error(`The sign-in service must listen on https://127.0.0.1, not ${service.url}.`);
    }
    let seeded: unknown;
    if (seed !== undefined) {
      const res = await service.request('POST', `${CONTROL_PREFIX}/seed`, { body: seed });
      if (res.status !== 200) throw new Error(`The seed was refused: ${res.status} ${res.text}`);
      seeded = res.json;
    }
    return {
      service,
      seeded,
      get authorityHost() {
        return service.url; // a getter: service.restart() moves to another port
      },
      stop: () => service.stop(),
    };
  } catch (err) {
    await service.stop();
    throw err;
  }
}

/** The password every user of the sign-in tests' seeds is given. */
export const TEST_PASSWORD = 'Pa55w.rd';

/** A seed's user `<name>@contoso.com` with TEST_PASSWORD; `extra` adds to it (phones, admin...). */
export const seededUser = (name: string, displayName: string, extra: Record<string, unknown> = {}) => ({
  userPrincipalName: `${name}@contoso.com`,
  displayName,
  password: TEST_PASSWORD,
  ...extra,
});

/** A PKCE pair (RFC 7636, S256): a random code_verifier and its code_challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url'); // 43 characters of [A-Za-z0-9_-]
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/**
 * A response_mode=form_post page: where its form posts (the app's redirect URI) and its hidden fields (code, state,
 * id_token, error...). Throws unless the page holds exactly one form, posting.
 */
export function formPostFields(html: string, pageUrl = 'about:blank'): { action: string; fields: Record<string, string> } {
  const forms = parseForms(html, pageUrl);
  if (forms.length !== 1 || forms[0]!.method !== 'post') {
    throw new Error(`A form_post page holds one form posting; this one has ${forms.map((f) => `${f.method} ${f.action}`).join(', ') || 'no form'}.`);
  }
  const fields: Record<string, string> = {};
  for (const input of forms[0]!.inputs) if (input.type === 'hidden' && input.name) fields[input.name] = input.value;
  return { action: forms[0]!.action, fields };
}

/** A form control as the page has it: an input, a button, a select or a textarea. */
export interface FormInput {
  /** '' when it has none (such a control is not sent). */
  readonly name: string;
  /** The input's type (lower case; 'text' by default), a button's ('submit' by default), 'select-one', 'select-multiple' or 'textarea'. */
  readonly type: string;
  /** The value the page gives it (a select: its selected option's; a checkbox or radio: 'on' without one). */
  readonly value: string;
  /** The text of its labels (<label for=id>, or a <label> around it); for a button without one, its own text (or value). */
  readonly label: string | undefined;
  readonly id: string | undefined;
  /** Checkboxes and radios. */
  readonly checked: boolean;
  readonly disabled: boolean;
  /** All its attributes as written (autocomplete, aria-invalid, aria-describedby, required...). */
  readonly attributes: Readonly<Record<string, string>>;
}

export interface Form {
  /** The action URL, resolved against the page (the page's URL when the form has none). */
  readonly action: string;
  /** 'get', 'post' or 'dialog' (lower case; 'get' by default). */
  readonly method: string;
  readonly enctype: string;
  readonly id: string | undefined;
  /** The URL of the page the form is on (its origin is the Origin of a submission). */
  readonly page: string;
  /** Its controls in document order, hidden ones and buttons included. */
  readonly inputs: readonly FormInput[];
}

/** What a navigation ended on: a page of the service, or a redirect to another origin (where the browser stops). */
export interface Page {
  readonly status: number;
  /** The URL that gave this answer (after the redirects followed). */
  readonly url: string;
  /** The redirect's target, absolute and with its fragment, when it leads to another origin (the app's redirect URI). */
  readonly location?: string;
  readonly headers: Headers;
  /** The body as text ('' for a redirect not followed). */
  readonly body: string;
  /** The body when it is HTML (Content-Type text/html). */
  readonly html?: string;
  /** The page's forms ([] when it is not HTML). */
  readonly forms: readonly Form[];
}

export interface BrowserOptions {
  /** Headers sent with every request (a browser's Accept is sent unless given). */
  headers?: Record<string, string>;
}

interface Cookie {
  name: string;
  value: string;
  host: string;
  path: string;
  /** Epoch ms; undefined for a session cookie. */
  expires: number | undefined;
  secure: boolean;
  created: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20; // as browsers stop

/**
 * The tests' user: a browser played over HTTP with fetch. It keeps cookies (RFC 6265 as browsers apply it: by host and
 * path, not port, so a session survives service.restart(); Secure ones only from and to https; Domain is checked but the
 * cookie stays host-only; SameSite is not applied), follows redirects while they stay on the origin they come from
 * and stops at one leading elsewhere (the app's redirect URI, which nothing listens on), reads the forms of HTML pages,
 * and submits them as a browser does (application/x-www-form-urlencoded, the pressed button's name and value, Origin).
 */
export class Browser {
  readonly #jar = new Map<string, Cookie>();
  readonly #headers: Record<string, string>;
  #created = 0;

  constructor(options: BrowserOptions = {}) {
    this.#headers = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', ...lowerCaseKeys(options.headers ?? {}) };
  }

  /** Goes to `url` (as typed in the address bar, or a link followed). */
  get(url: string | URL): Promise<Page> {
    return this.#navigate(new URL(url), 'GET');
  }

  /**
   * Fills `values` in (by name: a text field's value; for checkboxes and radios, checks the one with that value) and
   * presses `button` (a submit button named by its label, else its value, else its name; by default the form's first,
   * as pressing Enter does). Rejects a field the form does not have, as a user could not type into it.
   */
  async submit(form: Form, values: Record<string, string> = {}, options: { button?: string } = {}): Promise<Page> {
    const entries = formEntries(form, values, options.button);
    if (form.enctype !== 'application/x-www-form-urlencoded') {
      throw new Error(`Browser submits application/x-www-form-urlencoded forms only, not ${form.enctype}.`);
    }
    const action = new URL(form.action);
    if (form.method === 'post') return this.#navigate(action, 'POST', entries.toString(), new URL(form.page).origin);
    if (form.method !== 'get') throw new Error(`Browser submits get and post forms, not ${form.method}.`);
    action.search = entries.toString();
    return this.#navigate(action, 'GET');
  }

  /** The cookies this browser would send to `url`, by name. */
  cookies(url: string | URL): Record<string, string> {
    return Object.fromEntries(this.#cookiesFor(new URL(url)).map((c) => [c.name, c.value]));
  }

  async #navigate(url: URL, method: string, body?: string, origin?: string): Promise<Page> {
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const headers: Record<string, string> = { ...this.#headers };
      const cookie = this.#cookiesFor(current).map((c) => `${c.name}=${c.value}`).join('; ');
      if (cookie) headers.cookie = cookie;
      if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
      if (origin !== undefined) headers.origin = origin;
      const res = await fetch(current, { method, headers, body, redirect: 'manual' });
      for (const line of res.headers.getSetCookie()) this.#store(current, line);
      const location = res.headers.get('location');
      if (REDIRECTS.has(res.status) && location !== null) {
        await res.body?.cancel();
        const next = new URL(location, current);
        if (next.origin !== current.origin) {
          return { status: res.status, url: current.href, location: next.href, headers: res.headers, body: '', forms: [] };
        }
        // 303, and 301/302 after a POST, become a GET without a body; 307 and 308 repeat the request.
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
          origin = undefined;
        }
        current = next;
        continue;
      }
      const text = await res.text();
      const isHtml = /^\s*text\/html\b/i.test(res.headers.get('content-type') ?? '');
      const forms = isHtml ? parseForms(text, current.href) : [];
      return { status: res.status, url: current.href, headers: res.headers, body: text, html: isHtml ? text : undefined, forms };
    }
    throw new Error(`More than ${MAX_REDIRECTS} redirects from ${url.href}.`);
  }

  #cookiesFor(url: URL): Cookie[] {
    const now = Date.now();
    const found: Cookie[] = [];
    for (const [key, c] of this.#jar) {
      if (c.expires !== undefined && c.expires <= now) {
        this.#jar.delete(key);
        continue;
      }
      if (c.host === url.hostname && pathMatches(url.pathname, c.path) && (!c.secure || url.protocol === 'https:')) found.push(c);
    }
    // Longer paths first, then the older first (RFC 6265, 5.4).
    return found.sort((a, b) => b.path.length - a.path.length || a.created - b.created);
  }

  /** Takes one Set-Cookie line: stores, replaces or (expired: Max-Age <= 0, Expires in the past) deletes the cookie. */
  #store(url: URL, line: string): void {
    const [pair = '', ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) return; // a cookie without a name: not ours to guess
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    let path: string | undefined;
    let expires: number | undefined;
    let maxAge: number | undefined;
    let secure = false;
    for (const attribute of attributes) {
      const i = attribute.indexOf('=');
      const key = (i < 0 ? attribute : attribute.slice(0, i)).trim().toLowerCase();
      const val = i < 0 ? '' : attribute.slice(i + 1).trim();
      if (key === 'path' && val.startsWith('/')) path = val;
      else if (key === 'max-age' && /^-?\d+$/.test(val)) maxAge = Number(val);
      else if (key === 'expires' && !Number.isNaN(Date.parse(val))) expires = Date.parse(val);
      else if (key === 'secure') secure = true;
      else if (key === 'domain' && val) {
        const domain = val.replace(/^\./, '').toLowerCase();
        if (domain !== url.hostname && !url.hostname.endsWith(`.${domain}`)) return; // a browser refuses it
      }
    }
    if (secure && url.protocol !== 'https:') return; // a browser refuses a Secure cookie from http
    if (maxAge !== undefined) expires = maxAge <= 0 ? 0 : Date.now() + maxAge * 1000; // Max-Age wins over Expires
    path ??= defaultPath(url.pathname);
    const key = `${url.hostname} ${path} ${name}`;
    if (expires !== undefined && expires <= Date.now()) {
      this.#jar.delete(key);
      return;
    }
    const created = this.#jar.get(key)?.created ?? this.#created++;
    this.#jar.set(key, { name, value, host: url.hostname, path, expires, secure, created });
  }
}

/** RFC 6265, 5.1.4. */
function defaultPath(requestPath: string): string {
  const last = requestPath.lastIndexOf('/');
  return last <= 0 ? '/' : requestPath.slice(0, last);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  return requestPath.startsWith(cookiePath) && (cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/');
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** The entry list a browser builds for the form (HTML, "constructing the entry list"), with `values` filled in. */
function formEntries(form: Form, values: Record<string, string>, button: string | undefined): URLSearchParams {
  const named = new Set(form.inputs.filter((i) => i.name && !isButton(i)).map((i) => i.name));
  for (const name of Object.keys(values)) {
    if (!named.has(name)) throw new Error(`The form (${form.action}) has no field named '${name}'; it has: ${[...named].join(', ')}.`);
  }
  const submitter = pressed(form, button);
  const entries = new URLSearchParams();
  for (const input of form.inputs) {
    if (!input.name || input.disabled) continue;
    if (isButton(input)) {
      if (input === submitter) entries.append(input.name, input.value);
      continue;
    }
    const given = values[input.name];
    if (input.type === 'checkbox' || input.type === 'radio') {
      if (given !== undefined ? given === input.value : input.checked) entries.append(input.name, input.value);
      continue;
    }
    if (input.type === 'file') continue; // not sent as text
    entries.append(input.name, given ?? input.value);
  }
  for (const [name, value] of Object.entries(values)) {
    const choices = form.inputs.filter((i) => i.name === name && (i.type === 'checkbox' || i.type === 'radio'));
    if (choices.length > 0 && !choices.some((i) => i.value === value)) {
      throw new Error(`The form's '${name}' has no choice of value '${value}' (it has ${choices.map((i) => `'${i.value}'`).join(', ')}).`);
    }
  }
  return entries;
}

const isButton = (i: FormInput) => ['submit', 'reset', 'button', 'image'].includes(i.type);
const isSubmit = (i: FormInput) => (i.type === 'submit' || i.type === 'image') && !i.disabled;

/** The submit button pressed: the one `button` names (label, else value, else name), or the form's first. */
function pressed(form: Form, button: string | undefined): FormInput | undefined {
  const submits = form.inputs.filter(isSubmit);
  if (button === undefined) return submits[0];
  for (const pick of [(i: FormInput) => i.label, (i: FormInput) => i.value, (i: FormInput) => i.name]) {
    const matches = submits.filter((i) => pick(i) === button);
    if (matches.length === 1) return matches[0];
    if (matches.length > 1) throw new Error(`More than one button of the form is '${button}'.`);
  }
  const shown = submits.map((i) => `'${i.label ?? i.value}'${i.name ? ` (${i.name}=${i.value})` : ''}`).join(', ');
  throw new Error(`The form (${form.action}) has no button '${button}'; its buttons: ${shown || 'none'}.`);
}

type Element = DefaultTreeAdapterTypes.Element;
type ParentNode = DefaultTreeAdapterTypes.ParentNode;
type ChildNode = DefaultTreeAdapterTypes.ChildNode;

const isElement = (node: ChildNode | ParentNode): node is Element => 'tagName' in node;
const attr = (el: Element, name: string) => el.attrs.find((a) => a.name === name)?.value;
const CONTROLS = new Set(['input', 'button', 'select', 'textarea']);

/** Every element under `node`, in document order (template contents too). */
function elements(node: ParentNode, out: Element[] = []): Element[] {
  for (const child of node.childNodes) {
    if (!isElement(child)) continue;
    out.push(child);
    elements(child.tagName === 'template' ? (child as DefaultTreeAdapterTypes.Template).content : child, out);
  }
  return out;
}

/** Text content with white space collapsed, leaving out `skip`'s subtree. */
function textOf(node: ParentNode, skip?: Element): string {
  const parts: string[] = [];
  const walk = (n: ParentNode) => {
    for (const child of n.childNodes) {
      if (child.nodeName === '#text') parts.push((child as DefaultTreeAdapterTypes.TextNode).value);
      else if (isElement(child) && child !== skip && child.tagName !== 'select' && child.tagName !== 'textarea') walk(child);
    }
  };
  walk(node);
  return parts.join('').replace(/\s+/g, ' ').trim();
}

/** The forms of an HTML page at `pageUrl`, with their controls and the controls' labels. */
export function parseForms(html: string, pageUrl: string): Form[] {
  const all = elements(parse(html));
  const baseHref = all.find((e) => e.tagName === 'base' && attr(e, 'href') !== undefined);
  const base = baseHref ? new URL(attr(baseHref, 'href')!, pageUrl).href : pageUrl;
  const formEls = all.filter((e) => e.tagName === 'form');
  const byId = new Map(all.filter((e) => attr(e, 'id') !== undefined).map((e) => [attr(e, 'id')!, e]));

  // Labels: <label for=id>, else the first labelable control inside the label.
  const labels = new Map<Element, string[]>();
  for (const label of all.filter((e) => e.tagName === 'label')) {
    const forId = attr(label, 'for');
    const target = forId !== undefined ? byId.get(forId) : elements(label).find((e) => CONTROLS.has(e.tagName) && attr(e, 'type') !== 'hidden');
    if (target === undefined || !CONTROLS.has(target.tagName)) continue;
    labels.set(target, [...(labels.get(target) ?? []), textOf(label, target)]);
  }

  /** The form a control belongs to: its form="id", else the form around it. */
  const ownerOf = (el: Element): Element | undefined => {
    const formId = attr(el, 'form');
    if (formId !== undefined) return formEls.find((f) => attr(f, 'id') === formId);
    for (let p: ParentNode | null = el.parentNode; p && isElement(p); p = p.parentNode) if (p.tagName === 'form') return p;
    return undefined;
  };

  const inputsOf = new Map<Element, FormInput[]>(formEls.map((f) => [f, []]));
  for (const el of all.filter((e) => CONTROLS.has(e.tagName))) {
    const owner = ownerOf(el);
    if (owner !== undefined) inputsOf.get(owner)?.push(control(el, labels.get(el)));
  }
  return formEls.map((f) => {
    const action = attr(f, 'action');
    const method = attr(f, 'method')?.toLowerCase();
    return {
      action: action ? new URL(action, base).href : pageUrl, // no action (or an empty one): the page itself
      method: method === 'post' || method === 'dialog' ? method : 'get',
      enctype: attr(f, 'enctype')?.toLowerCase() ?? 'application/x-www-form-urlencoded',
      id: attr(f, 'id'),
      page: pageUrl,
      inputs: inputsOf.get(f)!,
    };
  });
}

function control(el: Element, labelTexts: string[] | undefined): FormInput {
  const attributes = Object.fromEntries(el.attrs.map((a) => [a.name, a.value]));
  let type: string;
  let value: string;
  let label = labelTexts?.join(' ');
  if (el.tagName === 'input') {
    type = (attributes.type ?? 'text').toLowerCase();
    value = attributes.value ?? (type === 'checkbox' || type === 'radio' ? 'on' : '');
    // A button input shows its value, or its default.
    if (type === 'submit' || type === 'reset' || type === 'button') {
      label ??= attributes.value ?? (type === 'submit' ? 'Submit' : type === 'reset' ? 'Reset' : undefined);
    }
  } else if (el.tagName === 'button') {
    type = (attributes.type ?? 'submit').toLowerCase();
    if (!['submit', 'reset', 'button'].includes(type)) type = 'submit';
    value = attributes.value ?? '';
    label ??= textOf(el);
  } else if (el.tagName === 'select') {
    type = 'multiple' in attributes ? 'select-multiple' : 'select-one';
    const options = elements(el).filter((e) => e.tagName === 'option');
    const chosen = options.find((o) => attr(o, 'selected') !== undefined) ?? options[0];
    value = chosen ? (attr(chosen, 'value') ?? textOf(chosen)) : '';
  } else {
    type = 'textarea';
    value = el.childNodes.map((n) => (n.nodeName === '#text' ? (n as DefaultTreeAdapterTypes.TextNode).value : '')).join('');
  }
  return {
    name: attributes.name ?? '',
    type,
    value,
    label,
    id: attributes.id,
    checked: 'checked' in attributes,
    disabled: 'disabled' in attributes,
    attributes,
  };
}

/** The text of a page's first <h1>, white space collapsed ('' when it has none). */
export function headingOf(page: Page): string {
  const h1 = page.html ? elements(parse(page.html)).find((e) => e.tagName === 'h1') : undefined;
  return h1 ? textOf(h1) : '';
}

/** A page's text as a person reads it (its <body>'s text, white space collapsed). */
export function pageText(page: Page): string {
  const body = page.html ? elements(parse(page.html)).find((e) => e.tagName === 'body') : undefined;
  return body ? textOf(body) : '';
}

/** What a person saw signing in: the sign-in page, the consent page when one was shown, and where it ended. */
export interface SignInPages {
  readonly signIn: Page;
  readonly consent: Page | undefined;
  /** A redirect to the app (`location`: the authorization code flow), or a message page (a device code sign-in). */
  readonly end: Page;
}

/**
 * Plays a person on the sign-in page `signIn` (where an authorize URL or a device code led): types `login` and
 * `password` and presses Sign in, then Accept on the consent page when it comes. Throws on any other page.
 */
export async function signInOnPages(browser: Browser, signIn: Page, login: string, password: string): Promise<SignInPages> {
  const form = onlyForm(signIn, 'Sign in');
  let page = await browser.submit(form, { login, passwd: password });
  let consent: Page | undefined;
  if (headingOf(page) === 'Permissions requested') {
    consent = page;
    page = await browser.submit(onlyForm(page, 'Permissions requested'), {}, { button: 'Accept' });
  }
  return { signIn, consent, end: page };
}

/**
 * A device code sign-in as a person does it in a browser: opens `verificationUri`, enters `userCode` and presses
 * Next, then signs in (and consents when asked) with signInOnPages.
 */
export async function signInOnDevicePage(
  verificationUri: string,
  userCode: string,
  login: string,
  password: string,
  browser = new Browser(),
): Promise<SignInPages> {
  const codePage = await browser.get(verificationUri);
  const signIn = await browser.submit(onlyForm(codePage, 'Enter code'), { otc: userCode });
  return signInOnPages(browser, signIn, login, password);
}

/** The one form of a page whose heading must be `heading` (else throws, showing what the page was). */
function onlyForm(page: Page, heading: string): Form {
  const seen = headingOf(page);
  if (seen !== heading || page.forms.length !== 1) {
    const where = `${page.status} '${seen}' at ${page.location ?? page.url} (${page.forms.length} forms)`;
    throw new Error(`Expected the '${heading}' page with one form; got ${where}: ${page.body.slice(0, 300)}`);
  }
  return page.forms[0]!;
}
