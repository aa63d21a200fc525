// GET /beta/openapi.json: a valid OpenAPI document (checked by @seriousme/openapi-schema-validator, and by
// `redocly lint` with the repository's redocly.yaml, no errors and no warnings allowed),
// naming every served path, with the itemPhone schema generated from the descriptors; and the
// service's real answers (entity, collection, error) conform to its schemas. GET /beta/docs: a page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { configProblems, formatProblems, lintOpenApi } from '../scripts/lint-openapi.ts';
import { itemPhoneType } from '../src/profile/phones/schema.ts';
import { startTestService, type TestService } from './support/service.ts';

const SERVED_PATHS = [
  '/beta/me/profile/phones',
  '/beta/me/profile/phones/{itemPhone-id}',
  '/beta/me/profile/phones/$count',
  '/beta/users/{user-id}/profile/phones',
  '/beta/users/{user-id}/profile/phones/{itemPhone-id}',
  '/beta/users/{user-id}/profile/phones/$count',
  '/beta/me/profile',
  '/beta/users/{user-id}/profile',
  '/beta/$batch',
  '/beta/$metadata',
  '/beta/openapi.json',
  '/beta/docs',
  '/health',
];

type Schema = Record<string, any>;

let svc: TestService;
let token: string;
let doc: Schema;
before(async () => {
  svc = await startTestService();
  token = await svc.token(['--user', 'openapi.tester@contoso.com']);
  const res = await svc.request('GET', '/beta/openapi.json');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  doc = res.json;
});
after(() => svc.stop());

// ---- a small JSON Schema checker for the subset the generator emits ----

function resolve(s: Schema): Schema {
  let cur = s;
  while (typeof cur.$ref === 'string') {
    const m = /^#\/components\/schemas\/(.+)$/.exec(cur.$ref);
    assert.ok(m && doc.components.schemas[m[1]!], `unresolvable $ref ${cur.$ref}`);
    cur = doc.components.schemas[m[1]!];
  }
  return cur;
}

const jsonType = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v;

/** The problems of `value` against `schema`, as "path: what" strings (none when it conforms). */
function check(schema: Schema, value: unknown, path = '$'): string[] {
  const s = resolve(schema);
  const problems: string[] = [];
  if (s.allOf) for (const part of s.allOf) problems.push(...check(part, value, path));
  if (s.anyOf && !s.anyOf.some((part: Schema) => check(part, value, path).length === 0)) problems.push(`${path}: matches none of anyOf`);
  if (s.type !== undefined) {
    const types: string[] = Array.isArray(s.type) ? s.type : [s.type];
    const t = jsonType(value);
    if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) return [...problems, `${path}: ${t} is not ${types.join('|')}`];
  }
  if (s.enum && !s.enum.includes(value)) problems.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if (typeof value === 'string') {
    if (s.maxLength !== undefined && value.length > s.maxLength) problems.push(`${path}: longer than ${s.maxLength}`);
    if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(value)) problems.push(`${path}: ${JSON.stringify(value)} does not match ${s.pattern}`);
  }
  if (typeof value === 'number') {
    if (s.minimum !== undefined && value < s.minimum) problems.push(`${path}: below ${s.minimum}`);
    if (s.maximum !== undefined && value > s.maximum) problems.push(`${path}: above ${s.maximum}`);
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const r of s.required ?? []) if (!(r in obj)) problems.push(`${path}: missing ${r}`);
    for (const [k, ps] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
      if (k in obj) problems.push(...check(ps, obj[k], `${path}.${k}`));
    }
  }
  if (Array.isArray(value) && s.maxItems !== undefined && value.length > s.maxItems) problems.push(`${path}: more than ${s.maxItems} items`);
  if (Array.isArray(value) && s.items) value.forEach((v, i) => problems.push(...check(s.items, v, `${path}[${i}]`)));
  return problems;
}

