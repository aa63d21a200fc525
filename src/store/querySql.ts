// Translates a checked collection query (graph/odata/ast.ts) into parameterised SQL that reads the same
// on SQLite and PostgreSQL: every value is a bound parameter, every column comes from a fixed map, and
// the owner's index (tenant_id, user_id, ...) stays the access path. Nothing is filtered in memory.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { FilterExpr, LiteralValue, OrderByItem, PropertyRef } from '../graph/odata/ast.ts';
import { oncePer } from '../oncePer.ts';
import { audienceBit, audiencesToMask, identityColumn, STORED_IDENTITIES, type IdentitySetPrefix } from './facetRows.ts';
import type { FacetTable, OwnColumn } from './facetTable.ts';

/** How a property path is stored. */
export type Column =
  /** text, number, boolean (0/1) or a non-flags enum (its member name), as a collection's own properties are kept too. */
  | OwnColumn
  /** allowedAudiences: a set of members as bits. */
  | { readonly kind: 'flags'; readonly column: string }
  /** A complex value stored flattened, with a 0/1 column saying whether it is there at all. */
  | { readonly kind: 'present'; readonly column: string }
  /** An identity {id, displayName}: null when both are. */
  | { readonly kind: 'identity'; readonly idColumn: string; readonly nameColumn: string }
  /** Never null (identitySet) or always null (identitySet.device and its members). */
  | { readonly kind: 'constant'; readonly isNull: boolean };

/** The property paths of one identity set (createdBy, lastModifiedBy), and where each is stored. */
const identitySetPaths = (property: 'createdBy' | 'lastModifiedBy', prefix: IdentitySetPrefix) => {
  const out: Record<string, Column> = { [property]: { kind: 'constant', isNull: false } };
  for (const member of Object.keys(STORED_IDENTITIES) as (keyof typeof STORED_IDENTITIES)[]) {
    const idColumn = identityColumn(prefix, member, 'id');
    const nameColumn = identityColumn(prefix, member, 'name');
    out[`${property}/${member}`] = { kind: 'identity', idColumn, nameColumn };
    out[`${property}/${member}/id`] = { kind: 'text', column: idColumn };
    out[`${property}/${member}/displayName`] = { kind: 'text', column: nameColumn };
  }
  for (const path of ['device', 'device/id', 'device/displayName']) out[`${property}/${path}`] = { kind: 'constant', isNull: true };
  return out;
};

/** Every itemFacet property path a query may name, and where it is stored. */
export const facetColumnMap: Readonly<Record<string, Column>> = {
  id: { kind: 'text', column: 'id', required: true },
  allowedAudiences: { kind: 'flags', column: 'allowed_audiences' },
  createdDateTime: { kind: 'text', column: 'created_date_time', required: true },
  lastModifiedDateTime: { kind: 'text', column: 'last_modified_date_time', required: true },
  inference: { kind: 'present', column: 'inference_present' },
  'inference/confidenceScore': { kind: 'number', column: 'inference_confidence_score' },
  'inference/userHasVerifiedAccuracy': { kind: 'boolean', column: 'inference_user_has_verified_accuracy' },
  isSearchable: { kind: 'boolean', column: 'is_searchable' },
  source: { kind: 'present', column: 'source_present' },
  // source/type is a collection (stored as JSON text in source_types): the parser refuses comparing or
  // ordering by it, since lambda operators (any, all) are not supported.
  ...identitySetPaths('createdBy', 'created_by'),
  ...identitySetPaths('lastModifiedBy', 'modified_by'),
};

export type ColumnMap = Readonly<Record<string, Column>>;

/** Every property path of a collection's items a query may name: itemFacet's, then the collection's own (made once per table). */
export const columnMapOf = oncePer(
  (table: FacetTable<any>): ColumnMap => ({ ...facetColumnMap, ...(table.columns as Readonly<Record<string, OwnColumn>>) }),
);

const TRUE = sql<SqlBool>`1 = 1`;
const FALSE = sql<SqlBool>`1 = 0`;

function columnOf(map: ColumnMap, p: PropertyRef): Column {
  const column = map[p.path.join('/')];
  if (!column) throw new Error(`no column for ${p.path.join('/')}`); // the parser only lets known paths through
  return column;
}

