// The sign-in service's HTML pages, rendered on the server as strings: sign-in, consent, device code, a message, and
// the auto-submitting form of response_mode=form_post. Pure functions: the routes give every value, and every value is
// escaped here. No external resources, no inline handlers or style attributes: one <style> and (form_post only) one
// <script>, both carrying the response's CSP nonce (pageSecurityPolicy gives the matching header).

export interface PageParts {
  /** A per-response CSP nonce (base64), put on the page's <style> and <script>. */
  readonly nonce: string;
}

type Hidden = Record<string, string>;

// Base64 or base64url: the nonce goes into the CSP header and an attribute, and these characters can break neither.
const NONCE = /^[A-Za-z0-9+/_-]+={0,2}$/;
// A CSP host source with its scheme (what URL.origin gives), or a bare scheme source such as `https:`.
const SOURCE = /^(?:[a-z][a-z0-9+.-]*:\/\/[^\s;,'"]+|[a-z][a-z0-9+.-]*:)$/i;
// Schemes a form must never post to, whatever the routes pass.
const SCRIPT_URL = /^\s*(?:javascript|data|vbscript):/i;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and double-quoted attribute values. */
function h(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function checkNonce(nonce: string): string {
  if (!NONCE.test(nonce)) throw new TypeError('a CSP nonce must be base64 (A-Z a-z 0-9 + / _ - and = padding)');
  return nonce;
}

function checkAction(action: string): string {
  if (SCRIPT_URL.test(action)) throw new TypeError(`a form may not post to ${action}`);
  return action;
}

// Light and dark palettes; every pair used for text is at least 4.5:1, borders and the focus ring at least 3:1
// (test/authority.pages.test.ts computes them). Microsoft's sign-in card is the model: grey page, white card, blue button.
const STYLE = [
  ':root{color-scheme:light dark;--bg:#f2f2f2;--card:#fff;--fg:#1b1b1b;--muted:#595959;--border:#767676;',
  '--accent:#0067b8;--on-accent:#fff;--error:#c50f1f}',
  '@media (prefers-color-scheme:dark){:root{--bg:#1b1b1b;--card:#2b2b2b;--fg:#f2f2f2;--muted:#c8c8c8;--border:#8f8f8f;',
  '--accent:#4cc2ff;--on-accent:#000;--error:#ff99a4}}',
  '*{box-sizing:border-box}',
  'body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;padding:1rem;background:var(--bg);',
  'color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",sans-serif}',
  'main{width:100%;max-width:440px;padding:2rem clamp(1.25rem,6vw,2.75rem);background:var(--card);',
  'box-shadow:0 2px 6px rgba(0,0,0,.2);overflow-wrap:anywhere}',
  'h1{font-size:1.5rem;font-weight:600;line-height:1.25;margin:0 0 .75rem}',
  'p{margin:0 0 .75rem}.muted{color:var(--muted)}.message{white-space:pre-line}',
  '.error{color:var(--error);font-weight:600}',
  'label{display:block;margin:1rem 0 .25rem;font-weight:600}',
  'input{display:block;width:100%;padding:.45rem .6rem;font:inherit;color:inherit;background:var(--card);',
  'border:1px solid var(--border);border-radius:2px}',
  'input[aria-invalid=true]{border-color:var(--error)}',
  'ul{padding-left:1.25rem;margin:0 0 1rem}li{margin:.5rem 0}.perm{display:block;color:var(--muted);font-size:.875em}',
  '.actions{display:flex;flex-wrap:wrap;justify-content:flex-end;gap:.5rem;margin-top:1.5rem}',
  'button{font:inherit;min-height:2.25rem;min-width:6.5rem;padding:.3rem 1rem;border:1px solid var(--accent);',
  'border-radius:2px;background:var(--accent);color:var(--on-accent);cursor:pointer}',
  'button.secondary{background:transparent;color:var(--fg);border-color:var(--border)}',
  ':focus-visible{outline:2px solid var(--accent);outline-offset:2px}',
].join('');

/** The whole document around `body` (the contents of <main>); `script` goes after <main>. */
function page(nonce: string, title: string, body: string, script?: string): string {
  const n = h(checkNonce(nonce));
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="none">',
    `<title>${h(title)}</title><style nonce="${n}">${STYLE}</style></head>`,
    `<body><main>${body}</main>${script === undefined ? '' : `<script nonce="${n}">${script}</script>`}</body></html>\n`,
  ].join('\n');
}

function hiddenInputs(hidden: Hidden | undefined): string {
  return Object.entries(hidden ?? {})
    .map(([name, value]) => `<input type="hidden" name="${h(name)}" value="${h(value)}">`)
    .join('');
}

const ERROR_ID = 'error';

/** A page showing an error says so first in its title, which is what a screen reader announces on load. */
function titled(title: string, error: string | undefined): string {
  return error === undefined ? title : `Error: ${title}`;
}

function errorBlock(error: string | undefined): string {
  return error === undefined ? '' : `<p id="${ERROR_ID}" class="error" role="alert">${h(error)}</p>`;
}

interface Field {
  readonly id: string;
  readonly label: string;
  readonly attrs: string;
  readonly value?: string;
}

/** Labelled inputs; the first gets autofocus; with an error, each is marked invalid and described by it. */
function fields(list: readonly Field[], error: string | undefined): string {
  const invalid = error === undefined ? '' : ` aria-invalid="true" aria-describedby="${ERROR_ID}"`;
  return list
    .map((f, i) => {
      const value = f.value === undefined ? '' : ` value="${h(f.value)}"`;
      const focus = i === 0 ? ' autofocus' : '';
      return `<label for="${f.id}">${h(f.label)}</label><input id="${f.id}" name="${f.id}" ${f.attrs}${value}${invalid}${focus}>`;
    })
    .join('\n');
}

function form(action: string, inner: string): string {
  return `<form method="post" action="${h(checkAction(action))}">${inner}</form>`;
}

export function signInPage(
  p: PageParts & { action: string; hidden: Hidden; appName: string; tenantName?: string; login?: string; error?: string },
): string {
  const inputs = fields(
    [
      {
        id: 'login',
        label: 'User name',
        attrs: 'type="text" autocomplete="username" autocapitalize="none" spellcheck="false" inputmode="email" required',
        value: p.login,
      },
      { id: 'passwd', label: 'Password', attrs: 'type="password" autocomplete="current-password" required' },
    ],
    p.error,
  );
  const body = [
    '<h1>Sign in</h1>',
    `<p>to continue to <strong>${h(p.appName)}</strong></p>`,
    p.tenantName === undefined ? '' : `<p class="muted">Organization: ${h(p.tenantName)}</p>`,
    errorBlock(p.error),
    form(p.action, `${hiddenInputs(p.hidden)}\n${inputs}\n<div class="actions"><button type="submit">Sign in</button></div>`),
  ];
  return page(p.nonce, titled('Sign in to your account', p.error), body.filter(Boolean).join('\n'));
}

export function consentPage(
  p: PageParts & {
    action: string;
    hidden: Hidden;
    appName: string;
    userName: string;
    permissions: readonly { name: string; description: string }[];
    error?: string;
  },
): string {
  const list = p.permissions.length
    ? `<ul>${p.permissions.map((q) => `<li>${h(q.description)}<span class="perm">${h(q.name)}</span></li>`).join('')}</ul>`
    : '<p>No permissions beyond signing you in.</p>';
  // Cancel first, Accept last and primary, as Entra lays them out; there is no text field, so Enter submits nothing.
  const buttons =
    '<div class="actions"><button type="submit" name="decision" value="cancel" class="secondary">Cancel</button>' +
    '<button type="submit" name="decision" value="accept">Accept</button></div>';
  const body = [
    `<p class="muted">Signed in as ${h(p.userName)}</p>`,
    '<h1>Permissions requested</h1>',
    `<p><strong>${h(p.appName)}</strong> would like to:</p>`,
    list,
    '<p class="muted">Accept only if you trust this app.</p>',
    errorBlock(p.error),
    form(p.action, `${hiddenInputs(p.hidden)}\n${buttons}`),
  ];
  return page(p.nonce, titled('Permissions requested', p.error), body.filter(Boolean).join('\n'));
}

export function deviceCodePage(p: PageParts & { action: string; hidden?: Hidden; code?: string; error?: string }): string {
  const inputs = fields(
    [{ id: 'otc', label: 'Code', attrs: 'type="text" autocomplete="off" autocapitalize="characters" spellcheck="false" required', value: p.code }],
    p.error,
  );
  const body = [
    '<h1>Enter code</h1>',
    '<p>Enter the code displayed on your app or device.</p>',
    errorBlock(p.error),
    form(p.action, `${hiddenInputs(p.hidden)}\n${inputs}\n<div class="actions"><button type="submit">Next</button></div>`),
  ];
  return page(p.nonce, titled('Enter code', p.error), body.filter(Boolean).join('\n'));
}

/** A heading and a text (line breaks in `message` are kept). */
export function messagePage(p: PageParts & { heading: string; message: string }): string {
  return page(p.nonce, p.heading, `<h1>${h(p.heading)}</h1>\n<p class="message">${h(p.message)}</p>`);
}

/** response_mode=form_post: posts `fields` to `action` at once; without scripts, the visible Continue button does. */
export function formPostPage(p: PageParts & { action: string; fields: Hidden }): string {
  const body = [
    '<h1>Signing you in</h1>',
    '<p>If nothing happens, select Continue.</p>',
    form(p.action, `${hiddenInputs(p.fields)}\n<div class="actions"><button type="submit" autofocus>Continue</button></div>`),
  ];
  return page(p.nonce, 'Working...', body.join('\n'), 'document.forms[0].submit();');
}

/**
 * The Content-Security-Policy for a page rendered with `nonce`; formAction: extra origins forms may post to (form_post to an app).
 * Browsers also check form-action against the redirects that answer a form's POST: a sign-in or consent page whose POST
 * is answered by a redirect to the app's redirect URI needs that URI's origin here too.
 */
export function pageSecurityPolicy(nonce: string, formAction: readonly string[] = []): string {
  const n = checkNonce(nonce);
  for (const s of formAction) if (!SOURCE.test(s)) throw new TypeError(`not a CSP source for form-action: ${JSON.stringify(s)}`);
  return [
    "default-src 'none'",
    `style-src 'nonce-${n}'`,
    `script-src 'nonce-${n}'`,
    ["form-action 'self'", ...formAction].join(' '),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

const GRAPH_RESOURCE = 'https://graph.microsoft.com/';

// Keyed by the lower-cased name: Entra matches scope names without regard to case.
const DESCRIPTIONS: Record<string, string> = {
  openid: 'Sign you in',
  profile: 'View your basic profile',
  email: 'View your email address',
  offline_access: 'Keep access to the data you have given it access to',
  'user.read': 'Sign you in and read your profile',
  'user.readwrite': 'Sign you in, and read and update your profile',
  'user.readbasic.all': 'Read the basic profiles of all users in your organization',
  'user.read.all': 'Read the full profiles of all users in your organization',
  'user.readwrite.all': 'Read and update the full profiles of all users in your organization',
  'directory.read.all': "Read data in your organization's directory",
  'directory.accessasuser.all': "Access your organization's directory as you",
};

/**
 * Plain descriptions of Graph delegated permissions, e.g. User.ReadWrite -> "Sign you in, and read and update your profile";
 * unknown names get a generic one. Takes `User.Read` or `https://graph.microsoft.com/User.Read`, in any case.
 */
export function permissionDescription(name: string): string {
  const short = name.toLowerCase().startsWith(GRAPH_RESOURCE) ? name.slice(GRAPH_RESOURCE.length) : name;
  return DESCRIPTIONS[short.toLowerCase()] ?? `Use the Microsoft Graph permission ${short} on your behalf`;
}
