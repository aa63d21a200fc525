// Property-based end-to-end test of the OData query options on /beta/me/profile/phones: fast-check
// generates random $filter / $orderby / $top / $skip / $count / $select combinations over a random set
// of phones created through the API, and every answer (all pages, followed through @odata.nextLink) is
// checked against the small reference evaluator below. The evaluator is written from the semantics,
// not from the service's code:
// - two-valued logic: a comparison involving null is false, so `not` of it is true; `x ne 'a'` is true
//   when x is null; gt/ge/lt/le with a null operand are false; `in` never matches null;
// - strings (and enum members) compare by code point; startswith/endswith/contains are case-sensitive;
// - allowedAudiences is a set: `has` tests membership, eq/ne compare whole sets;
// - ascending order puts nulls first, descending puts them last; false < true;
// - the complete order is the requested keys, then id (no $orderby: createdDateTime, then id);
// - source/type is a collection of strings: it cannot be compared or ordered by (lambda operators are not
//   supported), so every query naming it is a 400; source itself compares with null.
// The seed is fixed (PHONES_PROPERTY_SEED overrides it, PHONES_PROPERTY_RUNS the number of queries);
// fast-check prints the seed and the shrunk counterexample on failure.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { startTestService, type TestService } from './support/service.ts';

const ME = '/beta/me/profile/phones';
const SEED = Number(process.env.PHONES_PROPERTY_SEED ?? 4_2026);
const NUM_RUNS = Number(process.env.PHONES_PROPERTY_RUNS ?? 150);
const DEFAULT_PAGE_SIZE = 10; // Graph's profile default

// From Graph's CSDL (microsoft.graph.phoneType, microsoft.graph.allowedAudiences), in declaration order.
const PHONE_TYPES = ['home', 'business', 'mobile', 'other', 'assistant', 'homeFax', 'businessFax', 'otherFax', 'pager', 'radio'] as const;
const AUDIENCES = ['me', 'family', 'contacts', 'groupMembers', 'organization', 'federatedOrganizations', 'everyone', 'unknownFutureValue'] as const;

type Wire = Record<string, unknown>;
type Scalar = string | number | boolean | null;
type Kind = 'string' | 'double' | 'boolean' | 'dateTime' | 'enum' | 'flags' | 'complex' | 'collection';

/** The filterable property paths of an itemPhone and how each compares. */
const KINDS: Record<string, Kind> = {
  id: 'string',
  number: 'string',
  displayName: 'string',
  'inference/confidenceScore': 'double',
  isSearchable: 'boolean',
  'inference/userHasVerifiedAccuracy': 'boolean',
  createdDateTime: 'dateTime',
  lastModifiedDateTime: 'dateTime',
  type: 'enum',
  allowedAudiences: 'flags',
  inference: 'complex',
  source: 'complex',
  'source/type': 'collection',
};
const SORTABLE = [
  'number',
  'displayName',
  'type',
  'isSearchable',
  'inference/confidenceScore',
  'inference/userHasVerifiedAccuracy',
  'createdDateTime',
  'lastModifiedDateTime',
  'id',
];
const SELECTABLE = ['allowedAudiences', 'inference', 'createdDateTime', 'isSearchable', 'source', 'displayName', 'type', 'number'];

// ---------------------------------------------------------------- the filter AST the test generates

type Op = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
/** A literal as written in the URL, and the value it stands for (date-times in the stored UTC form). */
interface Lit {
  readonly text: string;
  readonly value: Scalar;
}
type Filter =
  | { readonly kind: 'and' | 'or'; readonly left: Filter; readonly right: Filter; readonly parens: boolean }
  | { readonly kind: 'not'; readonly operand: Filter; readonly parens: boolean }
  | { readonly kind: 'compare'; readonly path: string; readonly op: Op; readonly lit: Lit; readonly literalFirst: boolean }
  /** A bare boolean property: `isSearchable` means `isSearchable eq true`. */
  | { readonly kind: 'bool'; readonly path: string }
  | { readonly kind: 'in'; readonly path: string; readonly lits: readonly Lit[] }
  | { readonly kind: 'has'; readonly lit: Lit }
  | { readonly kind: 'fn'; readonly name: 'startswith' | 'endswith' | 'contains'; readonly path: string; readonly lit: Lit };

