// GET /beta/docs: the OpenAPI document as a page for people, rendered on the server from the document itself,
// with no script and no external assets (so it works offline and needs no CSP exceptions).
import { xmlEscape } from '../odata/metadata.ts';
import { ERROR_NAME, ref, type Schema } from './schemas.ts';

const h = xmlEscape;

type Parameters = Record<string, Schema>;
type Response = { description?: string; content?: Record<string, { schema: Schema }>; $ref?: string };

const STYLE =
  '<style>body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}' +
  'code{background:#f3f3f3;padding:0 .2em}table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}' +
  '.m{font-weight:bold;text-transform:uppercase;display:inline-block;min-width:4.5em}h3{margin-bottom:.2rem}</style></head><body>';

/** The page for `doc` (what buildOpenApi returns): every operation, then every schema. */
export function renderDocsHtml(doc: Schema): string {
  const info = doc.info as { title: string; version: string; description: string };
  const paths = doc.paths as Record<string, Record<string, Schema>>;
  const components = doc.components as { schemas: Record<string, Schema>; parameters: Parameters };
  const out = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<title>${h(info.title)}</title>`,
    STYLE,
    `<h1>${h(info.title)}</h1><p>${h(info.description)} Version ${h(info.version)}. Machine-readable: <a href="openapi.json">openapi.json</a>.</p>`,
    '<h2>Operations</h2>',
  ];
  for (const [path, item] of Object.entries(paths)) {
    const shared = (item.parameters as unknown as Schema[] | undefined) ?? [];
    for (const method of ['get', 'post', 'patch', 'delete']) {
      if (item[method]) out.push(...operationSection(path, method, item[method], shared, components.parameters));
    }
  }
  out.push('<h2>Schemas</h2>');
  for (const [name, s] of Object.entries(components.schemas)) out.push(...schemaSection(name, s));
  out.push('</body></html>');
  return out.join('\n') + '\n';
}

/** One operation: heading, summary, parameters (the path's shared ones first), request body, responses. */
function operationSection(path: string, method: string, o: Schema, shared: Schema[], parameters: Parameters): string[] {
  const out = [
    `<h3 id="op-${h(String(o.operationId))}"><span class="m">${method}</span> <code>${h(path)}</code></h3>`,
    `<p>${h(String(o.summary))} — <code>${h(String(o.operationId))}</code>${Array.isArray(o.security) && o.security.length === 0 ? ' (no token needed)' : ''}</p>`,
  ];
  if (o.description) out.push(`<p>${h(String(o.description))}</p>`);
  const resolve = (p: Schema): Schema => (typeof p.$ref === 'string' ? parameters[p.$ref.slice(p.$ref.lastIndexOf('/') + 1)]! : p);
  const params = [...shared, ...((o.parameters as Schema[] | undefined) ?? [])].map(resolve);
  if (params.length) {
    out.push('<table><tr><th>parameter</th><th>in</th><th>type</th><th>description</th></tr>');
    for (const p of params) out.push(`<tr><td><code>${h(String(p.name))}</code></td><td>${h(String(p.in))}</td><td>${schemaLabel(p.schema as Schema)}</td><td>${h(String(p.description ?? ''))}</td></tr>`);
    out.push('</table>');
  }
  const body = o.requestBody as { content: Record<string, { schema: Schema }> } | undefined;
  if (body) out.push(`<p>Request body: ${Object.values(body.content).map((c) => schemaLabel(c.schema)).join(', ')}</p>`);
  out.push('<table><tr><th>status</th><th>body</th></tr>');
  for (const [status, r] of Object.entries(o.responses as Record<string, Response>)) out.push(`<tr><td>${h(status)}</td><td>${responseLabel(r)}</td></tr>`);
  out.push('</table>');
  return out;
}

/** A response's body types; a $ref response is one of the components' error responses. */
function responseLabel(r: Response): string {
  if (r.$ref) return schemaLabel(ref(ERROR_NAME));
  return Object.entries(r.content ?? {}).map(([type, c]) => `${h(type)}: ${schemaLabel(c.schema)}`).join(', ') || h(r.description ?? '');
}

/** One schema: what it inherits, and a table of its own properties. */
function schemaSection(name: string, s: Schema): string[] {
  const out = [`<h3 id="schema-${h(name)}">${h(name)}</h3>`];
  const parts = Array.isArray(s.allOf) ? (s.allOf as Schema[]) : [s];
  for (const part of parts) {
    if (part.$ref) {
      out.push(`<p>Inherits ${schemaLabel(part)}.</p>`);
      continue;
    }
    if (part.description) out.push(`<p>${h(String(part.description))}</p>`);
    const props = part.properties as Record<string, Schema> | undefined;
    if (!props) {
      out.push(`<p>${schemaLabel(part)}</p>`);
      continue;
    }
    const required = new Set((part.required as string[] | undefined) ?? []);
    out.push('<table><tr><th>property</th><th>type</th></tr>');
    for (const [p, ps] of Object.entries(props)) out.push(`<tr><td><code>${h(p)}</code>${required.has(p) ? ' (required)' : ''}</td><td>${schemaLabel(ps)}</td></tr>`);
    out.push('</table>');
  }
  return out;
}

/** A schema in one line of HTML: a link for a $ref, the type with its limits otherwise. */
function schemaLabel(s: Schema | undefined): string {
  if (!s) return '';
  if (typeof s.$ref === 'string') {
    const name = s.$ref.slice(s.$ref.lastIndexOf('/') + 1);
    return `<a href="#schema-${h(name)}">${h(name)}</a>`;
  }
  if (Array.isArray(s.anyOf)) return (s.anyOf as Schema[]).map(schemaLabel).join(' | ');
  if (Array.isArray(s.allOf)) return (s.allOf as Schema[]).map(schemaLabel).join(' & ');
  if (s.type === 'array' || (Array.isArray(s.type) && s.type.includes('array'))) {
    const nullable = Array.isArray(s.type) && s.type.includes('null') ? ' | null' : '';
    const items = typeof s.maxItems === 'number' ? ` <small>(at most ${h(String(s.maxItems))} items)</small>` : '';
    const of = schemaLabel(s.items as Schema);
    return `array of ${of.includes(' | ') ? `(${of})` : of}${items}${nullable}`;
  }
  const type = Array.isArray(s.type) ? s.type.join(' | ') : String(s.type ?? 'any');
  const extra: string[] = [];
  if (Array.isArray(s.enum)) extra.push(`one of ${(s.enum as unknown[]).join(', ')}`);
  if (typeof s.maxLength === 'number') extra.push(`max ${s.maxLength} chars`);
  if (typeof s.format === 'string') extra.push(s.format);
  if (s.readOnly) extra.push('read-only');
  return h(type) + (extra.length ? ` <small>(${h(extra.join('; '))})</small>` : '');
}
