// End-to-end validation suite for /beta/me/profile/phones: every refused request is checked for its
// status, error.code and (where it carries information) message, and every refused write also for
// leaving the stored phones exactly as they were. Runs against the real service over a real socket.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { assertGraphError } from './support/assertions.ts';
import { isGuid, startTestService, type RequestOptions, type TestResponse, type TestService } from './support/service.ts';

const ME = '/beta/me/profile/phones';
const MALFORMED =
  'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.';
const unknownProperty = (name: string, type: string) =>
  `The property '${name}' does not exist on type '${type}'. Make sure to only use property names that are defined by the type or mark the type as open type.`;
const AUDIENCES_IN_ORDER = [
  'me',
  'family',
  'contacts',
  'groupMembers',
  'organization',
  'federatedOrganizations',
  'everyone',
  'unknownFutureValue',
];

let svc: TestService;
let alice: string;
/** alice's user id and display name as the server records them (from the seed phone's createdBy). */
let aliceUser: { id: string; displayName: string };
/** A phone that refused PATCHes aim at; its stored form must never change. */
let seedId: string;

const req = (method: string, path: string, options: RequestOptions = {}) => svc.request(method, path, { token: alice, ...options });
const post = (body: unknown, path = ME) => req('POST', path, { body });
const patch = (id: string, body: unknown) => req('PATCH', `${ME}/${id}`, { body });
const postRaw = (rawBody: string | Buffer, contentType?: string) =>
  req('POST', ME, { rawBody, headers: contentType === undefined ? {} : { 'content-type': contentType } });
const patchRaw = (id: string, rawBody: string | Buffer, contentType?: string) =>
  req('PATCH', `${ME}/${id}`, { rawBody, headers: contentType === undefined ? {} : { 'content-type': contentType } });

/** Every stored phone of alice's, in the largest page the service serves (this suite stores fewer). */
async function listPhones(): Promise<any[]> {
  const res = await req('GET', `${ME}?$top=999`);
  assert.equal(res.status, 200, `list: ${res.text}`);
  assert.ok(Array.isArray(res.json.value));
  assert.equal(res.json['@odata.nextLink'], undefined, 'more phones than one page holds');
  return res.json.value;
}

async function getPhone(id: string): Promise<any> {
  const res = await req('GET', `${ME}/${id}`);
  assert.equal(res.status, 200, `get ${id}: ${res.text}`);
  return res.json;
}

async function create(body: Record<string, unknown>): Promise<any> {
  const res = await post(body);
  assert.equal(res.status, 201, `create: ${res.text}`);
  assert.ok(isGuid(res.json.id));
  return res.json;
}

/** A request that must be refused with (status, code, message), leaving every stored phone untouched. */
async function refused(
  send: () => Promise<TestResponse>,
  status: number,
  code: string,
  message?: RegExp | string,
): Promise<TestResponse> {
  const before = await listPhones();
  const res = await send();
  assertGraphError(res, status, code, message);
  assert.deepEqual(await listPhones(), before, 'stored phones changed although the request was refused');
  return res;
}

/** Sends `body` as POST and as PATCH of the seed phone; both must be refused alike, changing nothing. */
async function refusedOnPostAndPatch(body: unknown, status: number, code: string, message?: RegExp | string): Promise<void> {
  await refused(() => post(body), status, code, message);
  await refused(() => patch(seedId, body), status, code, message);
}

async function refusedRawOnPostAndPatch(
  rawBody: string | Buffer,
  contentType: string | undefined,
  status: number,
  code: string,
  message?: RegExp | string,
): Promise<void> {
  await refused(() => postRaw(rawBody, contentType), status, code, message);
  await refused(() => patchRaw(seedId, rawBody, contentType), status, code, message);
}

before(async () => {
  svc = await startTestService();
  alice = await svc.token(['--user', 'alice@contoso.com']);
  const seed = await create({ displayName: 'Car Phone', number: '+7 499 342 22 13', type: 'other' });
  seedId = seed.id;
  aliceUser = seed.createdBy.user;
  assert.ok(isGuid(aliceUser.id));
  assert.equal(aliceUser.displayName, 'Alice');
});
after(() => svc.stop());

// ---------------------------------------------------------------------------------------------
// Malformed JSON and bodies that are not JSON objects

const malformedBodies: Array<[string, string]> = [
  ['truncated', '{"number":"+1 555 0100"'],
  ['trailing garbage', '{"number":"+1 555 0100"} garbage'],
  ['two objects', '{"number":"1"}{"number":"2"}'],
  ['unquoted property name', '{number:"+1 555 0100"}'],
  ['single quotes', "{'number':'+1 555 0100'}"],
  ['trailing comma', '{"number":"+1 555 0100",}'],
  ['empty body', ''],
  ['whitespace only', '   \r\n'],
];
for (const [label, text] of malformedBodies) {
  test(`malformed JSON (${label}) -> 400 BadRequest, nothing stored`, async () => {
    await refusedRawOnPostAndPatch(text, 'application/json', 400, 'BadRequest', MALFORMED);
  });
}

const nonObjectBodies: Array<[string, string, string]> = [
  ['an array', '[{"number":"+1 555 0100"}]', 'StartArray'],
  ['a string', '"+1 555 0100"', 'PrimitiveValue'],
  ['a number', '15550100', 'PrimitiveValue'],
  ['null', 'null', 'PrimitiveValue'],
  ['true', 'true', 'PrimitiveValue'],
];
for (const [label, text, node] of nonObjectBodies) {
  test(`body that is ${label} -> 400 RequestBodyRead`, async () => {
    const message = new RegExp(`An unexpected '${node}' node was found .*A 'StartObject' node was expected`);
    await refusedRawOnPostAndPatch(text, 'application/json', 400, 'RequestBodyRead', message);
  });
}

test('deeply nested JSON array body -> 400 RequestBodyRead, service keeps answering', async () => {
  const depth = 30_000;
  await refused(() => postRaw('['.repeat(depth) + ']'.repeat(depth), 'application/json'), 400, 'RequestBodyRead');
  assert.equal((await svc.request('GET', '/health')).status, 200);
});

// ---------------------------------------------------------------------------------------------
// Content-Type