/** All property names of a component schema, through allOf. */
function propertyNames(name: string): string[] {
  const s = doc.components.schemas[name];
  const parts: Schema[] = s.allOf ?? [s];
  return parts.flatMap((p) => (p.$ref ? propertyNames(p.$ref.slice(p.$ref.lastIndexOf('/') + 1)) : Object.keys(p.properties ?? {})));
}

/** The schema of the `status` response of `method path` (4XX/5XX ranges and $ref responses included). */
function responseSchema(path: string, method: string, status: number): Schema {
  const op = doc.paths[path]?.[method];
  assert.ok(op, `${method} ${path} is not described`);
  let r = op.responses[String(status)] ?? op.responses[`${String(status)[0]}XX`];
  assert.ok(r, `${method} ${path} has no response for ${status}`);
  if (r.$ref) r = doc.components.responses[r.$ref.slice(r.$ref.lastIndexOf('/') + 1)];
  return r.content['application/json'].schema;
}

function assertConforms(path: string, method: string, res: { status: number; json: unknown }): void {
  const problems = check(responseSchema(path, method, res.status), res.json);
  assert.deepEqual(problems, [], `${method.toUpperCase()} ${path} ${res.status}: ${JSON.stringify(res.json)}`);
}

// ---- tests ----

test('the document passes the OpenAPI schema validator with no errors', async () => {
  const validator = new Validator();
  const result = await validator.validate(structuredClone(doc));
  assert.deepEqual(result.errors ?? [], []);
  assert.equal(result.valid, true);
  // Every $ref resolves.
  assert.doesNotThrow(() => validator.resolveRefs());
  assert.match(doc.openapi, /^3\.1\./);
});

test('the served document passes `redocly lint` (recommended rules, redocly.yaml) with no errors and no warnings', { timeout: 30_000 }, async () => {
  const { totals, problems, stderr } = await lintOpenApi(doc);
  assert.equal(configProblems(stderr), false, `redocly.yaml itself has problems:\n${stderr}`);
  assert.deepEqual(totals, { errors: 0, warnings: 0, ignored: 0 }, `redocly lint found:\n${formatProblems(problems)}`);
  // The linter is not vacuous: a flaw is caught.
  const flawed = structuredClone(doc);
  delete flawed.paths['/beta/docs'].get.operationId;
  const caught = await lintOpenApi(flawed);
  assert.deepEqual(caught.problems.map((p) => p.ruleId), ['operation-operationId']);
});

test('every served path is described, and nothing else', () => {
  assert.deepEqual(Object.keys(doc.paths).sort(), [...SERVED_PATHS].sort());
  const ids = Object.values(doc.paths).flatMap((item: any) =>
    ['get', 'post', 'patch', 'delete'].filter((m) => item[m]).map((m) => item[m].operationId as string),
  );
  assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  assert.ok(ids.every((id) => typeof id === 'string' && id.length > 0));
});

test("itemPhone's schema has exactly the descriptors' properties, with the published nullability", () => {
  assert.deepEqual(propertyNames('microsoft.graph.itemPhone').sort(), Object.keys(itemPhoneType.properties).sort());
  const own = doc.components.schemas['microsoft.graph.itemPhone'].allOf[1].properties;
  // type: Nullable="false" in the CSDL (declaredNullable), number: nullable there.
  assert.deepEqual(own.type, { $ref: '#/components/schemas/microsoft.graph.phoneType' });
  assert.deepEqual(own.number.type, ['string', 'null']);
  assert.equal(own.number.maxLength, 128);
  assert.deepEqual(doc.components.schemas['microsoft.graph.phoneType'].enum, itemPhoneType.properties.type!.type.kind === 'enum' ? [...itemPhoneType.properties.type!.type.members] : null);
  const audiences = doc.components.schemas['microsoft.graph.allowedAudiences'];
  assert.equal(audiences.type, 'string');
  assert.match('me,family', new RegExp(audiences.pattern));
  assert.doesNotMatch('me,nobody', new RegExp(audiences.pattern));
});