/** A stored value as the column holds it. */
function stored(column: Column, value: LiteralValue): unknown {
  if (value === null) return null;
  if (column.kind === 'boolean') return value ? 1 : 0;
  if (column.kind === 'flags') return audiencesToMask(String(value).split(','));
  return value;
}

function isNull(column: Column): RawBuilder<SqlBool> {
  switch (column.kind) {
    case 'present':
      return sql<SqlBool>`${sql.ref(column.column)} = 0`;
    case 'identity':
      return sql<SqlBool>`(${sql.ref(column.idColumn)} is null and ${sql.ref(column.nameColumn)} is null)`;
    case 'constant':
      return column.isNull ? TRUE : FALSE;
    default:
      return sql<SqlBool>`${sql.ref(column.column)} is null`;
  }
}

const SQL_OPERATORS = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

/** The filter as a WHERE condition. */
export function filterSql(map: ColumnMap, e: FilterExpr): RawBuilder<SqlBool> {
  switch (e.kind) {
    case 'and':
      return sql<SqlBool>`(${filterSql(map, e.left)} and ${filterSql(map, e.right)})`;
    case 'or':
      return sql<SqlBool>`(${filterSql(map, e.left)} or ${filterSql(map, e.right)})`;
    case 'not':
      // OData logic is two-valued (null eq 'x' is false, so not(...) is true); SQL's is three-valued.
      return sql<SqlBool>`not ((${filterSql(map, e.operand)}) is true)`;
    case 'compare': {
      const column = columnOf(map, e.property);
      if (e.value === null) {
        const test = isNull(column);
        return e.op === 'eq' ? test : sql<SqlBool>`not (${test})`;
      }
      // Only always-null members (createdBy/device/id) get here without a column: null ne 'x' alone holds.
      if (column.kind === 'constant' || column.kind === 'present' || column.kind === 'identity') return e.op === 'ne' ? TRUE : FALSE;
      const ref = sql.ref(column.column);
      const value = stored(column, e.value);
      // OData: null ne 'x' is true, and null gt 'x' false; SQL would say null for both.
      if (e.op === 'ne') return sql<SqlBool>`(${ref} <> ${value} or ${ref} is null)`;
      return sql<SqlBool>`${ref} ${sql.raw(SQL_OPERATORS[e.op])} ${value}`;
    }
    case 'in': {
      const column = columnOf(map, e.property);
      if (!('column' in column) || column.kind === 'present') return FALSE; // null is never in a list
      return sql<SqlBool>`${sql.ref(column.column)} in (${sql.join(e.values.map((v) => stored(column, v)))})`;
    }
    case 'has': {
      const column = columnOf(map, e.property);
      if (column.kind !== 'flags') return FALSE;
      return sql<SqlBool>`(${sql.ref(column.column)} & ${audienceBit(e.member)}) <> 0`;
    }
    case 'function': {
      const column = columnOf(map, e.property);
      if (column.kind !== 'text') return FALSE; // an always-null string member
      const ref = sql.ref(column.column);
      if (e.value === '') return sql<SqlBool>`${ref} is not null`;
      // Case-sensitive and portable: SQLite's LIKE ignores ASCII case, and instr/strpos differ by database.
      const v = sql`cast(${e.value} as text)`;
      if (e.name === 'startswith') return sql<SqlBool>`substr(${ref}, 1, length(${v})) = ${v}`;
      if (e.name === 'endswith') return sql<SqlBool>`substr(${ref}, length(${ref}) - length(${v}) + 1) = ${v}`;
      return sql<SqlBool>`replace(${ref}, ${v}, '') <> ${ref}`;
    }
  }
}

/** One sort key: what is sorted on (a column, or an enum's rank), how a value is written for it, its direction. */
export interface SortKey {
  readonly expr: RawBuilder<unknown>;
  readonly toSql: (v: Exclude<LiteralValue, null>) => unknown;
  readonly descending: boolean;
  /** False for a column that refuses null (id, createdDateTime, a required property): where nulls sort is moot. */
  readonly nullable: boolean;
  /** What it sorts by and which way, as text: queries are prepared once per shape of order (kyselyFacetStore.ts). */
  readonly shape: string;
}