const unsupportedTypes = ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'text/json', 'application/jsonp'];
for (const contentType of unsupportedTypes) {
  test(`Content-Type ${contentType} -> 415 RequestBodyRead`, async () => {
    const body = contentType.includes('form') ? 'number=%2B1%20555%200100' : '{"number":"+1 555 0100"}';
    const message = new RegExp(`supported MIME type.*'${contentType.replace(/[/+.]/g, '\\$&')}'`);
    await refusedRawOnPostAndPatch(body, contentType, 415, 'RequestBodyRead', message);
  });
}

test('no Content-Type with a body -> 415 RequestBodyRead', async () => {
  // A Buffer body: fetch adds no Content-Type of its own (a string body would get text/plain).
  const body = Buffer.from('{"number":"+1 555 0100"}');
  await refusedRawOnPostAndPatch(body, undefined, 415, 'RequestBodyRead', /supported MIME type.*no Content-Type/);
});

test('no Content-Type and no body on POST and PATCH -> 415 RequestBodyRead', async () => {
  await refused(() => req('POST', ME), 415, 'RequestBodyRead');
  await refused(() => req('PATCH', `${ME}/${seedId}`), 415, 'RequestBodyRead');
});

test('Content-Type application/json; charset=utf-8 is accepted on POST and PATCH', async () => {
  const created = await postRaw('{"number":"+1 555 0101","displayName":"Ünïcode"}', 'application/json; charset=utf-8');
  assert.equal(created.status, 201, created.text);
  assert.equal(created.json.number, '+1 555 0101');
  assert.equal(created.json.displayName, 'Ünïcode');
  const updated = await patchRaw(created.json.id, '{"displayName":"Desk"}', 'application/json; charset=utf-8');
  assert.equal(updated.status, 200, updated.text);
  assert.equal(updated.json.displayName, 'Desk');
  assert.equal((await getPhone(created.json.id)).displayName, 'Desk');
});

for (const contentType of ['application/json;odata.metadata=minimal;odata.streaming=true', 'APPLICATION/JSON', 'application/json ; charset=UTF-8']) {
  test(`Content-Type ${contentType} is accepted (parameters and case of the media type do not matter)`, async () => {
    const created = await postRaw('{"number":"+1 555 0120"}', contentType);
    assert.equal(created.status, 201, created.text);
    const updated = await patchRaw(created.json.id, '{"displayName":"ct"}', contentType);
    assert.equal(updated.status, 200, updated.text);
    assert.equal((await getPhone(created.json.id)).displayName, 'ct');
  });
}

// ---------------------------------------------------------------------------------------------
// Unknown properties

const unknownPropertyCases: Array<[string, Record<string, unknown>, string, string]> = [
  ['top level', { number: '+1 555 0100', foo: 1 }, 'foo', 'microsoft.graph.itemPhone'],
  ['top level, null value', { number: '+1 555 0100', foo: null }, 'foo', 'microsoft.graph.itemPhone'],
  ['case-mismatched name', { number: '+1 555 0100', DisplayName: 'x' }, 'DisplayName', 'microsoft.graph.itemPhone'],
  ['sources (not in this version)', { number: '+1 555 0100', sources: [] }, 'sources', 'microsoft.graph.itemPhone'],
  ['nested in inference', { number: '+1 555 0100', inference: { confidenceScore: 1, foo: 1 } }, 'foo', 'microsoft.graph.inferenceData'],
  ['nested in source', { number: '+1 555 0100', source: { type: ['User'], foo: 'x' } }, 'foo', 'microsoft.graph.personDataSources'],
  ['named like an Object.prototype member', { number: '+1 555 0100', constructor: 'x' }, 'constructor', 'microsoft.graph.itemPhone'],
  ['toString nested in inference', { number: '+1 555 0100', inference: { toString: 1 } }, 'toString', 'microsoft.graph.inferenceData'],
];
for (const [label, body, name, type] of unknownPropertyCases) {
  test(`unknown property (${label}) -> 400 RequestBodyRead`, async () => {
    await refusedOnPostAndPatch(body, 400, 'RequestBodyRead', unknownProperty(name, type));
  });
}

test('unknown property __proto__ (raw JSON) -> 400 RequestBodyRead, not stored', async () => {
  const text = '{"number":"+1 555 0100","__proto__":{"displayName":"polluted"}}';
  await refusedRawOnPostAndPatch(text, 'application/json', 400, 'RequestBodyRead', unknownProperty('__proto__', 'microsoft.graph.itemPhone'));
});

// ---------------------------------------------------------------------------------------------
// Wrong JSON types

