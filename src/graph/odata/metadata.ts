// The service document's $metadata: OData 4.0 CSDL XML generated from the same EDM descriptors that
// validate requests (graph/edm.ts), so the published schema and the accepted bodies cannot drift apart.
// buildMetadataXml is pure; registerMetadataRoute serves one prebuilt document.
import type { FastifyInstance } from 'fastify';
import { typeName, type EdmType, type EntityTypeDef, type PropertyDef } from '../edm.ts';
import { methodNotAllowed } from '../http.ts';

export interface NavigationPropertyDecl {
  readonly name: string;
  /** Qualified name of the target entity type, e.g. microsoft.graph.itemPhone. */
  readonly target: string;
  readonly collection: boolean;
  readonly containsTarget: boolean;
}

export interface EntityTypeDecl {
  /** The type with all its structural properties, inherited ones included (as validation sees it). */
  readonly type: EntityTypeDef;
  /** Qualified name of the base type; the properties the base type has are not declared again. */
  readonly baseType?: string;
  readonly abstract?: boolean;
  /** Key property names (only on a type without a base type). */
  readonly key?: readonly string[];
  readonly navigationProperties?: readonly NavigationPropertyDecl[];
}

export interface EdmModel {
  /** e.g. microsoft.graph */
  readonly namespace: string;
  /** e.g. graph: types are referred to as graph.itemPhone, as Graph's own CSDL does. */
  readonly alias: string;
  readonly entityTypes: readonly EntityTypeDecl[];
  /** Complex types that are open (OpenType="true"), by qualified name. */
  readonly openComplexTypes?: readonly string[];
  readonly container: {
    readonly name: string;
    readonly entitySets: readonly { readonly name: string; readonly entityType: string }[];
    readonly singletons: readonly { readonly name: string; readonly type: string }[];
  };
}

/** Escapes a string for an XML attribute value (or text). */
export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

type EnumType = Extract<EdmType, { kind: 'enum' }>;
type ComplexType = Extract<EdmType, { kind: 'complex' }>;

/** Underlying values of an enum's members: declared ones, else OData's defaults. */
export function enumMemberValues(t: EnumType): number[] {
  if (t.values) {
    if (t.values.length !== t.members.length) throw new Error(`${t.name}: ${t.members.length} members but ${t.values.length} values`);
    return [...t.values];
  }
  return t.members.map((_, i) => (t.flags ? 2 ** i : i));
}

