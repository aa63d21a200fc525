// Converts items to and from their rows: itemFacet's values to its columns (the same in every profile
// collection's table), and the collection's own values to the columns its FacetTable names.
import { ALLOWED_AUDIENCES, type AllowedAudience, type IdentitySet, type ItemChanges, type ItemFacet, type Modification } from '../model/itemFacet.ts';
import type { ProfileOwner } from '../model/profileOwner.ts';
import { oncePer } from '../oncePer.ts';
import type { FacetTable, OwnColumn } from './facetTable.ts';
import type { FacetColumns } from './schema.ts';

/** A row of a collection's table: itemFacet's columns and the collection's own. */
export type FacetRow = FacetColumns & Record<string, unknown>;

export function audiencesToMask(audiences: readonly string[]): number {
  let mask = 0;
  for (const a of audiences) mask |= audienceBit(a);
  return mask;
}

/** The bit of one allowedAudiences member in the stored mask (bit i is ALLOWED_AUDIENCES[i]). */
export const audienceBit = (audience: string): number => 1 << ALLOWED_AUDIENCES.indexOf(audience as AllowedAudience);

export function maskToAudiences(mask: number): string[] {
  return ALLOWED_AUDIENCES.filter((_, i) => (mask & (1 << i)) !== 0);
}

const bit = (b: boolean | null): number | null => (b === null ? null : b ? 1 : 0);
const bool = (n: number | null): boolean | null => (n === null ? null : n !== 0);

/** The two identity sets an item keeps, by the prefix of their columns. */
export type IdentitySetPrefix = 'created_by' | 'modified_by';

/**
 * Where an identity set's members are kept: the user's and the application's id and displayName, one column each
 * (a device is never recorded). Both the rows (here) and the queries (querySql.ts) name columns through this.
 */
export const STORED_IDENTITIES = { user: 'user', application: 'app' } as const;

export const identityColumn = (prefix: IdentitySetPrefix, member: keyof typeof STORED_IDENTITIES, part: 'id' | 'name') =>
  `${prefix}_${STORED_IDENTITIES[member]}_${part}` as `${IdentitySetPrefix}_${'user' | 'app'}_${'id' | 'name'}`;

function identitySetValues(prefix: IdentitySetPrefix, set: IdentitySet): Partial<FacetColumns> {
  const values: Partial<Record<keyof FacetColumns, string | null>> = {};
  for (const member of ['user', 'application'] as const) {
    values[identityColumn(prefix, member, 'id')] = set[member]?.id ?? null;
    values[identityColumn(prefix, member, 'name')] = set[member]?.displayName ?? null;
  }
  return values as Partial<FacetColumns>;
}

function identity(id: string | null, displayName: string | null) {
  return id === null && displayName === null ? null : { displayName, id };
}

/** Each identity set's column names, named once rather than for every row read. */
const IDENTITY_COLUMNS = Object.fromEntries(
  (['created_by', 'modified_by'] as const).map((prefix) => [
    prefix,
    {
      appId: identityColumn(prefix, 'application', 'id'),
      appName: identityColumn(prefix, 'application', 'name'),
      userId: identityColumn(prefix, 'user', 'id'),
      userName: identityColumn(prefix, 'user', 'name'),
    },
  ]),
) as Record<IdentitySetPrefix, Record<'appId' | 'appName' | 'userId' | 'userName', ReturnType<typeof identityColumn>>>;

function identitySetFromRow(row: FacetColumns, prefix: IdentitySetPrefix): IdentitySet {
  const c = IDENTITY_COLUMNS[prefix];
  return { application: identity(row[c.appId], row[c.appName]), device: null, user: identity(row[c.userId], row[c.userName]) };
}

/** A table's own columns with their properties, listed once per table rather than for every row. */
const ownColumns = oncePer((table: FacetTable<any>) => Object.entries<OwnColumn>(table.columns));