const wrongTypeCases: Array<[string, Record<string, unknown>, RegExp | string]> = [
  ['number as a JSON number', { number: 15550100 }, /'15550100'.*'Edm\.String'.*'number'/],
  ['number as an object', { number: { value: '+1' } }, /'StartObject'.*'number'.*'PrimitiveValue' node was expected/],
  ['number as an array', { number: ['+1'] }, /'StartArray'.*'number'.*'PrimitiveValue' node was expected/],
  ['displayName as a boolean', { number: '+1 555 0100', displayName: true }, /'true'.*'Edm\.String'.*'displayName'/],
  ['isSearchable as "true"', { number: '+1 555 0100', isSearchable: 'true' }, /'true'.*'Edm\.Boolean'.*'isSearchable'/],
  ['isSearchable as 1', { number: '+1 555 0100', isSearchable: 1 }, /'1'.*'Edm\.Boolean'.*'isSearchable'/],
  ['inference as a string', { number: '+1 555 0100', inference: 'high' }, /'PrimitiveValue'.*'inference'.*'StartObject' node was expected/],
  ['inference as an array', { number: '+1 555 0100', inference: [] }, /'StartArray'.*'inference'.*'StartObject' node was expected/],
  [
    'inference.confidenceScore as "high"',
    { number: '+1 555 0100', inference: { confidenceScore: 'high' } },
    /'high'.*'Edm\.Double'.*'inference\/confidenceScore'/,
  ],
  [
    'inference.userHasVerifiedAccuracy as "yes"',
    { number: '+1 555 0100', inference: { userHasVerifiedAccuracy: 'yes' } },
    /'yes'.*'Edm\.Boolean'.*'inference\/userHasVerifiedAccuracy'/,
  ],
  ['source as a string', { number: '+1 555 0100', source: 'User' }, /'PrimitiveValue'.*'source'.*'StartObject' node was expected/],
  // The older personDataSource form (one string, as in the CSDL excerpt and the docs): refused, as OData refuses a
  // primitive value where a collection belongs. Production Graph and its SDKs type source as personDataSources.
  [
    'source.type as a string (the older personDataSource form)',
    { number: '+1 555 0100', source: { type: 'User' } },
    "An unexpected 'PrimitiveValue' node was found for property named 'source/type' when reading from the JSON reader. A 'StartArray' node was expected.",
  ],
  ['source.type as an object', { number: '+1 555 0100', source: { type: { User: true } } }, /^An unexpected 'StartObject' node was found for property named 'source\/type' .*A 'StartArray' node was expected\.$/],
  ['source.type as a number', { number: '+1 555 0100', source: { type: 5 } }, /^An unexpected 'PrimitiveValue' node .*'source\/type'.*'StartArray' node was expected\.$/],
  ['source.type as a boolean', { number: '+1 555 0100', source: { type: true } }, /'PrimitiveValue'.*'source\/type'.*'StartArray' node was expected/],
  [
    'a number in source.type',
    { number: '+1 555 0100', source: { type: ['User', 5] } },
    "Cannot convert the literal '5' to the expected type 'Edm.String' for property 'source/type'.",
  ],
  ['a boolean in source.type', { number: '+1 555 0100', source: { type: [false] } }, "Cannot convert the literal 'false' to the expected type 'Edm.String' for property 'source/type'."],
  [
    'an object in source.type',
    { number: '+1 555 0100', source: { type: [{ type: 'User' }] } },
    "An unexpected 'StartObject' node was found for property named 'source/type' when reading from the JSON reader. A 'PrimitiveValue' node was expected.",
  ],
  [
    'an array in source.type',
    { number: '+1 555 0100', source: { type: [['User']] } },
    "An unexpected 'StartArray' node was found for property named 'source/type' when reading from the JSON reader. A 'PrimitiveValue' node was expected.",
  ],
  ['type as 5', { number: '+1 555 0100', type: 5 }, /'5'.*'microsoft\.graph\.phoneType'.*'type'/],
  ['allowedAudiences as 5', { number: '+1 555 0100', allowedAudiences: 5 }, /'5'.*'microsoft\.graph\.allowedAudiences'.*'allowedAudiences'/],
  ['allowedAudiences as an object', { number: '+1 555 0100', allowedAudiences: { me: true } }, /'StartObject'.*'allowedAudiences'/],
];
for (const [label, body, message] of wrongTypeCases) {
  test(`wrong JSON type (${label}) -> 400 RequestBodyRead`, async () => {
    await refusedOnPostAndPatch(body, 400, 'RequestBodyRead', message);
  });
}

test('inference.confidenceScore beyond the double range (1e400, -1e400) -> 400 RequestBodyRead, never stored as null', async () => {
  for (const literal of ['1e400', '-1e400']) {
    const text = `{"number":"+1 555 0100","inference":{"confidenceScore":${literal}}}`;
    await refusedRawOnPostAndPatch(text, 'application/json', 400, 'RequestBodyRead', /'inference\/confidenceScore'/);
  }
});

// ---------------------------------------------------------------------------------------------
// Enums

const badEnumCases: Array<[string, Record<string, unknown>, RegExp]> = [
  ['type "Mobile" (case-sensitive)', { type: 'Mobile' }, /'Mobile'.*'type'.*microsoft\.graph\.phoneType/],
  ['type "cell"', { type: 'cell' }, /'cell'.*'type'.*microsoft\.graph\.phoneType/],
  ['type ""', { type: '' }, /''.*'type'.*microsoft\.graph\.phoneType/],
  ['allowedAudiences "Organization"', { allowedAudiences: 'Organization' }, /'Organization'.*'allowedAudiences'.*microsoft\.graph\.allowedAudiences/],
  ['allowedAudiences "me,bogus"', { allowedAudiences: 'me,bogus' }, /'bogus'.*'allowedAudiences'.*microsoft\.graph\.allowedAudiences/],
  ['allowedAudiences ["me","bogus"]', { allowedAudiences: ['me', 'bogus'] }, /'bogus'.*'allowedAudiences'/],
  ['allowedAudiences []', { allowedAudiences: [] }, /'allowedAudiences'/],
  ['allowedAudiences ""', { allowedAudiences: '' }, /'allowedAudiences'/],
  ['allowedAudiences "me,"', { allowedAudiences: 'me,' }, /'allowedAudiences'/],
  ['allowedAudiences [null]', { allowedAudiences: [null] }, /'allowedAudiences'/],
  ['allowedAudiences ["me,family"] (a list of comma strings)', { allowedAudiences: ['me,family'] }, /'allowedAudiences'/],
];
for (const [label, extra, message] of badEnumCases) {
  test(`bad enum value: ${label} -> 400 RequestBodyRead`, async () => {
    await refused(() => post({ number: '+1 555 0100', ...extra }), 400, 'RequestBodyRead', message);
    await refused(() => patch(seedId, extra), 400, 'RequestBodyRead', message);
  });
}

const audienceCases: Array<[string, unknown, string]> = [
  ['"me,family"', 'me,family', 'me,family'],
  ['["family","me"]', ['family', 'me'], 'me,family'],
  ['"me, family" (spaces)', 'me, family', 'me,family'],
  ['"family,me,family" (duplicates)', 'family,me,family', 'me,family'],
  ['["everyone","me","me"] (array with duplicates)', ['everyone', 'me', 'me'], 'me,everyone'],
  ['every member, reversed', [...AUDIENCES_IN_ORDER].reverse().join(','), AUDIENCES_IN_ORDER.join(',')],
  ['"organization"', 'organization', 'organization'],
];
for (const [label, sent, answered] of audienceCases) {
  test(`allowedAudiences ${label} is accepted and answered as "${answered}"`, async () => {
    const created = await create({ number: '+1 555 0102', allowedAudiences: sent });
    assert.equal(created.allowedAudiences, answered);
    assert.equal((await getPhone(created.id)).allowedAudiences, answered);
    // The same through PATCH, from a different starting value.
    const other = await create({ number: '+1 555 0103', allowedAudiences: 'contacts' });
    const updated = await patch(other.id, { allowedAudiences: sent });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.json.allowedAudiences, answered);
    const listed = (await listPhones()).find((p) => p.id === other.id);
    assert.equal(listed.allowedAudiences, answered);
  });
}

test('allowedAudiences defaults to "organization" when not given', async () => {
  const created = await create({ number: '+1 555 0104' });
  assert.equal(created.allowedAudiences, 'organization');
  assert.equal((await getPhone(created.id)).allowedAudiences, 'organization');
});

