// The EDM model of what is served, for $metadata and OpenAPI: users and me, each user's profile, and the
// profile's collections, built from their definitions. Graph's user derives from directoryObject and its
// profile has many more collections; only what is served is published.
import type { EdmModel } from '../graph/odata/metadata.ts';
import type { ProfileCollection } from './collection.ts';
import { itemFacetProperties, itemFacetType } from './itemFacet.ts';

export function profileEdmModel(collections: readonly ProfileCollection<any>[]): EdmModel {
  const id = { id: itemFacetProperties.id };
  return {
    namespace: 'microsoft.graph',
    alias: 'graph',
    entityTypes: [
      { type: { name: 'microsoft.graph.entity', properties: id }, abstract: true, key: ['id'] },
      {
        type: { name: 'microsoft.graph.user', properties: id },
        baseType: 'microsoft.graph.entity',
        navigationProperties: [{ name: 'profile', target: 'microsoft.graph.profile', collection: false, containsTarget: true }],
      },
      {
        type: { name: 'microsoft.graph.profile', properties: id },
        baseType: 'microsoft.graph.entity',
        navigationProperties: collections.map((c) => ({ name: c.segment, target: c.entity.name, collection: true, containsTarget: true })),
      },
      { type: itemFacetType, baseType: 'microsoft.graph.entity', abstract: true },
      ...collections.map((c) => ({ type: c.entity, baseType: itemFacetType.name })),
    ],
    openComplexTypes: ['microsoft.graph.identitySet', 'microsoft.graph.identity'],
    container: {
      name: 'GraphService',
      entitySets: [{ name: 'users', entityType: 'microsoft.graph.user' }],
      singletons: [{ name: 'me', type: 'microsoft.graph.user' }],
    },
  };
}
