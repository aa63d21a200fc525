// GET /beta/openapi.json: a valid OpenAPI document (checked by @seriousme/openapi-schema-validator, and by
// `redocly lint` with the repository's redocly.yaml, no errors and no warnings allowed),
// naming every served path, with the itemPhone schema generated from the descriptors; and the
// service's real answers (entity, collection, profile, errors of each kind, the $batch envelope and what it carries,
// /health) conform to its schemas, checked with Ajv (JSON Schema 2020-12). GET /beta/docs: a page.
// buildOpenApi given a made-up second profile collection (emails) generates its paths beside phones', which stay as
// they were.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { Validator } from '@seriousme/openapi-schema-validator';
import { configProblems, formatProblems, lintOpenApi } from '../scripts/lint-openapi.ts';
import { edm, type EntityTypeDef } from '../src/graph/edm.ts';
import type { EdmModel } from '../src/graph/odata/metadata.ts';
import { singularOf } from '../src/graph/openapi/collections.ts';
import { buildOpenApi } from '../src/graph/openapi/index.ts';
import { profileEdmModel } from '../src/profile/edmModel.ts';
import { phones as phoneCollection } from '../src/profile/phones/collection.ts';
import { itemPhoneType } from '../src/profile/phones/schema.ts';

/** The model the service serves with phones alone. */
const phonesEdmModel = profileEdmModel([phoneCollection]);
import { startTestService, type TestService } from './support/service.ts';

