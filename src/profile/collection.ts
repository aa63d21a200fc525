// What a profile collection is (phones; emails, addresses, ... later): one definition from which everything
// else is built: its routes (collectionRoutes.ts), its part of the profile's $expand (routes.ts), of $metadata
// (edmModel.ts) and of OpenAPI (graph/openapi), and its store (store/facetTable.ts). Adding a collection is
// writing one definition and listing it in collections.ts. This module also holds what every collection does
// alike with its definition: new items, changes and the wire form.
import { randomUUID } from 'node:crypto';
import { readEntityBody, unqualifiedName, type EntityTypeDef } from '../graph/edm.ts';
import { DEFAULT_ALLOWED_AUDIENCES, type IdentitySet, type ItemChanges, type ItemFacet, type OwnValues } from '../model/itemFacet.ts';
import { oncePer } from '../oncePer.ts';
import { picking } from '../fixedShape.ts';
import type { FacetTable } from '../store/facetTable.ts';
import { graphTimestamp } from './itemFacet.ts';

export interface ProfileCollection<T extends ItemFacet = ItemFacet> {
  /** The profile's navigation property, and the URL segment after /profile, e.g. phones. */
  readonly segment: string;
  /**
   * The entity type, e.g. microsoft.graph.itemPhone: itemFacet's properties (itemFacetProperties), then the
   * collection's own, in the order Graph writes them. It validates bodies and query options and is published
   * in $metadata and OpenAPI.
   */
  readonly entity: EntityTypeDef;
  /** Where the items are stored: the table and the columns of the collection's own properties. */
  readonly table: FacetTable<T>;
  /**
   * The collection's own values of a new item, from those a create body sent (already checked against the entity
   * type): the defaults filled in, and a Graph error thrown for what the collection's rules refuse (with the
   * property as its target, so that a seed can name the place: tenants[0].users[1].phones[2].number).
   */
  create(sent: Partial<OwnValues<T>>): OwnValues<T>;
  /** Checks the collection's own values an update sends, by the same rules as on create (throws a Graph error). */
  checkChanges(sent: Partial<OwnValues<T>>): void;
}

/** The entity type's name without its namespace, e.g. itemPhone: what messages and OpenAPI call an item. */
export const shortName = (c: ProfileCollection<any>): string => unqualifiedName(c.entity.name);

/** The route parameter that holds an item's id, e.g. phoneId for itemPhone (route patterns name it, and so do metrics). */
export function idParam(c: ProfileCollection<any>): string {
  const noun = shortName(c).replace(/^item(?=[A-Z])/, '');
  return `${noun[0]!.toLowerCase()}${noun.slice(1)}Id`;
}

/** Reads a create body and builds the new item: the server's values, itemFacet's defaults, the collection's own. */
export function newItem<T extends ItemFacet>(c: ProfileCollection<T>, body: unknown, actor: IdentitySet): T {
  const { allowedAudiences, inference, isSearchable, source, ...own } = readEntityBody(c.entity, body) as ItemChanges<T>;
  const now = graphTimestamp();
  const facet: ItemFacet = {
    id: randomUUID(),
    allowedAudiences: allowedAudiences ?? [...DEFAULT_ALLOWED_AUDIENCES],
    inference: inference ?? null,
    createdDateTime: now,
    createdBy: actor,
    lastModifiedDateTime: now,
    lastModifiedBy: actor,
    version: 1,
    isSearchable: isSearchable ?? null,
    source: source ?? null,
  };
  return { ...facet, ...c.create(own as Partial<OwnValues<T>>) } as T;
}

/** Reads an update body: only the properties sent, each checked as on create. */
export function itemChanges<T extends ItemFacet>(c: ProfileCollection<T>, body: unknown): ItemChanges<T> {
  const changes = readEntityBody(c.entity, body) as ItemChanges<T>;
  c.checkChanges(changes as Partial<OwnValues<T>>);
  return changes;
}

/**
 * Per collection, once: an item as Graph writes it, the entity type's properties in order, a flags enum as one
 * comma-separated string (built as one object literal, fixedShape.ts).
 */
const wireOf = oncePer((c: ProfileCollection<any>) =>
  picking(Object.entries(c.entity.properties).map(([name, def]) => ({ name, joinArray: def.type.kind === 'enum' && def.type.flags === true }))),
);

/** An item as Graph writes it: the entity type's properties in order, a flags enum as one comma-separated string. */
export function toWire(c: ProfileCollection<any>, item: ItemFacet): Record<string, unknown> {
  return wireOf(c)(item as unknown as Record<string, unknown>);
}
