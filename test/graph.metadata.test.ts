// GET /beta/$metadata: served anonymously as CSDL XML, and agreeing with the official CSDL excerpt
// (../shared/reference/graph-beta-itemphone.csdl.xml) on every type both have, apart from the
// differences listed below on purpose.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { buildMetadataXml, xmlEscape, type EdmModel } from '../src/graph/odata/metadata.ts';
import { startTestService, type TestService } from './support/service.ts';

const here = dirname(fileURLToPath(import.meta.url));
const REFERENCE = [join(here, '../../shared/reference/graph-beta-itemphone.csdl.xml'), '/work/shared/reference/graph-beta-itemphone.csdl.xml'].find(existsSync);

// ---- a tiny XML element parser (enough for CSDL: elements, attributes, comments, the declaration) ----

interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
}

const unescape = (s: string) =>
  s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!);

/** Parses `xml` into its root elements; throws unless tags balance and nothing but whitespace lies between them. */
function parseXml(xml: string): El[] {
  const text = xml.replace(/^\uFEFF?<\?xml[^?]*\?>/, '').replace(/<!--[\s\S]*?-->/g, '');
  const tag = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*"[^"<]*")*)\s*(\/?)>/g;
  const roots: El[] = [];
  const stack: El[] = [];
  let last = 0;
  for (let m = tag.exec(text); m; m = tag.exec(text)) {
    assert.match(text.slice(last, m.index), /^\s*$/, `unexpected text before ${m[0]}`);
    last = m.index + m[0].length;
    const [, closing, name, rawAttrs, selfClosing] = m as unknown as [string, string, string, string, string];
    if (closing) {
      assert.ok(!selfClosing && !rawAttrs.trim(), `malformed end tag ${m[0]}`);
      const open = stack.pop();
      assert.equal(open?.name, name, `end tag </${name}> does not match <${open?.name}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of rawAttrs.matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*"([^"]*)"/g)) {
      assert.ok(!(a[1]! in attrs), `attribute ${a[1]} repeated on <${name}>`);
      assert.doesNotMatch(a[2]!, /&(?!(lt|gt|quot|apos|amp);)/, `unescaped & in ${a[1]}`);
      attrs[a[1]!] = unescape(a[2]!);
    }
    const el: El = { name, attrs, children: [] };
    (stack.length ? stack[stack.length - 1]!.children : roots).push(el);
    if (!selfClosing) stack.push(el);
  }
  assert.match(text.slice(last), /^\s*$/, 'unexpected text after the last tag');
  assert.equal(stack.length, 0, `unclosed <${stack.map((e) => e.name).join('>, <')}>`);
  return roots;
}

/** The schema's types by kind and name. */
interface TypeInfo {
  kind: 'EntityType' | 'ComplexType' | 'EnumType';
  attrs: Record<string, string>;
  key: string[];
  properties: Map<string, { Type: string; Nullable: string }>;
  navigation: Map<string, { Type: string; ContainsTarget: string }>;
  members: Map<string, string>;
}

function typesOf(elements: El[]): Map<string, TypeInfo> {
  const out = new Map<string, TypeInfo>();
  for (const el of elements) {
    if (el.name !== 'EntityType' && el.name !== 'ComplexType' && el.name !== 'EnumType') continue;
    const { Name, ...attrs } = el.attrs;
    assert.ok(Name && !out.has(Name), `type name ${Name} missing or repeated`);
    const info: TypeInfo = { kind: el.name, attrs, key: [], properties: new Map(), navigation: new Map(), members: new Map() };
    for (const c of el.children) {
      if (c.name === 'Key') info.key = c.children.map((r) => r.attrs.Name!);
      // Nullable defaults to true in CSDL.
      else if (c.name === 'Property') info.properties.set(c.attrs.Name!, { Type: c.attrs.Type!, Nullable: c.attrs.Nullable ?? 'true' });
      else if (c.name === 'NavigationProperty') info.navigation.set(c.attrs.Name!, { Type: c.attrs.Type!, ContainsTarget: c.attrs.ContainsTarget ?? 'false' });
      else if (c.name === 'Member') info.members.set(c.attrs.Name!, c.attrs.Value!);
      else assert.fail(`unexpected <${c.name}> in ${Name}`);
    }
    out.set(Name, info);
  }
  return out;
}

/** Where this service knowingly publishes something other than the excerpt (docs/differences-from-graph.md). */
const INTENDED = {
  /** profile serves only the phones collection. */
  profileNavigation: ['phones'],
  /** Properties the service has that the excerpt lacks (production Graph has itemFacet.isSearchable). */
  extraProperties: { itemFacet: { isSearchable: { Type: 'Edm.Boolean', Nullable: 'true' } } } as Record<string, Record<string, { Type: string; Nullable: string }>>,
  /**
   * The one deliberate difference in a type both have: itemFacet.source is production Graph's personDataSources
   * (type: a collection of strings), as every generated SDK has it, not the excerpt's older personDataSource
   * (type: one string). The excerpt comes from another cloud's schema; its own header comment says so.
   */
  changedProperties: { itemFacet: { source: { Type: 'graph.personDataSources', Nullable: 'true' } } } as Record<string, Record<string, { Type: string; Nullable: string }>>,
  /** Types of the excerpt replaced by another one (excerpt name -> served name). */
  replacedTypes: { personDataSource: 'personDataSources' } as Record<string, string>,
};

const SERVED_TYPES = [
  'entity',
  'user',
  'profile',
  'itemFacet',
  'itemPhone',
  'allowedAudiences',
  'phoneType',
  'identitySet',
  'identity',
  'inferenceData',
  'personDataSources',
];

let svc: TestService;
let served: { status: number; headers: Headers; text: string };
before(async () => {
  svc = await startTestService();
  served = await svc.request('GET', '/beta/$metadata');
});
after(() => svc.stop());

function schemaOf(xml: string): El {
  const roots = parseXml(xml);
  assert.equal(roots.length, 1, 'a single root element');
  const [root] = roots;
  assert.equal(root!.name, 'edmx:Edmx');
  assert.equal(root!.attrs.Version, '4.0');
  assert.equal(root!.attrs['xmlns:edmx'], 'http://docs.oasis-open.org/odata/ns/edmx');
  assert.deepEqual(root!.children.map((c) => c.name), ['edmx:DataServices']);
  const schemas = root!.children[0]!.children;
  assert.deepEqual(schemas.map((c) => c.name), ['Schema']);
  return schemas[0]!;
}

test('GET /beta/$metadata answers CSDL XML anonymously, with OData-Version 4.0', async () => {
  assert.equal(served.status, 200);
  assert.equal(served.headers.get('content-type'), 'application/xml');
  assert.equal(served.headers.get('odata-version'), '4.0');
  assert.ok(served.headers.get('request-id'));
  assert.match(served.text, /^<\?xml version="1\.0" encoding="utf-8"\?>\n<edmx:Edmx /);
  const schema = schemaOf(served.text);
  assert.equal(schema.attrs.Namespace, 'microsoft.graph');
  assert.equal(schema.attrs.Alias, 'graph');
  assert.equal(schema.attrs.xmlns, 'http://docs.oasis-open.org/odata/ns/edm');
});

test('$metadata: path case-insensitive, HEAD served, other methods 405, a bad token ignored', async () => {
  const lower = await svc.request('GET', '/BETA/$METADATA');
  assert.equal(lower.status, 200);
  assert.equal(lower.text, served.text);
  const head = await svc.request('HEAD', '/beta/$metadata');
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-type'), 'application/xml');
  for (const method of ['POST', 'PATCH', 'DELETE', 'PUT']) {
    const res = await svc.request(method, '/beta/$metadata', { body: {} });
    assert.equal(res.status, 405, method);
    assert.equal(res.json?.error?.code, 'Request_BadRequest', method);
    assert.equal(res.headers.get('allow'), 'GET', method);
  }
  const withJunkToken = await svc.request('GET', '/beta/$metadata', { token: 'not-a-token' });
  assert.equal(withJunkToken.status, 200);
});

test('$metadata declares exactly the served types, entity set and singleton', () => {
  const schema = schemaOf(served.text);
  const types = typesOf(schema.children);
  assert.deepEqual([...types.keys()].sort(), [...SERVED_TYPES].sort());
  const containers = schema.children.filter((c) => c.name === 'EntityContainer');
  assert.equal(containers.length, 1);
  assert.deepEqual(
    containers[0]!.children.map((c) => ({ el: c.name, ...c.attrs })),
    [
      { el: 'EntitySet', Name: 'users', EntityType: 'graph.user' },
      { el: 'Singleton', Name: 'me', Type: 'graph.user' },
    ],
  );
  const user = types.get('user')!;
  assert.deepEqual(user.attrs, { BaseType: 'graph.entity' });
  assert.deepEqual([...user.navigation], [['profile', { Type: 'graph.profile', ContainsTarget: 'true' }]]);
  // Every type referred to is declared (or a primitive).
  for (const [name, t] of types) {
    for (const [p, { Type }] of [...t.properties, ...t.navigation]) {
      const target = Type.replace(/^Collection\((.*)\)$/, '$1');
      assert.ok(target.startsWith('Edm.') || types.has(target.replace(/^graph\./, '')), `${name}.${p}: ${Type} is not declared`);
    }
    if (t.attrs.BaseType) assert.ok(types.has(t.attrs.BaseType.replace(/^graph\./, '')), `${name}: base ${t.attrs.BaseType}`);
  }
});

test('$metadata agrees with the official CSDL excerpt on every type both have, except the listed differences', { skip: !REFERENCE && 'reference excerpt not found' }, () => {
  const reference = typesOf(parseXml(readFileSync(REFERENCE!, 'utf8')));
  const ours = typesOf(schemaOf(served.text).children);
  const common = [...reference.keys()].filter((n) => ours.has(n));
  // Every type of the excerpt is served, bar the one replaced on purpose: the comparison covers all the rest.
  assert.deepEqual(common.sort(), [...reference.keys()].filter((n) => !(n in INTENDED.replacedTypes)).sort());
  for (const [old, served] of Object.entries(INTENDED.replacedTypes)) {
    assert.ok(reference.has(old) && !ours.has(old), `${old} is in the excerpt and not served`);
    assert.ok(ours.has(served) && !reference.has(served), `${served} is served and not in the excerpt`);
  }

  for (const name of common) {
    const ref = reference.get(name)!;
    const our = ours.get(name)!;
    assert.equal(our.kind, ref.kind, `${name}: kind`);
    assert.deepEqual(our.attrs, ref.attrs, `${name}: BaseType/Abstract/OpenType/IsFlags`);
    assert.deepEqual(our.key, ref.key, `${name}: key`);
    assert.deepEqual(Object.fromEntries(our.members), Object.fromEntries(ref.members), `${name}: enum members and values`);
    assert.deepEqual([...our.members.keys()], [...ref.members.keys()], `${name}: enum member order`);

    const extra = INTENDED.extraProperties[name] ?? {};
    const changed = INTENDED.changedProperties[name] ?? {};
    for (const p of Object.keys(changed)) assert.ok(ref.properties.has(p), `${name}.${p}: a changed property the excerpt has`);
    const expectedProperties = { ...Object.fromEntries(ref.properties), ...extra, ...changed };
    assert.deepEqual(Object.fromEntries(our.properties), expectedProperties, `${name}: properties (Type, Nullable)`);

    if (name === 'profile') {
      const expected = INTENDED.profileNavigation.map((n) => [n, ref.navigation.get(n)]);
      assert.deepEqual([...our.navigation], expected, 'profile: only the phones navigation property, as the excerpt has it');
    } else {
      assert.deepEqual(Object.fromEntries(our.navigation), Object.fromEntries(ref.navigation), `${name}: navigation properties`);
    }
  }
});

test('source: the excerpt has personDataSource (type Edm.String); the service declares production\'s personDataSources (type Collection(Edm.String))', { skip: !REFERENCE && 'reference excerpt not found' }, () => {
  const excerptText = readFileSync(REFERENCE!, 'utf8');
  const reference = typesOf(parseXml(excerptText));
  const ours = typesOf(schemaOf(served.text).children);
  // The excerpt (from the US-Sovereign cloud's schema): source is the older personDataSource, whose type is one string.
  assert.deepEqual(reference.get('itemFacet')!.properties.get('source'), { Type: 'graph.personDataSource', Nullable: 'true' });
  assert.deepEqual(Object.fromEntries(reference.get('personDataSource')!.properties), { type: { Type: 'Edm.String', Nullable: 'true' } });
  // The excerpt's own header comment says that production Graph types source as personDataSources.
  const header = /^<!--([\s\S]*?)-->/.exec(excerptText.trimStart())?.[1] ?? '';
  assert.match(header.replace(/\s+/g, ' '), /types source as personDataSources/);
  // Served: personDataSources, whose type is a collection of strings with nullable items (no Nullable attribute,
  // as production's CSDL writes it: on a collection, Nullable is about the items).
  assert.deepEqual(ours.get('itemFacet')!.properties.get('source'), { Type: 'graph.personDataSources', Nullable: 'true' });
  assert.equal(ours.get('personDataSources')!.kind, 'ComplexType');
  assert.deepEqual(ours.get('personDataSources')!.attrs, {});
  assert.deepEqual(Object.fromEntries(ours.get('personDataSources')!.properties), { type: { Type: 'Collection(Edm.String)', Nullable: 'true' } });
  assert.ok(served.text.includes('<ComplexType Name="personDataSources">\n        <Property Name="type" Type="Collection(Edm.String)" />\n      </ComplexType>'));
  assert.ok(!ours.has('personDataSource'));
});

test('$metadata publishes Nullable="false" for itemPhone.type although the service accepts null', () => {
  const itemPhone = typesOf(schemaOf(served.text).children).get('itemPhone')!;
  assert.deepEqual(itemPhone.properties.get('type'), { Type: 'graph.phoneType', Nullable: 'false' });
  // number is required by the service but published nullable, as in the excerpt.
  assert.deepEqual(itemPhone.properties.get('number'), { Type: 'Edm.String', Nullable: 'true' });
});

test('the generator escapes names and values', () => {
  assert.equal(xmlEscape(`a<b>&"c'`), 'a&lt;b&gt;&amp;&quot;c&apos;');
  const model: EdmModel = {
    namespace: 'microsoft.graph',
    alias: 'graph',
    entityTypes: [
      {
        type: {
          name: 'microsoft.graph.odd',
          properties: {
            id: { type: { kind: 'string', maxLength: 1 }, nullable: false, settable: false },
            kind: { type: { kind: 'enum', name: 'microsoft.graph.k&d', members: ['a"b', 'c<d'], flags: false }, nullable: true, settable: true },
          },
        },
        key: ['id'],
      },
    ],
    container: { name: 'GraphService', entitySets: [{ name: 'odd&s', entityType: 'microsoft.graph.odd' }], singletons: [] },
  };
  const xml = buildMetadataXml(model);
  const types = typesOf(schemaOf(xml).children);
  assert.deepEqual(types.get('odd')!.properties.get('kind'), { Type: 'graph.k&d', Nullable: 'true' });
  assert.deepEqual([...types.get('k&d')!.members], [['a"b', '0'], ['c<d', '1']]);
  assert.match(xml, /EntitySet Name="odd&amp;s"/);
});

test('the generator declares collections of primitives and of complex types, Nullable for their items', () => {
  const child = { kind: 'complex', name: 'microsoft.graph.child', properties: { n: { type: { kind: 'double' }, nullable: true, settable: true } } } as const;
  const model: EdmModel = {
    namespace: 'microsoft.graph',
    alias: 'graph',
    entityTypes: [
      {
        type: {
          name: 'microsoft.graph.bag',
          properties: {
            id: { type: { kind: 'string', maxLength: 1 }, nullable: false, settable: false },
            tags: { type: { kind: 'collection', element: { kind: 'string', maxLength: 9 }, elementNullable: false, maxItems: 3 }, nullable: true, settable: true },
            maybe: { type: { kind: 'collection', element: { kind: 'boolean' }, elementNullable: true, maxItems: 3 }, nullable: false, settable: true },
            children: { type: { kind: 'collection', element: child, elementNullable: false, maxItems: 3 }, nullable: true, settable: true },
          },
        },
        key: ['id'],
      },
    ],
    container: { name: 'GraphService', entitySets: [{ name: 'bags', entityType: 'microsoft.graph.bag' }], singletons: [] },
  };
  const types = typesOf(schemaOf(buildMetadataXml(model)).children);
  const bag = types.get('bag')!;
  assert.deepEqual(bag.properties.get('tags'), { Type: 'Collection(Edm.String)', Nullable: 'false' });
  assert.deepEqual(bag.properties.get('maybe'), { Type: 'Collection(Edm.Boolean)', Nullable: 'true' });
  assert.deepEqual(bag.properties.get('children'), { Type: 'Collection(graph.child)', Nullable: 'false' });
  assert.deepEqual(Object.fromEntries(types.get('child')!.properties), { n: { Type: 'Edm.Double', Nullable: 'true' } });
});