/** The Graph API's paths (and the service's documents). */
const GRAPH_PATHS = [
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
/** What development mode (the test service's) serves beside them: the emulator's controls. */
const EMULATOR_PATHS = [
  '/_emulator/reset',
  '/_emulator/seed',
  '/_emulator/tokens',
  '/_emulator/requests',
  '/_emulator/requests/count',
  '/_emulator/faults',
  '/_emulator/faults/{faultId}',
];
const SERVED_PATHS = [...GRAPH_PATHS, ...EMULATOR_PATHS];

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

// ---- checking values against the document's schemas: Ajv, for JSON Schema 2020-12 (OpenAPI 3.1's dialect) ----

// strict: false, because OpenAPI adds keywords of its own (x-ms-enum-flags, readOnly's siblings) that Ajv must ignore.
// date-time is checked (ajv-formats); int32, int64 and double are OpenAPI's own formats, which say nothing more here
// than `type` does.
const ajv = new Ajv2020({ strict: false, allErrors: true, formats: { int32: true, int64: true, double: true } });
addFormats.default(ajv, ['date-time']);

/** The problems of `value` against `schema` (a schema of the document), as "path: what" strings; none when it conforms. */
function check(schema: Schema, value: unknown): string[] {
  // The document's $refs (#/components/schemas/...) resolve against the root schema, so the components ride along.
  const validate = ajv.compile({ ...schema, components: doc.components });
  if (validate(value)) return [];
  return validate.errors!.map((e) => `$${e.instancePath}: ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
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
  for (const path of EMULATOR_PATHS) {
    for (const operation of Object.values(doc.paths[path]).filter((o: any) => o.operationId)) assert.deepEqual((operation as any).tags, ['emulator'], path);
  }
  assert.ok(doc.tags.some((t: Schema) => t.name === 'emulator' && t.description));
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

  // More kinds of answer: refused by permission, by method and by media type; the $batch envelope and the inner
  // answers it carries (against the operations' own schemas); /health.
  const reader = await svc.token(['--user', 'openapi.tester@contoso.com', '--scopes', 'User.Read']);
  const forbidden = await svc.request('POST', list, { token: reader, body: { number: '+1 425 555 0102' } });
  assert.equal(forbidden.status, 403);
  assertConforms(list, 'post', forbidden);
  const notAllowed = await svc.request('PUT', list, { token, body: { number: '+1 425 555 0103' } });
  assert.equal(notAllowed.status, 405);
  assertConforms(list, 'post', notAllowed);
  const wrongType = await svc.request('POST', list, { token, rawBody: 'number=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(wrongType.status, 415);
  assertConforms(list, 'post', wrongType);
  const batch = await svc.request('POST', '/beta/$batch', {
    token,
    body: { requests: [{ id: '1', method: 'GET', url: '/me/profile/phones?$top=1' }, { id: '2', method: 'GET', url: '/me/profile/phones/00000000-0000-0000-0000-000000000001' }] },
  });
  assert.equal(batch.status, 200);
  assertConforms('/beta/$batch', 'post', batch);
  const [inner1, inner2] = batch.json.responses;
  assert.deepEqual([inner1.status, inner2.status], [200, 404]);
  assert.deepEqual(check(responseSchema(list, 'get', 200), inner1.body), []);
  assert.deepEqual(check(responseSchema(item, 'get', 404), inner2.body), []);
  const health = await svc.request('GET', '/health');
  assert.equal(health.status, 200);
  assertConforms('/health', 'get', health);

  // The checker is not vacuous: a wrong answer is caught.
  assert.notDeepEqual(check(responseSchema(item, 'get', 200), { ...got.json, type: 'cellular' }), []);
  assert.notDeepEqual(check(responseSchema(item, 'get', 200), { ...got.json, createdDateTime: '26 Nov 2026' }), [], 'date-time is checked');
  assert.notDeepEqual(check(responseSchema(item, 'get', 200), { ...got.json, number: 5 }), []);
  assert.notDeepEqual(check(responseSchema(item, 'get', 200), { ...got.json, source: { type: 'User' } }), [], 'the older single-string source form');
  assert.notDeepEqual(check(responseSchema(list, 'get', 400), { error: { message: 'no code' } }), []);
});

test("the emulator's answers conform: the journal, a fault, the faults, a refused fault spec", async () => {
  await svc.request('DELETE', '/_emulator/requests');
  const spec = { match: { method: 'GET', path: '/beta/me/profile/phones/$count' }, respond: { status: 503 }, times: 1 };
  assert.deepEqual(check(doc.paths['/_emulator/faults'].post.requestBody.content['application/json'].schema, spec), []);
  const added = await svc.request('POST', '/_emulator/faults', { body: spec });
  assert.equal(added.status, 201);
  assertConforms('/_emulator/faults', 'post', added);
  const listed = await svc.request('GET', '/_emulator/faults');
  assertConforms('/_emulator/faults', 'get', listed);
  const one = await svc.request('GET', `/_emulator/faults/${added.json.id}`);
  assertConforms('/_emulator/faults/{faultId}', 'get', one);
  const faulted = await svc.request('GET', '/beta/me/profile/phones/$count', { token });
  assert.equal(faulted.status, 503);
  assertConforms('/beta/me/profile/phones/$count', 'get', faulted);
  await svc.request('POST', '/beta/me/profile/phones', { token, body: { number: '+1 425 555 0199' } });
  const journal = await svc.request('GET', '/_emulator/requests');
  assert.equal(journal.json.count, 2);
  assertConforms('/_emulator/requests', 'get', journal);
  assertConforms('/_emulator/requests/count', 'get', await svc.request('GET', '/_emulator/requests/count'));
  const refused = await svc.request('POST', '/_emulator/faults', { body: { ...spec, times: 0 } });
  assert.equal(refused.status, 400);
  assertConforms('/_emulator/faults', 'post', refused);
  // Not vacuous: an entry without its status is caught.
  assert.notDeepEqual(check(responseSchema('/_emulator/requests', 'get', 200), { count: 1, value: [{ ...journal.json.value[0], status: undefined }] }), []);
});

test('conditional requests are described where served: If-Match and If-None-Match, the ETag header, 304 and 412; real answers conform', async () => {
  const item = doc.paths['/beta/users/{user-id}/profile/phones/{itemPhone-id}'];
  const names = (o: Schema) => o.parameters.map((p: Schema) => doc.components.parameters[p.$ref.slice(p.$ref.lastIndexOf('/') + 1)].name);
  assert.deepEqual(names(item.get), ['$select', 'If-Match', 'If-None-Match']);
  assert.deepEqual(names(item.patch), ['If-Match', 'If-None-Match']);
  assert.deepEqual(names(item.delete), ['If-Match', 'If-None-Match']);
  assert.deepEqual(Object.keys(item.get.responses), ['200', '304', '412', '4XX', '5XX']);
  assert.ok(item.patch.responses['412'] && item.delete.responses['412']);
  for (const r of [item.get.responses['200'], item.get.responses['304'], item.patch.responses['200'], doc.paths['/beta/me/profile/phones'].post.responses['201']]) {
    assert.deepEqual(r.headers.ETag, { $ref: '#/components/headers/ETag' });
  }

  const path = '/beta/me/profile/phones/{itemPhone-id}';
  const created = await svc.request('POST', '/beta/me/profile/phones', { token, body: { number: '+1 425 555 0412' } });
  const stale = await svc.request('PATCH', `/beta/me/profile/phones/${created.json.id}`, { token, body: {}, headers: { 'if-match': 'W/"999"' } });
  assert.equal(stale.status, 412);
  assertConforms(path, 'patch', stale);
  const malformed = await svc.request('DELETE', `/beta/me/profile/phones/${created.json.id}`, { token, headers: { 'if-match': 'nope' } });
  assert.equal(malformed.status, 400);
  assertConforms(path, 'delete', malformed);
});

test('GET /beta/docs is the API reference page (Swagger UI, built into dist/web), which reads /beta/openapi.json', async () => {
  // What it shows is rendered in the browser (test/web.docs.test.ts); here: the page and the script it loads.
  const res = await svc.request('GET', '/beta/docs');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  assert.doesNotMatch(res.text, /https?:\/\//, 'nothing from elsewhere');
  const script = /<script type="module"[^>]* src="(\/assets\/docs-[^"]+\.js)"/.exec(res.text)?.[1];
  assert.ok(script, res.text);
  const code = await svc.request('GET', script);
  assert.equal(code.status, 200);
  assert.ok(code.text.includes('/beta/openapi.json'));
});

// ---- a second profile collection: built from its declaration, beside phones ----

/** A made-up itemEmail and the phones model with it as the profile's `emails`. */
const itemEmailType: EntityTypeDef = {
  name: 'microsoft.graph.itemEmail',
  properties: {
    id: itemPhoneType.properties.id!,
    address: { type: edm.string(320), nullable: false, settable: true },
    displayName: { type: edm.string(256), nullable: true, settable: true },
  },
};
const withEmails: EdmModel = {
  ...phonesEdmModel,
  entityTypes: [
    ...phonesEdmModel.entityTypes.map((e) =>
      e.type.name === 'microsoft.graph.profile'
        ? { ...e, navigationProperties: [...(e.navigationProperties ?? []), { name: 'emails', target: itemEmailType.name, collection: true, containsTarget: true }] }
        : e,
    ),
    { type: itemEmailType, baseType: 'microsoft.graph.entity' },
  ],
};
const phones = { segment: 'phones', entity: itemPhoneType };
const emails = { segment: 'emails', entity: itemEmailType };

test("a second collection gets its paths, operations, parameters and page schema from its declaration; phones' stay as they were", { timeout: 30_000 }, async () => {
  const two: Schema = buildOpenApi(withEmails, [phones, emails]);
  const alone: Schema = buildOpenApi(phonesEdmModel, [phones]);

  const emailPaths = ['', '/{itemEmail-id}', '/$count'].flatMap((tail) => ['/beta/me', '/beta/users/{user-id}'].map((root) => `${root}/profile/emails${tail}`));
  assert.deepEqual(Object.keys(two.paths).sort(), [...GRAPH_PATHS, ...emailPaths].sort());
  const operations = (path: string) => Object.fromEntries(['get', 'post', 'patch', 'delete'].filter((m) => two.paths[path][m]).map((m) => [two.paths[path][m].operationId, two.paths[path][m].summary]));
  assert.deepEqual(operations('/beta/users/{user-id}/profile/emails'), { 'users.profile.ListEmails': 'List emails', 'users.profile.CreateEmails': 'Create an email' });
  assert.deepEqual(operations('/beta/me/profile/emails/{itemEmail-id}'), { 'me.profile.GetEmails': 'Get an email', 'me.profile.UpdateEmails': 'Update an email', 'me.profile.DeleteEmails': 'Delete an email' });
  assert.deepEqual(operations('/beta/me/profile/emails/$count'), { 'me.profile.emails.GetCount': 'Count emails' });

  // Its own id and $select (the entity's properties), and its page of itemEmail.
  const parameters = two.components.parameters;
  assert.deepEqual(two.paths['/beta/users/{user-id}/profile/emails/{itemEmail-id}'].parameters, [{ $ref: '#/components/parameters/userId' }, { $ref: '#/components/parameters/itemEmailId' }]);
  assert.equal(parameters.itemEmailId.name, 'itemEmail-id');
  assert.ok(two.paths['/beta/me/profile/emails'].get.parameters.some((p: Schema) => p.$ref === '#/components/parameters/select.itemEmail'));
  assert.deepEqual(parameters['select.itemEmail'].schema.items.enum, ['id', 'address', 'displayName', '*']);
  assert.deepEqual(two.paths['/beta/me/profile/emails'].get.responses['200'].content['application/json'].schema, { $ref: '#/components/schemas/microsoft.graph.itemEmailCollectionResponse' });
  assert.deepEqual(two.components.schemas['microsoft.graph.itemEmailCollectionResponse'].properties.value.items, { $ref: '#/components/schemas/microsoft.graph.itemEmail' });
  assert.match(parameters.expand.description, /: phones, emails, or /);

  // Phones' paths, parameters and schemas are untouched; only the profile (a new navigation property), $expand and
  // info name the second collection.
  for (const [path, item] of Object.entries(alone.paths)) assert.deepEqual(two.paths[path], item, path);
  for (const [name, p] of Object.entries(alone.components.parameters)) if (name !== 'expand') assert.deepEqual(parameters[name], p, name);
  for (const [name, s] of Object.entries(alone.components.schemas)) if (name !== 'microsoft.graph.profile') assert.deepEqual(two.components.schemas[name], s, name);

  // And the document is as clean as the served one.
  const validator = new Validator();
  assert.equal((await validator.validate(structuredClone(two))).valid, true);
  const { totals, problems } = await lintOpenApi(two);
  assert.deepEqual(totals, { errors: 0, warnings: 0, ignored: 0 }, formatProblems(problems));

  // A collection the model lacks, or the profile does not declare, would describe what $metadata knows nothing of.
  assert.throws(() => buildOpenApi(phonesEdmModel, [phones, emails]), /microsoft\.graph\.itemEmail is not in the model/);
  const undeclared = { ...phonesEdmModel, entityTypes: [...phonesEdmModel.entityTypes, { type: itemEmailType, baseType: 'microsoft.graph.entity' }] };
  assert.throws(() => buildOpenApi(undeclared, [phones, emails]), /microsoft\.graph\.profile has no navigation property emails/);
});

test("summaries name one item by the singular of Graph's profile collection names", () => {
  const names = ['phones', 'emails', 'addresses', 'anniversaries', 'educationalActivities', 'skills', 'websites', 'languages', 'webAccounts'];
  assert.deepEqual(names.map(singularOf), ['phone', 'email', 'address', 'anniversary', 'educationalActivity', 'skill', 'website', 'language', 'webAccount']);
});