/** Builds the CSDL document for `model`. Throws when the model is inconsistent (unknown base type, a name used twice). */
export function buildMetadataXml(model: EdmModel): string {
  const prefix = model.namespace + '.';
  const simpleName = (qualified: string): string => {
    if (!qualified.startsWith(prefix)) throw new Error(`${qualified} is not in namespace ${model.namespace}`);
    return qualified.slice(prefix.length);
  };
  const ref = (qualified: string): string => (qualified.startsWith('Edm.') ? qualified : `${model.alias}.${simpleName(qualified)}`);
  const typeRef = (t: EdmType): string => (t.kind === 'collection' ? `Collection(${typeRef(t.element)})` : ref(typeName(t)));
  const a = (name: string, value: string): string => ` ${name}="${xmlEscape(value)}"`;

  const entities = new Map<string, EntityTypeDecl>();
  for (const e of model.entityTypes) {
    if (entities.has(e.type.name)) throw new Error(`entity type ${e.type.name} declared twice`);
    entities.set(e.type.name, e);
  }

  // Complex and enum types are those the properties reach.
  const complexTypes = new Map<string, ComplexType>();
  const enumTypes = new Map<string, EnumType>();
  const visit = (t: EdmType): void => {
    if (t.kind === 'enum') {
      const seen = enumTypes.get(t.name);
      if (seen && seen.members.join() !== t.members.join()) throw new Error(`enum ${t.name} described twice, differently`);
      if (!seen) enumTypes.set(t.name, t);
    } else if (t.kind === 'collection') {
      visit(t.element);
    } else if (t.kind === 'complex') {
      const seen = complexTypes.get(t.name);
      if (seen && Object.keys(seen.properties).join() !== Object.keys(t.properties).join()) {
        throw new Error(`complex type ${t.name} described twice, differently`);
      }
      if (!seen) {
        complexTypes.set(t.name, t);
        for (const p of Object.values(t.properties)) visit(p.type);
      }
    }
  };

  /** The properties an entity type declares itself (not those of its base types). */
  const ownProperties = (e: EntityTypeDecl): [string, PropertyDef][] => {
    if (!e.baseType) return Object.entries(e.type.properties);
    const base = entities.get(e.baseType);
    if (!base) throw new Error(`${e.type.name}: base type ${e.baseType} is not in the model`);
    for (const name of Object.keys(base.type.properties)) {
      if (!Object.hasOwn(e.type.properties, name)) throw new Error(`${e.type.name} lacks ${name} of its base type ${e.baseType}`);
    }
    return Object.entries(e.type.properties).filter(([name]) => !Object.hasOwn(base.type.properties, name));
  };

  const byName = <T>(entries: [string, T][]): [string, T][] => entries.sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));

  const property = (name: string, def: PropertyDef, indent: string): string => {
    // On a collection, CSDL's Nullable is about its items (a collection itself is never null in OData).
    const nullable = def.type.kind === 'collection' ? def.type.elementNullable : (def.declaredNullable ?? def.nullable);
    return `${indent}<Property${a('Name', name)}${a('Type', typeRef(def.type))}${nullable ? '' : a('Nullable', 'false')} />`;
  };

  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="utf-8"?>');
  out.push('<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">');
  out.push('  <edmx:DataServices>');
  out.push(`    <Schema${a('Namespace', model.namespace)}${a('Alias', model.alias)} xmlns="http://docs.oasis-open.org/odata/ns/edm">`);

  for (const e of model.entityTypes) {
    const own = byName(ownProperties(e));
    for (const [, def] of own) visit(def.type);
    for (const n of e.navigationProperties ?? []) {
      if (!entities.has(n.target)) throw new Error(`${e.type.name}.${n.name}: target ${n.target} is not in the model`);
    }
    let head = `      <EntityType${a('Name', simpleName(e.type.name))}`;
    if (e.baseType) head += a('BaseType', ref(e.baseType));
    if (e.abstract) head += a('Abstract', 'true');
    out.push(head + '>');
    if (e.key) {
      out.push('        <Key>');
      for (const k of e.key) {
        if (!Object.hasOwn(e.type.properties, k)) throw new Error(`${e.type.name}: key ${k} is not a property`);
        out.push(`          <PropertyRef${a('Name', k)} />`);
      }
      out.push('        </Key>');
    }
    for (const [name, def] of own) out.push(property(name, def, '        '));
    for (const n of [...(e.navigationProperties ?? [])].sort((x, y) => (x.name < y.name ? -1 : 1))) {
      const type = n.collection ? `Collection(${ref(n.target)})` : ref(n.target);
      out.push(`        <NavigationProperty${a('Name', n.name)}${a('Type', type)}${n.containsTarget ? a('ContainsTarget', 'true') : ''} />`);
    }
    out.push('      </EntityType>');
  }

  for (const t of enumTypes.values()) {
    const values = enumMemberValues(t);
    out.push(`      <EnumType${a('Name', simpleName(t.name))}${t.flags ? a('IsFlags', 'true') : ''}>`);
    t.members.forEach((m, i) => out.push(`        <Member${a('Name', m)}${a('Value', String(values[i]))} />`));
    out.push('      </EnumType>');
  }

  const open = new Set(model.openComplexTypes ?? []);
  for (const t of complexTypes.values()) {
    out.push(`      <ComplexType${a('Name', simpleName(t.name))}${open.has(t.name) ? a('OpenType', 'true') : ''}>`);
    for (const [name, def] of byName(Object.entries(t.properties))) out.push(property(name, def, '        '));
    out.push('      </ComplexType>');
  }
  for (const name of open) if (!complexTypes.has(name)) throw new Error(`open complex type ${name} is not in the model`);

  out.push(`      <EntityContainer${a('Name', model.container.name)}>`);
  for (const s of model.container.entitySets) {
    if (!entities.has(s.entityType)) throw new Error(`entity set ${s.name}: ${s.entityType} is not in the model`);
    out.push(`        <EntitySet${a('Name', s.name)}${a('EntityType', ref(s.entityType))} />`);
  }
  for (const s of model.container.singletons) {
    if (!entities.has(s.type)) throw new Error(`singleton ${s.name}: ${s.type} is not in the model`);
    out.push(`        <Singleton${a('Name', s.name)}${a('Type', ref(s.type))} />`);
  }
  out.push('      </EntityContainer>');
  out.push('    </Schema>');
  out.push('  </edmx:DataServices>');
  out.push('</edmx:Edmx>');
  return out.join('\n') + '\n';
}

/**
 * Serves `GET /beta/$metadata` (and HEAD) with the document built once from `model`, without
 * authentication, as Graph does; other methods are 405.
 */
export function registerMetadataRoute(app: FastifyInstance, model: EdmModel): void {
  // A Buffer, so that Fastify sends the content type as given (Graph answers plain application/xml).
  const body = Buffer.from(buildMetadataXml(model), 'utf8');
  const path = '/beta/$metadata';
  app.get(path, async (_request, reply) => reply.code(200).type('application/xml').header('odata-version', '4.0').send(body));
  methodNotAllowed(app, path, ['GET']);
}
