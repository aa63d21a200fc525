// The document's components.parameters: the OData query options with the limits the service enforces, taken
// from where they are enforced so the document can promise neither more nor less, and the path and header
// parameters.
import { MAX_PAGE_SIZE, MAX_SKIP } from '../odata/collectionQuery.ts';
import { QUERY_LIMITS } from '../odata/parse.ts';
import type { NamedCollection } from './collections.ts';
import type { Schema } from './schemas.ts';

/** A reference to the parameter component `name`. */
export const param = (name: string): Schema => ({ $ref: `#/components/parameters/${name}` });

const query = (name: string, schema: Schema, description: string, extra: Schema = {}): Schema => ({ name, in: 'query', description, schema, ...extra });
/** A comma-separated list in one query option ($select=a,b), as OData writes it. */
const list = (name: string, items: Schema, description: string, limits: Schema = {}): Schema =>
  query(name, { type: 'array', ...limits, uniqueItems: true, items }, description, { style: 'form', explode: false });
const pathParameter = (name: string, description: string): Schema => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
const header = (name: string, description: string): Schema => ({ name, in: 'header', description, schema: { type: 'string' } });

/** The parameter components: the shared ones, and per collection a $select (its entity's properties) and the item id. */
export function parameterComponents(collections: readonly NamedCollection[]): Record<string, Schema> {
  const each = (parameter: (c: NamedCollection) => [string, Schema]) => Object.fromEntries(collections.map(parameter));
  return {
    filter: query('$filter', { type: 'string', maxLength: QUERY_LIMITS.maxLength }, 'Filter items by property values (see the README for the grammar).'),
    orderby: list('$orderby', { type: 'string' }, 'Order items by property values, e.g. displayName desc,number.', { maxItems: QUERY_LIMITS.maxOrderByKeys }),
    ...each((c) => [c.selectParameter, selectParameter(c)]),
    top: query('$top', { type: 'integer', minimum: 0, maximum: MAX_PAGE_SIZE }, 'Show only the first n items (page size).'),
    skip: query('$skip', { type: 'integer', minimum: 0, maximum: MAX_SKIP }, 'Skip the first n items (first page only).'),
    count: query('$count', { type: 'boolean' }, 'Include the count of matching items (@odata.count).'),
    skiptoken: query('$skiptoken', { type: 'string' }, 'Opaque paging token from @odata.nextLink.'),
    expand: expandParameter(collections),
    userId: pathParameter('user-id', 'The id or userPrincipalName of the user.'),
    ...each((c) => [c.idParameter, pathParameter(c.idName, `The id of the ${c.shortName}.`)]),
    ifMatch: header('If-Match', "Only if the item's ETag is one of these ('*': any); otherwise 412. W/ is ignored when comparing."),
    ifNoneMatch: header('If-None-Match', "Only if the item's ETag is none of these ('*': any); otherwise 304 on GET, 412 on a write."),
  };
}

function selectParameter(c: NamedCollection): Schema {
  return list('$select', { type: 'string', enum: [...Object.keys(c.entity.properties), '*'] }, 'Select properties to be returned (id is always included).');
}

/** The profile's $expand names every collection; each may carry its own $select, as the first one shows. */
function expandParameter(collections: readonly NamedCollection[]): Schema {
  const segments = collections.map((c) => c.segment);
  return list('$expand', { type: 'string' }, `Expand related entities: ${segments.join(', ')}, or ${segments[0]}($select=...).`);
}