export function sortKeys(map: ColumnMap, items: readonly OrderByItem[]): SortKey[] {
  return items.map((item) => {
    const column = columnOf(map, item.property);
    const descending = item.descending;
    const shape = `${item.property.path.join('/')}${descending ? ' desc' : ''}`;
    switch (column.kind) {
      case 'text':
      case 'number':
        return { expr: sql.ref(column.column), toSql: (v) => v, descending, nullable: !column.required, shape };
      case 'boolean':
        return { expr: sql.ref(column.column), toSql: (v) => (v ? 1 : 0), descending, nullable: !column.required, shape };
      case 'enum': {
        const rank = sql`case ${sql.ref(column.column)} ${sql.join(
          column.members.map((m, i) => sql`when ${sql.lit(m)} then ${sql.lit(i)}`),
          sql` `,
        )} end`;
        return { expr: rank, toSql: (v) => column.members.indexOf(String(v)), descending, nullable: !column.required, shape };
      }
      default:
        throw new Error(`cannot sort by ${item.property.path.join('/')}`); // the parser refuses these
    }
  });
}

/**
 * Nulls first ascending, last descending. A key that is never null is ordered plainly (asc, desc): PostgreSQL's
 * indexes keep `asc nulls last`, so asking `nulls first` of the owner's index (tenant_id, user_id,
 * created_date_time, id), moot as it is for those columns, would stop the index from giving the order, and every
 * list would read and sort all of the owner's rows (at a large owner, by a Seq Scan). SQLite orders the same either way.
 */
export function orderBySql(keys: readonly SortKey[]): RawBuilder<unknown>[] {
  const direction = (k: SortKey) => (k.nullable ? (k.descending ? 'desc nulls last' : 'asc nulls first') : k.descending ? 'desc' : 'asc');
  return keys.map((k) => sql`${k.expr} ${sql.raw(direction(k))}`);
}

/**
 * Rows strictly after `position` (one value per key) in the order of `keys`: the keyset condition that
 * makes paging stable while rows are added and removed. The last key must be unique and not null (id).
 */
export function afterSql(keys: readonly SortKey[], position: readonly LiteralValue[]): RawBuilder<SqlBool> {
  // Keys that are never null and all one way (the default createdDateTime,id; id; number,id) compare as one row
  // value: both databases read it as a range of the index from the position on, where the equivalent OR below
  // makes each of them read every row after the position (two ranges) and sort them, for every further page.
  if (keys.every((k) => !k.nullable && k.descending === keys[0]!.descending)) {
    const values = keys.map((k, i) => k.toSql(position[i]!));
    return sql<SqlBool>`(${sql.join(keys.map((k) => k.expr))}) ${sql.raw(keys[0]!.descending ? '<' : '>')} (${sql.join(values)})`;
  }
  const alternatives: RawBuilder<SqlBool>[] = [];
  for (let i = 0; i < keys.length; i++) {
    const equalBefore = keys.slice(0, i).map((k, j) => equalTo(k, position[j]!));
    const beyond = pastValue(keys[i]!, position[i]!);
    if (beyond === FALSE) continue;
    alternatives.push(equalBefore.length ? sql<SqlBool>`(${sql.join([...equalBefore, beyond], sql` and `)})` : beyond);
  }
  return alternatives.length ? sql<SqlBool>`(${sql.join(alternatives, sql` or `)})` : FALSE;
}

function equalTo(k: SortKey, v: LiteralValue): RawBuilder<SqlBool> {
  return v === null ? sql<SqlBool>`${k.expr} is null` : sql<SqlBool>`${k.expr} = ${k.toSql(v)}`;
}

function pastValue(k: SortKey, v: LiteralValue): RawBuilder<SqlBool> {
  if (!k.descending) return v === null ? sql<SqlBool>`${k.expr} is not null` : sql<SqlBool>`${k.expr} > ${k.toSql(v)}`;
  return v === null ? FALSE : sql<SqlBool>`(${k.expr} < ${k.toSql(v)} or ${k.expr} is null)`;
}

/**
 * A LIMIT or OFFSET value, as `cast(? as integer)` rather than a bare `?`. SQLite (3.53, better-sqlite3's) reads the
 * value bound to a bare LIMIT/OFFSET parameter while planning (sqlite3ExprIsInteger) and marks the statement to be
 * prepared again whenever that parameter is bound: every run, even with the same value. For a page of phones that cost
 * more than reading the page (39 against 23 µs for 11 rows, issue 15 in bench/RESULTS.md). An expression around the
 * parameter keeps it out of the plan. PostgreSQL takes the cast as it is.
 */
export const rowCount = (value: unknown): RawBuilder<number> => sql<number>`cast(${value} as integer)`;