interface OrderKey {
  readonly path: string;
  readonly dir: '' | ' asc' | ' desc';
}
interface Query {
  readonly filter: Filter | undefined;
  readonly orderby: readonly OrderKey[];
  readonly top: number | undefined;
  readonly skip: number | undefined;
  readonly count: boolean;
  readonly select: readonly string[] | undefined;
}

const FLIP: Record<Op, Op> = { eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge' };

function renderFilter(f: Filter): string {
  switch (f.kind) {
    case 'and':
    case 'or': {
      // `a and (b or c)` needs its parentheses; the others are optional (and/or are associative).
      const side = (c: Filter) => (f.parens || (f.kind === 'and' && c.kind === 'or') ? `(${renderFilter(c)})` : renderFilter(c));
      return `${side(f.left)} ${f.kind} ${side(f.right)}`;
    }
    case 'not': {
      // Only a function call, a bare boolean or another `not` goes without parentheses.
      const bare = !f.parens && (f.operand.kind === 'fn' || f.operand.kind === 'bool' || f.operand.kind === 'not');
      return bare ? `not ${renderFilter(f.operand)}` : `not (${renderFilter(f.operand)})`;
    }
    case 'compare':
      return f.literalFirst ? `${f.lit.text} ${FLIP[f.op]} ${f.path}` : `${f.path} ${f.op} ${f.lit.text}`;
    case 'bool':
      return f.path;
    case 'in':
      return `${f.path} in (${f.lits.map((l) => l.text).join(', ')})`;
    case 'has':
      return `allowedAudiences has ${f.lit.text}`;
    case 'fn':
      return `${f.name}(${f.path}, ${f.lit.text})`;
  }
}

// ---------------------------------------------------------------- the reference evaluator

function valueAt(row: Wire, path: string): unknown {
  let v: unknown = row;
  for (const name of path.split('/')) v = v === null || typeof v !== 'object' ? null : (v as Wire)[name];
  return v ?? null;
}

const audienceSet = (s: string) => AUDIENCES.filter((m) => s.split(',').map((p) => p.trim()).includes(m)).join(',');

/** Ascending comparison of two non-null values of one property: code points, numbers, false < true. */
function compareValues(a: Scalar, b: Scalar): number {
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const [x, y] = [String(a), String(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

function matches(f: Filter, row: Wire): boolean {
  switch (f.kind) {
    case 'and':
      return matches(f.left, row) && matches(f.right, row);
    case 'or':
      return matches(f.left, row) || matches(f.right, row);
    case 'not':
      return !matches(f.operand, row);
    case 'bool':
      return valueAt(row, f.path) === true;
    case 'compare': {
      const v = valueAt(row, f.path);
      const lit = f.lit.value;
      if (lit === null) return f.op === 'eq' ? v === null : v !== null; // complex values included
      if (KINDS[f.path] === 'flags') {
        const same = audienceSet(v as string) === audienceSet(lit as string);
        return f.op === 'eq' ? same : !same;
      }
      if (v === null) return f.op === 'ne';
      const c = compareValues(v as Scalar, lit);
      return { eq: c === 0, ne: c !== 0, gt: c > 0, ge: c >= 0, lt: c < 0, le: c <= 0 }[f.op];
    }
    case 'in': {
      const v = valueAt(row, f.path);
      return v !== null && f.lits.some((l) => compareValues(v as Scalar, l.value) === 0);
    }
    case 'has':
      return (valueAt(row, 'allowedAudiences') as string).split(',').includes(f.lit.value as string);
    case 'fn': {
      const v = valueAt(row, f.path);
      if (typeof v !== 'string') return false;
      const s = f.lit.value as string;
      return f.name === 'startswith' ? v.startsWith(s) : f.name === 'endswith' ? v.endsWith(s) : v.includes(s);
    }
  }
}

/** The complete answer: how many match, and the matches in the service's complete order after $skip. */
function evaluate(data: readonly Wire[], q: Query): { count: number; rows: Wire[] } {
  const keys = (q.orderby.length ? q.orderby.map((k) => ({ path: k.path, desc: k.dir === ' desc' })) : [{ path: 'createdDateTime', desc: false }])
    .concat([{ path: 'id', desc: false }]);
  const rows = data.filter((r) => q.filter === undefined || matches(q.filter, r));
  rows.sort((a, b) => {
    for (const k of keys) {
      // phoneType sorts by declaration order (its members' underlying values), as .NET sorts enums.
      const rank = (v: Scalar) => (k.path === 'type' && v !== null ? PHONE_TYPES.indexOf(v as (typeof PHONE_TYPES)[number]) : v);
      const [x, y] = [rank(valueAt(a, k.path) as Scalar), rank(valueAt(b, k.path) as Scalar)];
      const asc = x === null ? (y === null ? 0 : -1) : y === null ? 1 : compareValues(x, y); // nulls first
      if (asc !== 0) return k.desc ? -asc : asc;
    }
    return 0;
  });
  return { count: rows.length, rows: rows.slice(q.skip ?? 0) };
}

// ---------------------------------------------------------------- random phones

/** Few characters, so that numbers and names share prefixes, suffixes and substrings; with URL-special ones. */
const CHARS = ['0', '1', '5', ' ', '+', 'a', 'A', 'b', "'", '&', '%', '#', '-'];
const chars = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...CHARS), minLength: min, maxLength: max });
const SCORES = [0, 0.1, 0.25, 0.5, 0.9, 1];
const SOURCES = ['User', 'LinkedIn', 'Contoso', 'user'];

const phoneBody = fc
  .record(
    {
      number: fc
        .tuple(fc.constantFrom('+1 425', '+1 4', '+44', '555', 'x', ''), chars(0, 4))
        .map(([p, s]) => p + s)
        .filter((n) => n.trim() !== ''),
      displayName: fc.option(fc.oneof(chars(0, 5), fc.constantFrom('Home', 'home', 'Car Phone', "Bob's")), { nil: null }),
      type: fc.option(fc.constantFrom(...PHONE_TYPES), { nil: null }),
      allowedAudiences: fc.shuffledSubarray([...AUDIENCES], { minLength: 1, maxLength: 4 }).map((s) => s.join(',')),
      isSearchable: fc.constantFrom(true, false, null),
      inference: fc.option(
        fc.record({ confidenceScore: fc.option(fc.constantFrom(...SCORES), { nil: null, freq: 6 }), userHasVerifiedAccuracy: fc.constantFrom(true, false, null) }),
        { nil: null },
      ),
      // personDataSources: type is a list of strings (items may be null), or null.
      source: fc.option(
        fc.record({ type: fc.option(fc.array(fc.option(fc.constantFrom(...SOURCES), { nil: null, freq: 6 }), { maxLength: 3 }), { nil: null, freq: 6 }) }),
        { nil: null },
      ),
    },
    { requiredKeys: ['number'] }, // an absent property is null, like one sent as null
  )
  .map((b) => Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined)));