test('allowedAudiences null -> 400 RequestBodyRead (not nullable) on POST and PATCH', async () => {
  await refusedOnPostAndPatch({ number: '+1 555 0100', allowedAudiences: null }, 400, 'RequestBodyRead', /'allowedAudiences'.*Nullable=False/);
});

test('type null is accepted (stored null); type omitted answers null', async () => {
  const withNull = await create({ number: '+1 555 0105', type: null });
  assert.equal(withNull.type, null);
  assert.equal((await getPhone(withNull.id)).type, null);
  const omitted = await create({ number: '+1 555 0106' });
  assert.ok(Object.hasOwn(omitted, 'type'), 'type is present in the response');
  assert.equal(omitted.type, null);
  assert.equal((await getPhone(omitted.id)).type, null);
  // PATCH to a member and back to null.
  const mobile = await patch(omitted.id, { type: 'mobile' });
  assert.equal(mobile.status, 200, mobile.text);
  assert.equal(mobile.json.type, 'mobile');
  const cleared = await patch(omitted.id, { type: null });
  assert.equal(cleared.status, 200, cleared.text);
  assert.equal(cleared.json.type, null);
  assert.equal((await getPhone(omitted.id)).type, null);
});

// ---------------------------------------------------------------------------------------------
// number

test('number missing on create -> 400 invalidRequest', async () => {
  await refused(() => post({ displayName: 'No number' }), 400, 'invalidRequest', /'number'/);
  await refused(() => post({}), 400, 'invalidRequest', /'number'/);
});

test('number null -> 400 RequestBodyRead mentioning Nullable=False, on POST and PATCH', async () => {
  const message =
    "A null value was found for the property named 'number', which has the expected type 'Edm.String[Nullable=False]'. The expected type 'Edm.String[Nullable=False]' does not allow null values.";
  await refusedOnPostAndPatch({ number: null }, 400, 'RequestBodyRead', message);
});

for (const [label, value] of [
  ['""', ''],
  ['"   "', '   '],
  ['tabs and newlines', '\t\r\n'],
] as const) {
  test(`number ${label} -> 400 invalidRequest on POST and PATCH, stored number unchanged`, async () => {
    const before = (await getPhone(seedId)).number;
    await refusedOnPostAndPatch({ number: value }, 400, 'invalidRequest', /'number'/);
    assert.equal((await getPhone(seedId)).number, before);
  });
}

// ---------------------------------------------------------------------------------------------
// Length limits (UTF-16 code units)

test('displayName of 256 characters is accepted, 257 refused', async () => {
  const ok = await create({ number: '+1 555 0107', displayName: 'd'.repeat(256) });
  assert.equal(ok.displayName, 'd'.repeat(256));
  assert.equal((await getPhone(ok.id)).displayName, 'd'.repeat(256));
  await refusedOnPostAndPatch({ number: '+1 555 0100', displayName: 'd'.repeat(257) }, 400, 'invalidRequest', /'displayName'/);
});

test('number of 128 characters is accepted, 129 refused', async () => {
  const ok = await create({ number: '9'.repeat(128) });
  assert.equal(ok.number, '9'.repeat(128));
  const patched = await patch(ok.id, { number: '8'.repeat(128) });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.json.number, '8'.repeat(128));
  await refusedOnPostAndPatch({ number: '9'.repeat(129) }, 400, 'invalidRequest', /'number'/);
});

test('source.type items of 128 characters are accepted, 129 refused', async () => {
  const ok = await create({ number: '+1 555 0108', source: { type: ['s'.repeat(128), '📞'.repeat(64)] } });
  assert.deepEqual(ok.source, { type: ['s'.repeat(128), '📞'.repeat(64)] });
  assert.deepEqual((await getPhone(ok.id)).source, { type: ['s'.repeat(128), '📞'.repeat(64)] });
  await refusedOnPostAndPatch(
    { number: '+1 555 0100', source: { type: ['User', 's'.repeat(129)] } },
    400,
    'invalidRequest',
    "The item at index 1 of the property 'source/type' is 129 characters long; at most 128 are allowed.",
  );
});

test('source.type of 32 items is accepted, 33 refused', async () => {
  const items = Array.from({ length: 32 }, (_, i) => `Source ${i}`);
  const ok = await create({ number: '+1 555 0116', source: { type: items } });
  assert.deepEqual(ok.source, { type: items });
  assert.deepEqual((await getPhone(ok.id)).source, { type: items });
  await refusedOnPostAndPatch(
    { number: '+1 555 0100', source: { type: [...items, 'one more'] } },
    400,
    'invalidRequest',
    "The property 'source/type' has 33 items; at most 32 are allowed.",
  );
});

test('length counts UTF-16 code units: 128 emoji (256 units) fit displayName, 129 do not', async () => {
  const ok = await create({ number: '+1 555 0109', displayName: '📞'.repeat(128) });
  assert.equal(ok.displayName, '📞'.repeat(128));
  await refusedOnPostAndPatch({ number: '+1 555 0100', displayName: '📞'.repeat(129) }, 400, 'invalidRequest', /'displayName'/);
});

// ---------------------------------------------------------------------------------------------
// Characters

test('NUL character in number or displayName -> 400 invalidRequest', async () => {
  await refusedOnPostAndPatch({ number: '+1 555\u00000100' }, 400, 'invalidRequest', /'number'.*NUL/);
  await refusedOnPostAndPatch({ number: '+1 555 0100', displayName: 'Car\u0000Phone' }, 400, 'invalidRequest', /'displayName'.*NUL/);
  await refusedOnPostAndPatch({ number: '+1 555 0100', source: { type: ['\u0000'] } }, 400, 'invalidRequest', "The item at index 0 of the property 'source/type' contains a NUL character (U+0000), which is not allowed.");
});

