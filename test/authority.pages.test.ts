// The sign-in service's pages (src/authority/pages.ts): escaping, the form contract the routes read (field names,
// hidden inputs, buttons), accessibility wiring (labels, errors, autofocus, one h1), the CSP nonce, the CSP header and
// the palette's contrast. A small tag scanner stands in for an HTML parser: every attribute value the pages write is
// double-quoted and escaped, so a regular expression reads them reliably.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  consentPage,
  deviceCodePage,
  formPostPage,
  messagePage,
  pageSecurityPolicy,
  permissionDescription,
  signInPage,
} from '../src/authority/pages.ts';

const NONCE = 'q2Vx+Zr/9mTb7w1K8s0aXg==';
const EVIL = `<script>"'&x`;
const EVIL_ESCAPED = '&lt;script&gt;&quot;&#39;&amp;x';

interface Tag {
  readonly name: string;
  readonly attrs: ReadonlyMap<string, string>;
  /** Where the tag ends in the page. */
  readonly end: number;
}

const decode = (s: string): string =>
  s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);

function tags(html: string, name?: string): Tag[] {
  const out: Tag[] = [];
  for (const m of html.matchAll(/<([a-zA-Z][\w-]*)((?:\s+[^\s=>/]+(?:="[^"]*")?)*)\s*>/g)) {
    const attrs = new Map<string, string>();
    for (const a of m[2]!.matchAll(/\s+([^\s=>/]+)(?:="([^"]*)")?/g)) {
      assert.ok(!attrs.has(a[1]!), `attribute ${a[1]} twice in ${m[0]}`);
      attrs.set(a[1]!, a[2] === undefined ? '' : decode(a[2]));
    }
    if (!name || m[1]!.toLowerCase() === name) out.push({ name: m[1]!.toLowerCase(), attrs, end: m.index + m[0].length });
  }
  return out;
}

/** The text inside the element that `tag` opens (no nested element of the same name in these pages). */
function textOf(html: string, tag: Tag): string {
  const close = html.indexOf(`</${tag.name}>`, tag.end);
  assert.ok(close >= 0, `</${tag.name}> missing`);
  return decode(html.slice(tag.end, close).replace(/<[^>]*>/g, ''));
}

const visibleInputs = (html: string): Tag[] => tags(html, 'input').filter((t) => t.attrs.get('type') !== 'hidden');
const byId = (html: string, id: string): Tag | undefined => tags(html).find((t) => t.attrs.get('id') === id);

/** What every page must be: one document, accessible structure, nonce on style and script, nothing inline or external. */
function checkDocument(html: string, o: { scripts: number }): void {
  assert.ok(html.startsWith('<!doctype html><html lang="en">'), 'doctype and lang');
  assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
  assert.equal(tags(html, 'title').length, 1);
  assert.ok(textOf(html, tags(html, 'title')[0]!).trim().length > 0, 'a non-empty title');
  assert.equal(tags(html, 'h1').length, 1, 'one h1');
  assert.ok(textOf(html, tags(html, 'h1')[0]!).trim().length > 0, 'a non-empty h1');
  assert.equal(tags(html, 'main').length, 1, 'one main');
  const styles = tags(html, 'style');
  assert.equal(styles.length, 1, 'one style');
  assert.equal(styles[0]!.attrs.get('nonce'), NONCE);
  const scripts = tags(html, 'script');
  assert.equal(scripts.length, o.scripts);
  for (const s of scripts) assert.equal(s.attrs.get('nonce'), NONCE);
  assert.equal((html.match(/<script/gi) ?? []).length, o.scripts, 'no <script but the page script');
  for (const t of tags(html)) {
    for (const a of t.attrs.keys()) {
      assert.ok(!/^on/i.test(a) && a !== 'style', `no inline handler or style attribute: <${t.name} ${a}>`);
      assert.ok(!['src', 'href', 'srcset', 'poster', 'background'].includes(a), `no external resource: <${t.name} ${a}>`);
    }
  }
  assert.doesNotMatch(html, /<link|<img|<iframe|url\(|@import|https?:\/\/(?!(?:app|tenant)\.example)/i, 'no external resource');
  const ids = tags(html).flatMap((t) => (t.attrs.has('id') ? [t.attrs.get('id')!] : []));
  assert.equal(new Set(ids).size, ids.length, `ids are unique: ${ids.join(', ')}`);
  // Every visible input has exactly one label pointing at it, and every label points at an input.
  const labels = tags(html, 'label');
  for (const input of visibleInputs(html)) {
    const id = input.attrs.get('id');
    assert.ok(id, `input ${input.attrs.get('name')} has an id`);
    assert.equal(labels.filter((l) => l.attrs.get('for') === id).length, 1, `one label for #${id}`);
  }
  for (const l of labels) assert.equal(byId(html, l.attrs.get('for')!)?.name, 'input', `label for=${l.attrs.get('for')} names an input`);
  assert.ok(tags(html).filter((t) => t.attrs.has('autofocus')).length <= 1, 'at most one autofocus');
}

/** The label text for the visible input named `name`. */
function labelFor(html: string, name: string): string {
  const input = visibleInputs(html).find((t) => t.attrs.get('name') === name);
  assert.ok(input, `an input named ${name}`);
  const label = tags(html, 'label').find((l) => l.attrs.get('for') === input.attrs.get('id'))!;
  return textOf(html, label);
}

function checkHidden(html: string, hidden: Record<string, string>): void {
  const found = tags(html, 'input').filter((t) => t.attrs.get('type') === 'hidden');
  assert.deepEqual(
    found.map((t) => [t.attrs.get('name'), t.attrs.get('value')]),
    Object.entries(hidden),
  );
}

function checkForm(html: string, action: string): void {
  const forms = tags(html, 'form');
  assert.equal(forms.length, 1);
  assert.equal(forms[0]!.attrs.get('method'), 'post');
  assert.equal(forms[0]!.attrs.get('action'), action);
}

/** With an error: a role=alert element holding it, and every visible input invalid and described by it. */
function checkError(html: string, error: string | undefined, inputs: number): void {
  const alerts = tags(html).filter((t) => t.attrs.get('role') === 'alert');
  const fields = visibleInputs(html);
  assert.equal(fields.length, inputs);
  const title = textOf(html, tags(html, 'title')[0]!);
  assert.equal(title.startsWith('Error: '), error !== undefined, `the title says whether there is an error: ${title}`);
  if (error === undefined) {
    assert.equal(alerts.length, 0);
    for (const f of fields) assert.ok(!f.attrs.has('aria-invalid') && !f.attrs.has('aria-describedby'));
    return;
  }
  assert.equal(alerts.length, 1);
  assert.equal(textOf(html, alerts[0]!), error);
  const id = alerts[0]!.attrs.get('id');
  assert.ok(id, 'the alert has an id');
  for (const f of fields) {
    assert.equal(f.attrs.get('aria-invalid'), 'true');
    const described = f.attrs.get('aria-describedby')!.split(/\s+/);
    assert.ok(described.includes(id), `${f.attrs.get('name')} is described by the error`);
    for (const d of described) assert.ok(byId(html, d), `aria-describedby ${d} exists`);
  }
}

function buttons(html: string): { text: string; attrs: ReadonlyMap<string, string> }[] {
  return tags(html, 'button').map((b) => ({ text: textOf(html, b), attrs: b.attrs }));
}

function checkEscaped(html: string): void {
  assert.ok(!html.includes(EVIL), 'the raw value never appears');
  assert.ok(!html.includes(`<script>`), 'no bare <script>');
  assert.ok(html.includes(EVIL_ESCAPED), 'the value appears escaped');
}

describe('sign-in page', () => {
  const action = '/contoso.onmicrosoft.com/login';
  const hidden = { flow: 'f-123', [EVIL]: EVIL };

  test('fields, labels, hidden inputs and the app and tenant, all escaped', () => {
    const html = signInPage({ nonce: NONCE, action: `${action}?x=${EVIL}`, hidden, appName: EVIL, tenantName: EVIL, login: EVIL });
    checkDocument(html, { scripts: 0 });
    checkEscaped(html);
    checkForm(html, `${action}?x=${EVIL}`);
    checkHidden(html, hidden);
    assert.equal(labelFor(html, 'login'), 'User name');
    assert.equal(labelFor(html, 'passwd'), 'Password');
    const [login, passwd] = visibleInputs(html);
    assert.equal(login!.attrs.get('name'), 'login');
    assert.equal(login!.attrs.get('autocomplete'), 'username');
    assert.equal(login!.attrs.get('value'), EVIL);
    assert.ok(login!.attrs.has('autofocus'), 'the first field has autofocus');
    assert.equal(passwd!.attrs.get('type'), 'password');
    assert.equal(passwd!.attrs.get('autocomplete'), 'current-password');
    assert.ok(!passwd!.attrs.has('value'), 'a password is never written back');
    assert.deepEqual(buttons(html).map((b) => [b.text, b.attrs.get('type')]), [['Sign in', 'submit']]);
    assert.ok(html.includes(`to continue to <strong>${EVIL_ESCAPED}</strong>`));
    assert.ok(html.includes(`Organization: ${EVIL_ESCAPED}`));
    checkError(html, undefined, 2);
  });

  test('without tenant or login: neither is shown, the field is empty', () => {
    const html = signInPage({ nonce: NONCE, action, hidden: {}, appName: 'Contoso CRM' });
    checkDocument(html, { scripts: 0 });
    checkHidden(html, {});
    assert.ok(html.includes('to continue to <strong>Contoso CRM</strong>'));
    assert.ok(!html.includes('Organization'));
    assert.ok(!visibleInputs(html)[0]!.attrs.has('value'));
  });

  test('an error is announced and wired to both fields', () => {
    const html = signInPage({ nonce: NONCE, action, hidden, appName: 'Contoso CRM', login: 'adele@contoso.com', error: EVIL });
    checkDocument(html, { scripts: 0 });
    checkEscaped(html);
    checkError(html, EVIL, 2);
  });
});

describe('consent page', () => {
  const action = '/contoso.onmicrosoft.com/consent';
  const hidden = { flow: 'f-9', [EVIL]: EVIL };
  const permissions = [
    { name: 'User.ReadWrite', description: permissionDescription('User.ReadWrite') },
    { name: EVIL, description: EVIL },
  ];

  test('names the app, the user and each permission; posts accept or cancel', () => {
    const html = consentPage({ nonce: NONCE, action, hidden, appName: EVIL, userName: `${EVIL}@contoso.com`, permissions });
    checkDocument(html, { scripts: 0 });
    checkEscaped(html);
    checkForm(html, action);
    checkHidden(html, hidden);
    assert.equal(textOf(html, tags(html, 'h1')[0]!), 'Permissions requested');
    assert.ok(html.includes(`<strong>${EVIL_ESCAPED}</strong> would like to:`), 'the app');
    assert.ok(html.includes(`${EVIL_ESCAPED}@contoso.com`), 'the user');
    const items = tags(html, 'li').map((li) => textOf(html, li));
    assert.deepEqual(items, ['Sign you in, and read and update your profileUser.ReadWrite', `${EVIL}${EVIL}`]);
    const decisions = buttons(html).map((b) => [b.attrs.get('type'), b.attrs.get('name'), b.attrs.get('value'), b.text]);
    assert.deepEqual(decisions.toSorted(), [
      ['submit', 'decision', 'accept', 'Accept'],
      ['submit', 'decision', 'cancel', 'Cancel'],
    ]);
    checkError(html, undefined, 0);
  });

  test('no permissions: a sentence rather than an empty list; an error is an alert', () => {
    const page = { nonce: NONCE, action, hidden: {}, appName: 'Contoso CRM', userName: 'adele@contoso.com' };
    const html = consentPage({ ...page, permissions: [], error: EVIL });
    checkDocument(html, { scripts: 0 });
    assert.equal(tags(html, 'ul').length, 0);
    checkError(html, EVIL, 0);
  });
});

describe('device code page', () => {
  test('the code field, its label and the Next button; hidden inputs when given', () => {
    const hidden = { [EVIL]: EVIL };
    const html = deviceCodePage({ nonce: NONCE, action: '/devicelogin', hidden, code: EVIL });
    checkDocument(html, { scripts: 0 });
    checkEscaped(html);
    checkForm(html, '/devicelogin');
    checkHidden(html, hidden);
    assert.equal(labelFor(html, 'otc'), 'Code');
    const [otc] = visibleInputs(html);
    assert.equal(otc!.attrs.get('value'), EVIL);
    assert.ok(otc!.attrs.has('autofocus'));
    assert.deepEqual(buttons(html).map((b) => [b.text, b.attrs.get('type')]), [['Next', 'submit']]);
    checkError(html, undefined, 1);
  });

  test('without hidden inputs or a code; an error wired to the field', () => {
    const html = deviceCodePage({ nonce: NONCE, action: '/devicelogin', error: EVIL });
    checkDocument(html, { scripts: 0 });
    checkEscaped(html);
    checkHidden(html, {});
    assert.ok(!visibleInputs(html)[0]!.attrs.has('value'));
    checkError(html, EVIL, 1);
  });
});

test('message page: the heading as h1 and title, the text, no form and no script', () => {
  const html = messagePage({ nonce: NONCE, heading: EVIL, message: `${EVIL}\nsecond line` });
  checkDocument(html, { scripts: 0 });
  checkEscaped(html);
  assert.equal(textOf(html, tags(html, 'h1')[0]!), EVIL);
  assert.equal(textOf(html, tags(html, 'title')[0]!), EVIL);
  assert.ok(html.includes(`${EVIL_ESCAPED}\nsecond line`));
  assert.equal(tags(html, 'form').length, 0);
});

describe('form_post page', () => {
  test('hidden fields posted to the app by a nonced script, with a visible Continue button', () => {
    const action = `https://app.example/cb?x=${EVIL}`;
    const fields = { code: 'abc', state: EVIL, [EVIL]: 'v' };
    const html = formPostPage({ nonce: NONCE, action, fields });
    checkDocument(html, { scripts: 1 });
    checkForm(html, action);
    checkHidden(html, fields);
    assert.ok(!html.includes(EVIL));
    assert.equal(visibleInputs(html).length, 0);
    assert.deepEqual(buttons(html).map((b) => [b.text, b.attrs.get('type')]), [['Continue', 'submit']]);
    const script = tags(html, 'script')[0]!;
    assert.equal(textOf(html, script), 'document.forms[0].submit();');
    assert.ok(script.end > html.indexOf('</form>'), 'the script runs after the form exists');
  });
});

describe('safety of what the routes pass', () => {
  test('a nonce that is not base64 is refused, on pages and in the policy', () => {
    for (const nonce of ['', 'a"b', "a' 'unsafe-inline", 'a;b', 'a b']) {
      assert.throws(() => messagePage({ nonce, heading: 'h', message: 'm' }), TypeError);
      assert.throws(() => pageSecurityPolicy(nonce), TypeError);
    }
  });

  test('a form never posts to a script URL', () => {
    for (const action of ['javascript:alert(1)', ' JavaScript:x', 'data:text/html,x', 'vbscript:x']) {
      assert.throws(() => formPostPage({ nonce: NONCE, action, fields: {} }), TypeError);
      assert.throws(() => signInPage({ nonce: NONCE, action, hidden: {}, appName: 'a' }), TypeError);
    }
  });
});

describe('pageSecurityPolicy', () => {
  test('the nonce for style and script, nothing else loads, forms post to self and the given origins', () => {
    assert.equal(
      pageSecurityPolicy(NONCE),
      `default-src 'none'; style-src 'nonce-${NONCE}'; script-src 'nonce-${NONCE}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    );
    assert.equal(
      pageSecurityPolicy(NONCE, ['http://localhost:3000', 'https://app.example']),
      `default-src 'none'; style-src 'nonce-${NONCE}'; script-src 'nonce-${NONCE}'; ` +
        "form-action 'self' http://localhost:3000 https://app.example; frame-ancestors 'none'; base-uri 'none'",
    );
  });

  test('an origin that would add a directive or a keyword is refused', () => {
    for (const bad of ['https://a.example; script-src *', 'https://a.example *', "'unsafe-inline'", '*', '', 'localhost:3000 x']) {
      assert.throws(() => pageSecurityPolicy(NONCE, [bad]), TypeError, bad);
    }
  });
});

describe('permissionDescription', () => {
  test('known delegated permissions, by short name, full Graph name or any case', () => {
    assert.equal(permissionDescription('User.ReadWrite'), 'Sign you in, and read and update your profile');
    assert.equal(permissionDescription('https://graph.microsoft.com/User.ReadWrite'), 'Sign you in, and read and update your profile');
    assert.equal(permissionDescription('user.read'), 'Sign you in and read your profile');
    for (const n of ['openid', 'profile', 'email', 'offline_access', 'User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All']) {
      assert.doesNotMatch(permissionDescription(n), /Microsoft Graph permission/, n);
    }
  });

  test('an unknown name gets a generic description that names it', () => {
    assert.equal(permissionDescription('Notes.Read'), 'Use the Microsoft Graph permission Notes.Read on your behalf');
    assert.equal(permissionDescription('https://graph.microsoft.com/Notes.Read'), 'Use the Microsoft Graph permission Notes.Read on your behalf');
  });
});

describe('palette contrast (WCAG AA), light and dark', () => {
  const luminance = (hex: string): number => {
    const full = hex.length === 4 ? [...hex.slice(1)].map((c) => c + c).join('') : hex.slice(1);
    const linear = (v: number): number => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    const [r, g, b] = [0, 2, 4].map((i) => linear(parseInt(full.slice(i, i + 2), 16) / 255));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const ratio = (a: string, b: string): number => {
    const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (x! + 0.05) / (y! + 0.05);
  };
  const sample = messagePage({ nonce: NONCE, heading: 'h', message: 'm' });
  const style = textOf(sample, tags(sample, 'style')[0]!);
  const palette = (css: string): Record<string, string> =>
    Object.fromEntries([...css.matchAll(/--([\w-]+):(#[0-9a-f]{3,6})/gi)].map((m) => [m[1]!, m[2]!]));
  const dark = /@media \(prefers-color-scheme:dark\)\{:root\{([^}]*)\}\}/.exec(style);

  test('both palettes are there', () => {
    assert.ok(dark, 'a dark palette under prefers-color-scheme');
    assert.match(style, /:focus-visible\{outline:2px solid var\(--accent\)/, 'a visible focus outline');
  });

  for (const [scheme, css] of [['light', style.slice(0, style.indexOf('@media'))], ['dark', dark?.[1] ?? '']] as const) {
    test(`${scheme}: text at least 4.5:1, borders and focus ring at least 3:1`, () => {
      const p = palette(css);
      for (const k of ['card', 'fg', 'muted', 'border', 'accent', 'on-accent', 'error']) assert.ok(p[k], `--${k} in the ${scheme} palette`);
      for (const [fg, bg] of [['fg', 'card'], ['muted', 'card'], ['error', 'card'], ['on-accent', 'accent']]) {
        assert.ok(ratio(p[fg]!, p[bg]!) >= 4.5, `${fg} on ${bg}: ${ratio(p[fg]!, p[bg]!).toFixed(2)}`);
      }
      for (const [fg, bg] of [['border', 'card'], ['accent', 'card'], ['error', 'card']]) {
        assert.ok(ratio(p[fg]!, p[bg]!) >= 3, `${fg} against ${bg}: ${ratio(p[fg]!, p[bg]!).toFixed(2)}`);
      }
    });
  }
});