const toColumn = (own: OwnColumn, value: unknown) => (own.kind === 'boolean' ? bit(value as boolean | null) : value);
const fromColumn = (own: OwnColumn, value: unknown) => (own.kind === 'boolean' ? bool(value as number | null) : value);

/** Columns for the settable values present in `changes` (all of them on create): itemFacet's and the collection's own. */
export function changedColumns(table: FacetTable<any>, changes: ItemChanges<ItemFacet> & Record<string, unknown>): Partial<FacetRow> {
  const cols: Partial<FacetRow> = {};
  if (changes.allowedAudiences !== undefined) cols.allowed_audiences = audiencesToMask(changes.allowedAudiences);
  if (changes.inference !== undefined) {
    cols.inference_present = changes.inference === null ? 0 : 1;
    cols.inference_confidence_score = changes.inference?.confidenceScore ?? null;
    cols.inference_user_has_verified_accuracy = bit(changes.inference?.userHasVerifiedAccuracy ?? null);
  }
  if (changes.isSearchable !== undefined) cols.is_searchable = bit(changes.isSearchable);
  if (changes.source !== undefined) {
    cols.source_present = changes.source === null ? 0 : 1;
    const types = changes.source?.type ?? null;
    cols.source_types = types === null ? null : JSON.stringify(types);
  }
  for (const [property, own] of ownColumns(table)) {
    if (changes[property] !== undefined) cols[own.column] = toColumn(own, changes[property]);
  }
  return cols;
}

export function modificationColumns(m: Modification): Partial<FacetColumns> {
  return { last_modified_date_time: m.at, ...identitySetValues('modified_by', m.by) };
}

/** The whole row of a new item. */
export function rowOf(table: FacetTable<any>, owner: ProfileOwner, item: ItemFacet): FacetRow {
  return {
    tenant_id: owner.tenantId,
    user_id: owner.userId,
    id: item.id,
    created_date_time: item.createdDateTime,
    ...identitySetValues('created_by', item.createdBy),
    ...modificationColumns({ at: item.lastModifiedDateTime, by: item.lastModifiedBy }),
    ...changedColumns(table, item as ItemFacet & Record<string, unknown>),
    version: item.version,
  } as FacetRow;
}

/** The columns itemOf reads: itemFacet's (not the owner's keys, which the query names) and the collection's own. */
export const itemColumnsOf = oncePer((table: FacetTable<any>): string[] => [
  'id',
  'created_date_time',
  'last_modified_date_time',
  ...(['created_by', 'modified_by'] as const).flatMap((prefix) =>
    (['user', 'application'] as const).flatMap((member) => [identityColumn(prefix, member, 'id'), identityColumn(prefix, member, 'name')]),
  ),
  'allowed_audiences',
  'inference_present',
  'inference_confidence_score',
  'inference_user_has_verified_accuracy',
  'is_searchable',
  'source_present',
  'source_types',
  'version',
  ...ownColumns(table).map(([, own]) => own.column),
]);

/** The item a row holds. */
export function itemOf<T extends ItemFacet>(table: FacetTable<T>, row: FacetRow): T {
  const item: ItemFacet & Record<string, unknown> = {
    id: row.id,
    allowedAudiences: maskToAudiences(row.allowed_audiences),
    inference: row.inference_present
      ? { confidenceScore: row.inference_confidence_score, userHasVerifiedAccuracy: bool(row.inference_user_has_verified_accuracy) }
      : null,
    createdDateTime: row.created_date_time,
    createdBy: identitySetFromRow(row, 'created_by'),
    lastModifiedDateTime: row.last_modified_date_time,
    lastModifiedBy: identitySetFromRow(row, 'modified_by'),
    version: row.version,
    isSearchable: bool(row.is_searchable),
    source: row.source_present ? { type: row.source_types === null ? null : (JSON.parse(row.source_types) as (string | null)[]) } : null,
  };
  for (const [property, own] of ownColumns(table)) item[property] = fromColumn(own, row[own.column]);
  return item as T;
}