test('bytes that are not UTF-8 -> 400 BadRequest, never stored as replacement characters', async () => {
  const bytes = Buffer.concat([Buffer.from('{"number":"+1 '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
  await refused(() => postRaw(bytes, 'application/json'), 400, 'BadRequest', MALFORMED);
  await refused(() => patchRaw(seedId, bytes, 'application/json'), 400, 'BadRequest', MALFORMED);
});

test('a UTF-8 byte-order mark before the JSON is accepted, as .NET accepts it', async () => {
  const res = await postRaw(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"number":"bom"}')]), 'application/json');
  assert.equal(res.status, 201, res.text);
  assert.equal(res.json.number, 'bom');
});

test('a charset other than UTF-8 -> 415 RequestBodyRead, nothing stored', async () => {
  for (const type of ['application/json; charset=utf-16', 'application/json;charset="latin1"']) {
    await refused(() => postRaw('{"number":"x"}', type), 415, 'RequestBodyRead');
  }
});

test('a lone surrogate (\\ud800 escape in the JSON text) -> 400 invalidRequest', async () => {
  await refusedRawOnPostAndPatch('{"number":"+1 555 \\ud800 0100"}', 'application/json', 400, 'invalidRequest', /'number'.*surrogate/);
  await refusedRawOnPostAndPatch('{"number":"+1","displayName":"x\\udc00"}', 'application/json', 400, 'invalidRequest', /'displayName'.*surrogate/);
  await refusedRawOnPostAndPatch('{"number":"+1","source":{"type":["User","\\ud800"]}}', 'application/json', 400, 'invalidRequest', /^The item at index 1 of the property 'source\/type' contains a lone UTF-16 surrogate/);
});

test('an escaped surrogate pair is accepted and decoded', async () => {
  const res = await postRaw('{"number":"+1 555 0110","displayName":"\\ud83d\\udcde Car"}', 'application/json');
  assert.equal(res.status, 201, res.text);
  assert.equal(res.json.displayName, '📞 Car');
  assert.equal((await getPhone(res.json.id)).displayName, '📞 Car');
});

test('ordinary non-ASCII (emoji, Cyrillic, CJK, combining marks) round-trips exactly', async () => {
  const displayName = 'Телефон в машине 📞☎️ 電話 e\u0301 👩‍👩‍👧';
  const number = '+7 (499) 342‑22‑13 доб. 5';
  const created = await create({ number, displayName, source: { type: ['Пользователь', '"quoted" \\ back\nline'] } });
  assert.equal(created.displayName, displayName);
  assert.equal(created.number, number);
  const got = await getPhone(created.id);
  assert.equal(got.displayName, displayName);
  assert.equal(got.number, number);
  assert.deepEqual(got.source, { type: ['Пользователь', '"quoted" \\ back\nline'] });
  const listed = (await listPhones()).find((p) => p.id === created.id);
  assert.equal(listed.displayName, displayName);
  const patched = await patch(created.id, { displayName: 'Дом 🏠' });
  assert.equal(patched.json.displayName, 'Дом 🏠');
  assert.equal((await getPhone(created.id)).displayName, 'Дом 🏠');
});

// ---------------------------------------------------------------------------------------------
// Read-only properties and annotations

const FORGED_TIME = '2001-02-03T04:05:06.0000000Z';
const forgedIdentity = {
  application: { displayName: 'Forger', id: '00000000-0000-0000-0000-0000000000aa' },
  device: null,
  user: { displayName: 'Mallory', id: '00000000-0000-0000-0000-0000000000bb' },
};

test('read-only properties and annotations are ignored on POST: 201 with server values', async () => {
  const sentId = randomUUID();
  const res = await post({
    '@odata.type': '#microsoft.graph.itemPhone',
    '@odata.context': 'https://example.com/beta/$metadata#bogus',
    id: sentId,
    createdDateTime: FORGED_TIME,
    createdBy: forgedIdentity,
    lastModifiedDateTime: FORGED_TIME,
    lastModifiedBy: forgedIdentity,
    'number@odata.type': '#Edm.String',
    number: '+1 555 0111',
  });
  assert.equal(res.status, 201, res.text);
  const p = res.json;
  assert.ok(isGuid(p.id));
  assert.notEqual(p.id, sentId);
  assert.notEqual(p.createdDateTime, FORGED_TIME);
  assert.notEqual(p.lastModifiedDateTime, FORGED_TIME);
  assert.ok(Math.abs(Date.parse(p.createdDateTime) - Date.now()) < 60_000, 'createdDateTime is now');
  assert.deepEqual(p.createdBy, { application: null, device: null, user: aliceUser });
  assert.deepEqual(p.lastModifiedBy, { application: null, device: null, user: aliceUser });
  assert.match(p['@odata.context'], /\/beta\/\$metadata#users\('[0-9a-f-]{36}'\)\/profile\/phones\/\$entity$/);
  assert.equal(p['@odata.type'], undefined);
  assert.equal(p['number@odata.type'], undefined);
  assert.equal(p.number, '+1 555 0111');
  assertGraphError(await req('GET', `${ME}/${sentId}`), 404, 'itemNotFound');
  const { '@odata.context': _stored, ...stored } = await getPhone(p.id);
  const { '@odata.context': _answered, ...answered } = p;
  assert.deepEqual(stored, answered);
});

test('read-only properties and annotations are ignored on PATCH: 200, server values kept', async () => {
  const original = await create({ number: '+1 555 0112', displayName: 'Before' });
  await new Promise((r) => setTimeout(r, 5)); // so that lastModifiedDateTime can move
  const res = await patch(original.id, {
    '@odata.type': '#microsoft.graph.itemPhone',
    '@odata.context': 'https://example.com/beta/$metadata#bogus',
    id: randomUUID(),
    createdDateTime: FORGED_TIME,
    createdBy: forgedIdentity,
    lastModifiedDateTime: FORGED_TIME,
    lastModifiedBy: forgedIdentity,
    'displayName@odata.type': '#Edm.String',
    displayName: 'After',
  });
  assert.equal(res.status, 200, res.text);
  const p = res.json;
  assert.equal(p.id, original.id);
  assert.equal(p.displayName, 'After');
  assert.equal(p.number, '+1 555 0112');
  assert.equal(p.createdDateTime, original.createdDateTime);
  assert.deepEqual(p.createdBy, original.createdBy);
  assert.notEqual(p.lastModifiedDateTime, FORGED_TIME);
  assert.ok(p.lastModifiedDateTime >= original.lastModifiedDateTime);
  assert.deepEqual(p.lastModifiedBy, { application: null, device: null, user: aliceUser });
  assert.equal(p['@odata.type'], undefined);
  const got = await getPhone(original.id);
  assert.equal(got.id, original.id);
  assert.equal(got.createdDateTime, original.createdDateTime);
  assert.equal(got.lastModifiedDateTime, p.lastModifiedDateTime);
});

// ---------------------------------------------------------------------------------------------
// Complex values

test('inference and source round-trip, and PATCH can set both to null', async () => {
  const created = await create({ number: '+1 555 0113', inference: { confidenceScore: 0.5 }, source: { type: ['User'] } });
  assert.deepEqual(created.inference, { confidenceScore: 0.5, userHasVerifiedAccuracy: null });
  assert.deepEqual(created.source, { type: ['User'] });
  const got = await getPhone(created.id);
  assert.deepEqual(got.inference, { confidenceScore: 0.5, userHasVerifiedAccuracy: null });
  assert.deepEqual(got.source, { type: ['User'] });

  const full = await patch(created.id, { inference: { confidenceScore: 1024, userHasVerifiedAccuracy: true } });
  assert.equal(full.status, 200, full.text);
  assert.deepEqual(full.json.inference, { confidenceScore: 1024, userHasVerifiedAccuracy: true });
  assert.deepEqual(full.json.source, { type: ['User'] }, 'source untouched by a PATCH that did not send it');

  const cleared = await patch(created.id, { inference: null, source: null });
  assert.equal(cleared.status, 200, cleared.text);
  assert.equal(cleared.json.inference, null);
  assert.equal(cleared.json.source, null);
  const after = await getPhone(created.id);
  assert.equal(after.inference, null);
  assert.equal(after.source, null);
  assert.equal(after.number, '+1 555 0113');
});

test('inference {} is stored with both members null; source {type: null} keeps type null, {} too', async () => {
  const created = await create({ number: '+1 555 0114', inference: {}, source: { type: null } });
  assert.deepEqual(created.inference, { confidenceScore: null, userHasVerifiedAccuracy: null });
  assert.deepEqual(created.source, { type: null });
  const got = await getPhone(created.id);
  assert.deepEqual(got.inference, { confidenceScore: null, userHasVerifiedAccuracy: null });
  assert.deepEqual(got.source, { type: null });
  const empty = await create({ number: '+1 555 0117', source: {} });
  assert.deepEqual(empty.source, { type: null });
  assert.deepEqual((await getPhone(empty.id)).source, { type: null });
});

test("source is production Graph's personDataSources: {type: [string | null, ...]} on POST and PATCH; the list is kept as sent", async () => {
  // As Graph's SDKs (Kiota's serializePersonDataSources) send it; items may be null (People.yml); order and
  // duplicates are kept.
  const created = await create({ number: '+1 555 0118', source: { type: ['User', null, 'LinkedIn', 'User'] } });
  assert.deepEqual(created.source, { type: ['User', null, 'LinkedIn', 'User'] });
  assert.deepEqual((await getPhone(created.id)).source, { type: ['User', null, 'LinkedIn', 'User'] });

  // A PATCH of source replaces the whole complex value.
  const replaced = await patch(created.id, { source: { type: ['Contoso'] } });
  assert.equal(replaced.status, 200, replaced.text);
  assert.deepEqual(replaced.json.source, { type: ['Contoso'] });
  assert.deepEqual((await getPhone(created.id)).source, { type: ['Contoso'] });

  const emptied = await patch(created.id, { source: { type: [] } });
  assert.equal(emptied.status, 200, emptied.text);
  assert.deepEqual(emptied.json.source, { type: [] });
  assert.deepEqual((await getPhone(created.id)).source, { type: [] }, 'an empty list stays an empty list');

  const onlyNull = await patch(created.id, { source: { type: [null] } });
  assert.equal(onlyNull.status, 200, onlyNull.text);
  assert.deepEqual((await getPhone(created.id)).source, { type: [null] });

  const typeNull = await patch(created.id, { source: { type: null } });
  assert.equal(typeNull.status, 200, typeNull.text);
  assert.deepEqual((await getPhone(created.id)).source, { type: null }, 'a null list stays null, not []');

  // An annotation inside source is ignored, like anywhere else in a body.
  const annotated = await patch(created.id, { source: { '@odata.type': '#microsoft.graph.personDataSources', type: ['User'] } });
  assert.equal(annotated.status, 200, annotated.text);
  assert.deepEqual((await getPhone(created.id)).source, { type: ['User'] });

  // An object read from the API can be sent back as it is.
  const back = await patch(created.id, await getPhone(created.id));
  assert.equal(back.status, 200, back.text);
  assert.deepEqual(back.json.source, { type: ['User'] });
});

// ---------------------------------------------------------------------------------------------
// Body size

test('body larger than 64 KiB -> 413 RequestEntityTooLarge on POST and PATCH', async () => {
  const body = JSON.stringify({ number: '+1 555 0100', displayName: 'x'.repeat(70 * 1024) });
  await refusedRawOnPostAndPatch(body, 'application/json', 413, 'RequestEntityTooLarge');
});

test('body of exactly 64 KiB is read; one byte more is 413', async () => {
  const head = '{"number":"+1 555 0115"';
  const padded = (total: number) => head + ' '.repeat(total - head.length - 1) + '}';
  assert.equal(Buffer.byteLength(padded(64 * 1024)), 64 * 1024);
  const ok = await postRaw(padded(64 * 1024), 'application/json');
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.json.number, '+1 555 0115');
  await refused(() => postRaw(padded(64 * 1024 + 1), 'application/json'), 413, 'RequestEntityTooLarge');
});

// ---------------------------------------------------------------------------------------------
// Query options

test('system query options a request does not support are refused: 400 BadRequest', async () => {
  for (const query of ['$search=x', '$expand=phones', '$format=json', '%24search=x', '$SEARCH=x', '$apply=x']) {
    assertGraphError(await req('GET', `${ME}?${query}`), 400, 'BadRequest', /query/i);
    assertGraphError(await req('GET', `${ME}/${seedId}?${query}`), 400, 'BadRequest', /query/i);
  }
  // On a single phone only $select applies.
  for (const query of ['$top=1', '$filter=type%20eq%20%27mobile%27', '%24top=1', '$TOP=1', '$count=true', '$orderby=number', '$skip=1']) {
    assertGraphError(await req('GET', `${ME}/${seedId}?${query}`), 400, 'BadRequest', /query/i);
  }
});

test('system query options are refused on POST, PATCH and DELETE, changing nothing', async () => {
  await refused(() => post({ number: '+1 555 0116' }, `${ME}?$select=id`), 400, 'BadRequest', /\$select/);
  await refused(() => post({ number: '+1 555 0116' }, `${ME}?%24top=1`), 400, 'BadRequest', /\$top/);
  await refused(() => req('PATCH', `${ME}/${seedId}?$filter=true`, { body: { displayName: 'Changed' } }), 400, 'BadRequest', /\$filter/);
  await refused(() => req('DELETE', `${ME}/${seedId}?$top=1`), 400, 'BadRequest', /\$top/);
  await getPhone(seedId); // still there
});

test('a query parameter without $ is ignored', async () => {
  const list = await req('GET', `${ME}?foo=bar&top=1`);
  assert.equal(list.status, 200, list.text);
  assert.ok(list.json.value.length > 1, 'top without $ does not page');
  const got = await req('GET', `${ME}/${seedId}?foo=bar`);
  assert.equal(got.status, 200, got.text);
  const created = await post({ number: '+1 555 0117' }, `${ME}?foo=bar`);
  assert.equal(created.status, 201, created.text);
  const patched = await req('PATCH', `${ME}/${created.json.id}?select=number`, { body: { displayName: 'q' } });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.json.displayName, 'q');
  const deleted = await req('DELETE', `${ME}/${created.json.id}?foo=1`);
  assert.equal(deleted.status, 204);
});

// ---------------------------------------------------------------------------------------------
// Not found

for (const [label, id] of [
  ['a random GUID', randomUUID()],
  ['a non-GUID', 'not-a-guid'],
  ['a GUID in upper case of no phone', randomUUID().toUpperCase()],
] as const) {
  test(`unknown phone id (${label}) on GET, PATCH and DELETE -> 404 itemNotFound`, async () => {
    const message = new RegExp(`'${id}'`);
    assertGraphError(await req('GET', `${ME}/${id}`), 404, 'itemNotFound', message);
    await refused(() => patch(id, { displayName: 'Nobody' }), 404, 'itemNotFound', message);
    await refused(() => req('DELETE', `${ME}/${id}`), 404, 'itemNotFound', message);
  });
}

test('an unknown phone id longer than the router parameter limit (600 chars) -> 404 itemNotFound, Graph envelope', async () => {
  const id = 'a'.repeat(600);
  assertGraphError(await req('GET', `${ME}/${id}`), 404, 'itemNotFound');
  await refused(() => patch(id, { displayName: 'Nobody' }), 404, 'itemNotFound');
  await refused(() => req('DELETE', `${ME}/${id}`), 404, 'itemNotFound');
});

test('bad percent-encoding in the path -> 400 BadRequest in the Graph envelope, with request-id', async () => {
  assertGraphError(await req('GET', `${ME}/%E0%A4%A`), 400, 'BadRequest');
  await refused(() => patch('%ZZ', { displayName: 'x' }), 400, 'BadRequest');
  await refused(() => req('DELETE', `${ME}/%ZZ`), 400, 'BadRequest');
  assertGraphError(await req('GET', '/beta/%ZZ'), 400, 'BadRequest');
});

test('unknown user with a User.Read.All token -> 404 Request_ResourceNotFound', async () => {
  const reader = await svc.token(['--user', 'reader@contoso.com', '--scopes', 'User.Read.All']);
  for (const who of ['nobody@contoso.com', randomUUID()]) {
    const res = await svc.request('GET', `/beta/users/${who}/profile/phones`, { token: reader });
    assertGraphError(res, 404, 'Request_ResourceNotFound', new RegExp(`'${who.replace(/[.]/g, '\\.')}'`));
  }
});

test('an unknown user segment longer than the router parameter limit -> 404 Request_ResourceNotFound, Graph envelope', async () => {
  const reader = await svc.token(['--user', 'reader@contoso.com', '--scopes', 'User.Read.All']);
  const long = await svc.request('GET', `/beta/users/${'u'.repeat(600)}@contoso.com/profile/phones`, { token: reader });
  assertGraphError(long, 404, 'Request_ResourceNotFound');
});

test('unknown paths -> 404 with a Graph error', async () => {
  assertGraphError(await req('GET', '/beta/me/profile/foo'), 404, 'BadRequest', "Resource not found for the segment 'foo'.");
  assertGraphError(await req('GET', '/beta/nothing'), 404, 'BadRequest', "Resource not found for the segment 'nothing'.");
  assertGraphError(await req('POST', '/beta/me/profile/foo', { body: { number: '1' } }), 404, 'BadRequest');
  assertGraphError(await req('GET', `${ME}/${seedId}/extra`), 404, 'BadRequest');
});

// ---------------------------------------------------------------------------------------------
// Wrong method

function allowSet(res: TestResponse): string[] {
  const allow = res.headers.get('allow');
  assert.ok(allow, 'Allow header present');
  return allow
    .split(',')
    .map((m) => m.trim().toUpperCase())
    .filter((m) => m !== 'HEAD')
    .sort();
}

const wrongMethodCases: Array<[string, string, string, string[], boolean]> = [
  ['PUT', 'collection', ME, ['GET', 'POST'], true],
  ['DELETE', 'collection', ME, ['GET', 'POST'], false],
  ['PATCH', 'collection', ME, ['GET', 'POST'], true],
  ['PUT', 'item', `${ME}/SEED`, ['DELETE', 'GET', 'PATCH'], true],
  ['POST', 'item', `${ME}/SEED`, ['DELETE', 'GET', 'PATCH'], true],
];
for (const [method, what, path, allowed, withBody] of wrongMethodCases) {
  test(`${method} on the ${what} -> 405 Request_BadRequest with Allow: ${allowed.join(', ')}`, async () => {
    const url = path.replace('SEED', seedId);
    const res = await refused(
      () => req(method, url, withBody ? { body: { number: '+1 555 0118' } } : {}),
      405,
      'Request_BadRequest',
      'Specified HTTP method is not allowed for the request target.',
    );
    assert.deepEqual(allowSet(res), allowed);
  });
}

test('405 also on /users/{upn}/profile/phones', async () => {
  const res = await refused(() => req('PUT', '/beta/users/alice@contoso.com/profile/phones', { body: {} }), 405, 'Request_BadRequest');
  assert.deepEqual(allowSet(res), ['GET', 'POST']);
});

// ---------------------------------------------------------------------------------------------
// request-id and client-request-id

test('a client-request-id sent by the caller is echoed in the header and innerError', async () => {
  const clientId = randomUUID();
  const ok = await req('GET', ME, { headers: { 'client-request-id': clientId } });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('client-request-id'), clientId);
  assert.ok(isGuid(ok.headers.get('request-id')));
  assert.notEqual(ok.headers.get('request-id'), clientId);

  const err = await req('GET', `${ME}/${randomUUID()}`, { headers: { 'client-request-id': clientId } });
  assertGraphError(err, 404, 'itemNotFound');
  assert.equal(err.headers.get('client-request-id'), clientId);
  assert.equal(err.json.error.innerError['client-request-id'], clientId);

  const bodyErr = await req('POST', ME, { body: { foo: 1 }, headers: { 'client-request-id': 'my-trace-0001' } });
  assertGraphError(bodyErr, 400, 'RequestBodyRead');
  assert.equal(bodyErr.json.error.innerError['client-request-id'], 'my-trace-0001');
});

test('without a client-request-id the response carries client-request-id equal to request-id', async () => {
  const ok = await req('GET', ME);
  assert.ok(isGuid(ok.headers.get('request-id')));
  assert.equal(ok.headers.get('client-request-id'), ok.headers.get('request-id'));
  const err = await req('POST', ME, { body: [] });
  assertGraphError(err, 400, 'RequestBodyRead');
  assert.equal(err.headers.get('client-request-id'), err.headers.get('request-id'));
  assert.equal(err.json.error.innerError['client-request-id'], err.json.error.innerError['request-id']);
  const another = await req('GET', ME);
  assert.notEqual(another.headers.get('request-id'), ok.headers.get('request-id'), 'a new request-id per request');
});

// ---------------------------------------------------------------------------------------------
// Raw bytes on the socket

interface RawReply {
  status: number;
  head: string;
  body: string;
}

/** Writes raw bytes to the service's port and reads until the server closes the connection. */
function rawExchange(data: string | Buffer, timeoutMs = 5000): Promise<RawReply> {
  const { hostname, port } = new URL(svc.url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete reply within ${timeoutMs} ms: ${JSON.stringify(Buffer.concat(chunks).toString().slice(0, 300))}`));
    }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {}); // EPIPE / ECONNRESET once the server has answered and closed
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const status = /^HTTP\/1\.[01] (\d{3}) /.exec(text);
      const split = text.indexOf('\r\n\r\n');
      if (!status || split < 0) return reject(new Error(`not an HTTP reply: ${JSON.stringify(text.slice(0, 300))}`));
      resolve({ status: Number(status[1]), head: text.slice(0, split), body: text.slice(split + 4) });
    });
    socket.write(data);
  });
}

function assertRawGraphError(reply: RawReply, expectedStatus: number): void {
  assert.equal(reply.status, expectedStatus, `${reply.head}\n\n${reply.body}`);
  assert.match(reply.head, /^content-type: application\/json\s*$/im);
  const json = JSON.parse(reply.body);
  assert.ok(json.error && typeof json.error === 'object', reply.body);
  assert.equal(typeof json.error.code, 'string');
  assert.equal(typeof json.error.message, 'string');
  const requestId = /^request-id: (.+?)\s*$/im.exec(reply.head)?.[1];
  assert.ok(isGuid(requestId), 'request-id header');
  assert.equal(json.error.innerError['request-id'], requestId);
}

async function assertHealthy(): Promise<void> {
  const res = await svc.request('GET', '/health');
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.status, 'ok');
}

test('raw garbage bytes on the socket -> 400 with a JSON error body; service still healthy', async () => {
  const reply = await rawExchange(Buffer.from('\x00\x01\x02GARBAGE \xff\xfe not http at all\r\n\r\n', 'latin1'));
  assertRawGraphError(reply, 400);
  assert.equal(JSON.parse(reply.body).error.code, 'BadRequest');
  await assertHealthy();
});

test('a request line with a bad HTTP version -> 400 with a JSON error body; service still healthy', async () => {
  const reply = await rawExchange(`GET ${ME} HTTP/9.9\r\nHost: x\r\n\r\n`);
  assertRawGraphError(reply, 400);
  await assertHealthy();
});

test('an oversized header (100 KB value) -> 431 with a JSON error body; service still healthy', async () => {
  const reply = await rawExchange(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100 * 1024)}\r\n\r\n`);
  assertRawGraphError(reply, 431);
  assert.equal(JSON.parse(reply.body).error.code, 'RequestHeaderFieldsTooLarge');
  await assertHealthy();
});

