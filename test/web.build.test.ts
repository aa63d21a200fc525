// The web build (scripts/build.mjs runs web/vite.config.ts; test/run.mjs builds before any test): dist/web holds the
// page and the API page, each loading only hashed files of its own under /assets/, with nothing the service's
// Content-Security-Policy (script-src 'self'; style-src 'self'; no other origin) would block: no inline script or
// style, no style attribute or event handler attribute, no URL of another origin.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse, type DefaultTreeAdapterTypes } from 'parse5';

const web = new URL('../dist/web/', import.meta.url).pathname;
const assets = join(web, 'assets');
/** What Vite names an asset: the entry's or chunk's name, a dash, an 8-character content hash. */
const HASHED = /^[\w.]+-[\w-]{8}\.(js|css)$/;

type Element = DefaultTreeAdapterTypes.Element;

function elementsOf(html: string): Element[] {
  const found: Element[] = [];
  const walk = (node: DefaultTreeAdapterTypes.ParentNode): void => {
    for (const child of node.childNodes) {
      if ('tagName' in child) found.push(child);
      if ('childNodes' in child) walk(child);
      if ('content' in child) walk(child.content); // <template>
    }
  };
  walk(parse(html));
  return found;
}

const attr = (el: Element, name: string): string | undefined => el.attrs.find((a) => a.name === name)?.value;

/** Checks one built page; returns the asset files it loads. */
function checkPage(file: string): string[] {
  const path = join(web, file);
  assert.ok(existsSync(path), `${path} is missing: run node scripts/build.mjs`);
  const html = readFileSync(path, 'utf8');
  assert.doesNotMatch(html, /https?:\/\//i, `${file} names no URL of another origin`);
  const loaded: string[] = [];
  const asset = (el: Element, url: string | undefined): void => {
    assert.match(url ?? '', /^\/assets\/[^/]+$/, `${file}: <${el.tagName}> loads ${url} (only /assets/ files)`);
    const name = url!.slice('/assets/'.length);
    assert.ok(existsSync(join(assets, name)), `${file}: ${url} exists in dist/web/assets`);
    loaded.push(name);
  };
  for (const el of elementsOf(html)) {
    for (const a of el.attrs) {
      assert.notEqual(a.name, 'style', `${file}: <${el.tagName}> has no style attribute`);
      assert.ok(!a.name.startsWith('on'), `${file}: <${el.tagName}> has no ${a.name} attribute (inline script)`);
    }
    assert.notEqual(el.tagName, 'style', `${file} has no <style> element`);
    if (el.tagName === 'script') {
      assert.equal(el.childNodes.length, 0, `${file} has no inline script`);
      assert.equal(attr(el, 'type'), 'module');
      asset(el, attr(el, 'src'));
    }
    if (el.tagName === 'link') {
      const rel = attr(el, 'rel');
      if (rel === 'icon') assert.equal(attr(el, 'href'), 'data:,', `${file}: the icon is none at all (no request)`);
      else if (rel === 'stylesheet' || rel === 'modulepreload') asset(el, attr(el, 'href'));
      else assert.fail(`${file}: unexpected <link rel="${rel}">`);
    }
    assert.ok(!['img', 'iframe', 'object', 'base', 'form'].includes(el.tagName), `${file}: unexpected <${el.tagName}>`);
  }
  assert.ok(loaded.some((f) => f.endsWith('.js')), `${file} loads a script`);
  assert.ok(loaded.some((f) => f.endsWith('.css')), `${file} loads a style sheet`);
  return loaded;
}

describe('the web build (dist/web)', () => {
  test('index.html, the page: loads only its own hashed assets, nothing inline', () => {
    checkPage('index.html');
    assert.match(readFileSync(join(web, 'index.html'), 'utf8'), /<div id="app"><\/div>/, 'the element the page renders into');
  });

  test('docs.html, the API page: the same, with the place for Swagger UI and the sign-in bar', () => {
    const loaded = checkPage('docs.html');
    const html = readFileSync(join(web, 'docs.html'), 'utf8');
    for (const id of ['swagger-ui', 'docs-who', 'docs-sign']) assert.match(html, new RegExp(`id="${id}"`));
    const scripts = loaded.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(assets, f), 'utf8')).join('\n');
    assert.ok(scripts.includes('/beta/openapi.json'), 'Swagger UI is fed by /beta/openapi.json');
  });

  test('the assets are hashed JavaScript and CSS, and CSS loads nothing from another origin', () => {
    const files = readdirSync(assets);
    assert.ok(files.length > 0);
    for (const f of files) assert.match(f, HASHED);
    for (const f of files.filter((name) => name.endsWith('.css'))) {
      const css = readFileSync(join(assets, f), 'utf8');
      assert.doesNotMatch(css, /@import/, `${f} imports no other style sheet`);
      for (const [, url] of css.matchAll(/url\(\s*['"]?([^'")\s]+)/g)) {
        assert.match(url!, /^(data:|\/assets\/|#)/, `${f}: url(${url}) is a data: URI or one of our assets`);
      }
    }
  });
});