// ---------------------------------------------------------------- random queries over that data

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Date-time literals near the data's instants: exact, a tick either side, whole seconds, with or without an offset. */
function dateTimeLit(instants: readonly string[]): fc.Arbitrary<Lit> {
  return fc
    .record({
      base: fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom(...instants) },
        { weight: 1, arbitrary: fc.constantFrom('2000-01-01T00:00:00.0000000Z', '2100-01-01T00:00:00.0000000Z') },
      ),
      deltaMs: fc.constantFrom(0, 0, 0, -1, 1, -1000),
      subMs: fc.constantFrom(0, 0, 1, 9999, 5000), // the four digits below a millisecond, in ticks
      wholeSeconds: fc.boolean(),
      offsetMinutes: fc.constantFrom(0, 0, 120, -300, 330),
      z: fc.boolean(),
    })
    .map(({ base, deltaMs, subMs, wholeSeconds, offsetMinutes, z }) => {
      let ms = Date.parse(`${base.slice(0, 23)}Z`) + deltaMs;
      if (wholeSeconds) ms = Math.floor(ms / 1000) * 1000;
      const ticks = wholeSeconds ? '' : `${new Date(ms).toISOString().slice(20, 23)}${String(subMs).padStart(4, '0')}`;
      const value = `${new Date(ms).toISOString().slice(0, 19)}.${(ticks || '0').padEnd(7, '0')}Z`;
      const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19);
      const abs = Math.abs(offsetMinutes);
      const zone = offsetMinutes === 0 && z ? 'Z' : `${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
      return { text: `${local}${ticks ? `.${ticks}` : ''}${zone}`, value };
    });
}

/** Conditions on the collection source/type: all refused (comparisons, in, functions, lambdas). */
const COLLECTION_CONDITIONS = [
  "source/type eq 'User'",
  "'User' eq source/type",
  'source/type ne null',
  "source/type in ('User', 'LinkedIn')",
  "contains(source/type, 'U')",
  "source/type/any(t: t eq 'User')",
  "source/type/all(t: t ne 'User')",
  'source/type',
];

function queryArbitrary(data: readonly Wire[]): fc.Arbitrary<Query> {
  const present = (path: string) => [...new Set(data.map((r) => valueAt(r, path)).filter((v) => v !== null))] as Scalar[];
  /** String literals that hit: whole values, their prefixes, suffixes and middles; and some that miss. */
  const stringLit = (path: string): fc.Arbitrary<Lit> => {
    const values = present(path) as string[];
    const pieces = values.flatMap((v) => [v, v.slice(0, 2), v.slice(-2), v.slice(1, 3), v.toUpperCase()]);
    return fc
      .oneof({ weight: 4, arbitrary: fc.constantFrom(...values, ...pieces) }, { weight: 1, arbitrary: chars(0, 3) })
      .chain((s) => (path === 'id' && GUID.test(s) ? fc.constantFrom(quote(s), s) : fc.constant(quote(s))).map((text) => ({ text, value: s })));
  };
  const numberLit: fc.Arbitrary<Lit> = fc.constantFrom(...SCORES, 0.3, -1, 2, 1e-7).map((n) => ({ text: String(n), value: n }));
  const boolLit: fc.Arbitrary<Lit> = fc.boolean().map((b) => ({ text: String(b), value: b }));
  const nullLit: fc.Arbitrary<Lit> = fc.constant({ text: 'null', value: null });
  const enumText = (typeName: string, s: string) => fc.constantFrom(quote(s), `microsoft.graph.${typeName}${quote(s)}`);
  const typeLit: fc.Arbitrary<Lit> = fc.constantFrom(...PHONE_TYPES).chain((m) => enumText('phoneType', m).map((text) => ({ text, value: m })));
  const audienceLit: fc.Arbitrary<Lit> = fc.constantFrom(...AUDIENCES).chain((m) => enumText('allowedAudiences', m).map((text) => ({ text, value: m })));
  const audienceSetLit: fc.Arbitrary<Lit> = fc
    .oneof(fc.constantFrom(...(present('allowedAudiences') as string[])).map((s) => s.split(',').reverse()), fc.shuffledSubarray([...AUDIENCES], { minLength: 1, maxLength: 3 }))
    .chain((members) => enumText('allowedAudiences', members.join(',')).map((text) => ({ text, value: members.join(',') })));
  const instants = [...new Set(data.flatMap((r) => [r.createdDateTime as string, r.lastModifiedDateTime as string]))];
  const timeLit = dateTimeLit(instants);

  const anyOp = fc.constantFrom<Op>('eq', 'ne', 'gt', 'ge', 'lt', 'le');
  const eqNe = fc.constantFrom<Op>('eq', 'ne');
  const compare = (path: string, op: fc.Arbitrary<Op>, lit: fc.Arbitrary<Lit>): fc.Arbitrary<Filter> =>
    fc.record({ kind: fc.constant('compare' as const), path: fc.constant(path), op, lit, literalFirst: fc.boolean() });
  /** `x op value`, or `x eq/ne null`. */
  const compareOrNull = (path: string, lit: fc.Arbitrary<Lit>, ops = anyOp): fc.Arbitrary<Filter> =>
    fc.oneof({ weight: 4, arbitrary: compare(path, ops, lit) }, { weight: 1, arbitrary: compare(path, eqNe, nullLit) });
  const inList = (path: string, lit: fc.Arbitrary<Lit>): fc.Arbitrary<Filter> =>
    fc.array(lit, { minLength: 1, maxLength: 4 }).map((lits) => ({ kind: 'in', path, lits }));

  const stringLeaf = (path: string): fc.Arbitrary<Filter> => {
    const lit = stringLit(path);
    return fc.oneof(
      compareOrNull(path, lit),
      inList(path, lit),
      fc.record({ kind: fc.constant('fn' as const), name: fc.constantFrom('startswith' as const, 'endswith' as const, 'contains' as const), path: fc.constant(path), lit }),
    );
  };
  const leaf: fc.Arbitrary<Filter> = fc.oneof(
    stringLeaf('number'),
    stringLeaf('displayName'),
    stringLeaf('id'),
    fc.oneof(compareOrNull('inference/confidenceScore', numberLit), inList('inference/confidenceScore', numberLit)),
    fc.constantFrom('isSearchable', 'inference/userHasVerifiedAccuracy').chain((path) =>
      fc.oneof(compareOrNull(path, boolLit, eqNe), fc.constant<Filter>({ kind: 'bool', path })),
    ),
    fc.constantFrom('createdDateTime', 'lastModifiedDateTime').chain((path) => fc.oneof(compareOrNull(path, timeLit), inList(path, timeLit))),
    fc.oneof(compareOrNull('type', typeLit, eqNe), inList('type', typeLit)),
    fc.oneof(compare('allowedAudiences', eqNe, audienceSetLit), audienceLit.map((lit): Filter => ({ kind: 'has', lit }))),
    fc.constantFrom('inference', 'source').chain((path) => compare(path, eqNe, nullLit)),
  );
  const filterAt = (depth: number): fc.Arbitrary<Filter> => {
    if (depth === 0) return leaf;
    const sub = filterAt(depth - 1);
    return fc.oneof(
      { weight: 3, arbitrary: leaf },
      { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), left: sub, right: sub, parens: fc.boolean() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('not' as const), operand: sub, parens: fc.boolean() }) },
    );
  };

  return fc.record({
    filter: fc.option(filterAt(3), { nil: undefined, freq: 5 }),
    orderby: fc.uniqueArray(fc.record({ path: fc.constantFrom(...SORTABLE), dir: fc.constantFrom<OrderKey['dir']>('', ' asc', ' desc') }), {
      maxLength: 3,
      selector: (k) => k.path,
    }),
    top: fc.option(fc.integer({ min: 1, max: 15 }), { nil: undefined, freq: 4 }),
    skip: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
    count: fc.boolean(),
    select: fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.subarray(SELECTABLE, { minLength: 1, maxLength: 3 }) }),
  });
}

function queryString(q: Query): string {
  const options: [string, string][] = [];
  if (q.filter) options.push(['$filter', renderFilter(q.filter)]);
  if (q.orderby.length) options.push(['$orderby', q.orderby.map((k) => k.path + k.dir).join(',')]);
  if (q.top !== undefined) options.push(['$top', String(q.top)]);
  if (q.skip !== undefined) options.push(['$skip', String(q.skip)]);
  if (q.count) options.push(['$count', 'true']);
  if (q.select) options.push(['$select', q.select.join(',')]);
  return options.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('&');
}

// ---------------------------------------------------------------- the test

let svc: TestService;
let token: string;
/** The phones as the service answered their creation (or last update): the reference data. */
let data: Wire[];

const withoutAnnotations = (w: Wire) => Object.fromEntries(Object.entries(w).filter(([k]) => !k.startsWith('@')));
const project = (w: Wire, select: readonly string[] | undefined) =>
  select ? Object.fromEntries(Object.entries(w).filter(([k]) => k === 'id' || select.includes(k))) : w;

before(async () => {
  svc = await startTestService();
  token = await svc.token(['--user', 'odata.property@contoso.com', '--scopes', 'User.ReadWrite User.Read.All']);
  const bodies = fc.sample(phoneBody, { numRuns: 50, seed: SEED });
  const created: Wire[] = [];
  // In concurrent batches, so that some phones may share a createdDateTime and only id tells them apart.
  for (let i = 0; i < bodies.length; i += 10) {
    const batch = await Promise.all(bodies.slice(i, i + 10).map((body) => svc.request('POST', ME, { token, body })));
    for (const res of batch) {
      assert.equal(res.status, 201, res.text);
      created.push(withoutAnnotations(res.json));
    }
  }
  // A few updates, so that lastModifiedDateTime orders differently from createdDateTime.
  await new Promise((r) => setTimeout(r, 5));
  const byId = new Map(created.map((w) => [w.id as string, w]));
  for (const w of created.filter((_, i) => i % 4 === 1).reverse()) {
    const res = await svc.request('PATCH', `${ME}/${w.id}`, { token, body: { isSearchable: !w.isSearchable } });
    assert.equal(res.status, 200, res.text);
    byId.set(w.id as string, withoutAnnotations(res.json));
  }
  data = [...byId.values()];
});
after(() => svc?.stop());

test(`random $filter/$orderby/$top/$skip/$count/$select agree with a reference evaluator (${NUM_RUNS} queries, seed ${SEED})`, async () => {
  await fc.assert(
    fc.asyncProperty(queryArbitrary(data), async (q) => {
      const { count: total, rows: expected } = evaluate(data, q);
      const pageSize = q.top ?? DEFAULT_PAGE_SIZE;
      const qs = queryString(q);
      const first = `${svc.url}${ME}${qs ? `?${qs}` : ''}`;

      const got: Wire[] = [];
      let next: string | undefined = first;
      for (let page = 0; next !== undefined; page++) {
        assert.ok(page <= data.length, 'too many pages');
        const res = await fetch(next, { headers: { authorization: `Bearer ${token}` } });
        const text = await res.text();
        assert.equal(res.status, 200, `${decodeURIComponent(next)}: ${text}`);
        const json = JSON.parse(text) as { value: Wire[]; '@odata.count'?: number; '@odata.nextLink'?: string };
        assert.ok(json.value.length <= pageSize, `page ${page} has ${json.value.length} items, more than ${pageSize}`);
        if (page === 0) assert.equal(json.value.length, Math.min(pageSize, expected.length), 'first page length');
        else assert.ok(json.value.length > 0, 'an empty page after a nextLink');
        if (q.count) assert.equal(json['@odata.count'], total, '@odata.count');
        else assert.equal(json['@odata.count'], undefined);
        got.push(...json.value);
        next = json['@odata.nextLink'];
        if (next !== undefined) assert.ok(next.startsWith(`${svc.url}${ME}?`) && next.includes('$skiptoken='), next);
      }
      assert.deepEqual(
        got.map((w) => w.id),
        expected.map((w) => w.id),
        'ids in order, all pages',
      );
      assert.deepEqual(got, expected.map((w) => project(w, q.select)), 'the items themselves');

      const counted = await svc.request('GET', `${ME}/$count${q.filter ? `?$filter=${encodeURIComponent(renderFilter(q.filter))}` : ''}`, { token });
      assert.equal(counted.status, 200, counted.text);
      assert.equal(counted.text, String(total), '/$count');
    }),
    { numRuns: NUM_RUNS, seed: SEED },
  );
});

test('a $filter or $orderby naming the collection source/type, anywhere in a valid query, is a 400 saying so, never a 500', async () => {
  const valid = queryArbitrary(data);
  await fc.assert(
    fc.asyncProperty(
      valid,
      fc.constantFrom(...COLLECTION_CONDITIONS),
      fc.constantFrom('and', 'or', 'not'),
      fc.boolean(),
      async (q, condition, join, inOrderBy) => {
        let qs: string;
        if (inOrderBy) {
          const keys = [...q.orderby.map((k) => k.path + k.dir), `source/type${q.orderby.length % 2 ? ' desc' : ''}`];
          qs = queryString({ ...q, orderby: [] }) + `${q.filter || q.top !== undefined || q.skip !== undefined || q.count || q.select ? '&' : ''}$orderby=${encodeURIComponent(keys.join(','))}`;
        } else {
          const other = q.filter ? renderFilter(q.filter) : "number ne 'x'";
          const text = join === 'not' ? `not (${condition}) and (${other})` : `(${other}) ${join} ${condition}`;
          qs = queryString({ ...q, filter: undefined }) + `${q.orderby.length || q.top !== undefined || q.skip !== undefined || q.count || q.select ? '&' : ''}$filter=${encodeURIComponent(text)}`;
        }
        const res = await fetch(`${svc.url}${ME}?${qs}`, { headers: { authorization: `Bearer ${token}` } });
        const text = await res.text();
        assert.equal(res.status, 400, `${decodeURIComponent(qs)}: ${text}`);
        const error = JSON.parse(text).error;
        assert.equal(error.code, 'BadRequest');
        assert.match(error.message, /'source\/type' is of type 'Collection\(Edm\.String\)'|The lambda operator '(any|all)' is not supported/, decodeURIComponent(qs));
      },
    ),
    { numRuns: 40, seed: SEED },
  );
});