test('an oversized Authorization header on a write -> 431, nothing stored; service still healthy', async () => {
  const before = await listPhones();
  const body = '{"number":"+1 555 0119"}';
  const reply = await rawExchange(
    `POST ${ME} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(100 * 1024)}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  );
  assertRawGraphError(reply, 431);
  assert.deepEqual(await listPhones(), before);
  await assertHealthy();
});

test('CONNECT -> 400 in Graph\'s envelope, not a closed socket; service still healthy', async () => {
  const reply = await rawExchange('CONNECT graph.microsoft.com:443 HTTP/1.1\r\nHost: graph.microsoft.com:443\r\n\r\n');
  assertRawGraphError(reply, 400);
  assert.equal(JSON.parse(reply.body).error.message, 'CONNECT is not supported: this service is not a proxy.');
  await assertHealthy();
});

for (const method of ['FOO', 'BREW', 'get', 'X-CUSTOM']) {
  test(`a made-up method (${method}) -> 400 in Graph's envelope; service still healthy`, async () => {
    const reply = await rawExchange(`${method} ${ME} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assertRawGraphError(reply, 400);
    assert.equal(JSON.parse(reply.body).error.message, 'The request method is not an HTTP method this service knows.');
    await assertHealthy();
  });
}

for (const method of ['TRACE', 'PROPFIND', 'PURGE', 'QUERY', 'SEARCH', 'LOCK', 'MKCOL', 'UNSUBSCRIBE']) {
  test(`${method}, an HTTP method the service never serves -> 405 with Allow, nothing stored`, async () => {
    const before = await listPhones();
    const body = '{"number":"+1 555 0120"}';
    const reply = await rawExchange(
      `${method} ${ME} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${alice}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    assertRawGraphError(reply, 405);
    assert.equal(JSON.parse(reply.body).error.code, 'Request_BadRequest');
    assert.match(reply.head, /^allow: GET, POST\s*$/im);
    assert.deepEqual(await listPhones(), before);
  });
}

test('the seed phone was never changed by any refused write', async () => {
  const seed = await getPhone(seedId);
  assert.equal(seed.displayName, 'Car Phone');
  assert.equal(seed.number, '+7 499 342 22 13');
  assert.equal(seed.type, 'other');
  assert.equal(seed.allowedAudiences, 'organization');
  assert.equal(seed.createdDateTime, seed.lastModifiedDateTime);
});