test("source is personDataSources: type a nullable array of nullable strings, as production Graph's OpenAPI has it", () => {
  const facet = doc.components.schemas['microsoft.graph.itemFacet'].allOf[1].properties;
  assert.deepEqual(facet.source, { anyOf: [{ $ref: '#/components/schemas/microsoft.graph.personDataSources' }, { type: 'null' }] });
  assert.deepEqual(doc.components.schemas['microsoft.graph.personDataSources'], {
    title: 'personDataSources',
    type: 'object',
    properties: { type: { type: ['array', 'null'], items: { type: ['string', 'null'], maxLength: 128 }, maxItems: 32 } },
  });
  assert.equal(doc.components.schemas['microsoft.graph.personDataSource'], undefined);
});

test("the service's real answers conform to the document's schemas", async () => {
  const list = '/beta/me/profile/phones';
  const item = '/beta/me/profile/phones/{itemPhone-id}';
  const created = await svc.request('POST', list, {
    token,
    body: { displayName: 'Car Phone', number: '+7 499 342 22 13', type: 'mobile', allowedAudiences: 'me,family', inference: { confidenceScore: 0.5 }, source: { type: ['User', null] }, isSearchable: true },
  });
  assert.equal(created.status, 201);
  assert.deepEqual(created.json.source, { type: ['User', null] }, 'a non-null source is among the answers checked');
  assertConforms(list, 'post', created);
  // A request body the document describes is one the service accepts.
  assert.deepEqual(check(doc.paths[list].post.requestBody.content['application/json'].schema, { number: '+1 425 555 0100', type: 'home' }), []);

  const got = await svc.request('GET', `${list}/${created.json.id}`, { token });
  assert.equal(got.status, 200);
  assertConforms(item, 'get', got);

  await svc.request('POST', list, { token, body: { number: '+1 425 555 0101', type: 'home' } });
  const page = await svc.request('GET', `${list}?$top=1&$count=true`, { token });
  assert.equal(page.status, 200);
  assert.ok(page.json['@odata.nextLink']);
  assertConforms(list, 'get', page);

  const patched = await svc.request('PATCH', `${list}/${created.json.id}`, { token, body: { displayName: null } });
  assert.equal(patched.status, 200);
  assertConforms(item, 'patch', patched);

  const profile = await svc.request('GET', '/beta/me/profile?$expand=phones', { token });
  assert.equal(profile.status, 200);
  assertConforms('/beta/me/profile', 'get', profile);

  const errors = [
    await svc.request('POST', list, { token, body: { foo: 1 } }),
    await svc.request('GET', `${list}/00000000-0000-0000-0000-000000000000`, { token }),
    await svc.request('GET', list),
  ];
  assert.deepEqual(errors.map((e) => e.status), [400, 404, 401]);
  for (const e of errors) assertConforms(list, 'get', e);

  // The checker is not vacuous: a wrong answer is caught.
  assert.notDeepEqual(check(responseSchema(item, 'get', 200), { ...got.json, type: 'cellular' }), []);
  assert.notDeepEqual(check(responseSchema(item, 'get', 200), { ...got.json, source: { type: 'User' } }), [], 'the older single-string source form');
  assert.notDeepEqual(check(responseSchema(list, 'get', 400), { error: { message: 'no code' } }), []);
});

test('GET /beta/docs is a page listing the operations and schemas', async () => {
  const res = await svc.request('GET', '/beta/docs');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  for (const id of ['me.profile.ListPhones', 'users.profile.CreatePhones', 'me.profile.DeletePhones', 'batch']) assert.ok(res.text.includes(id), id);
  assert.ok(res.text.includes('microsoft.graph.itemPhone'));
  assert.doesNotMatch(res.text, /<script|https?:\/\/(?!graph)/);
});
