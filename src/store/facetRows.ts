// Converts itemFacet values to and from their columns; shared by every profile collection's table.
import { ALLOWED_AUDIENCES, type IdentitySet, type ItemFacet, type ItemFacetSettable } from '../profile/itemFacet.ts';
import type { FacetColumns } from './schema.ts';

export function audiencesToMask(audiences: readonly string[]): number {
  let mask = 0;
  for (const a of audiences) mask |= 1 << ALLOWED_AUDIENCES.indexOf(a as (typeof ALLOWED_AUDIENCES)[number]);
  return mask;
}

export function maskToAudiences(mask: number): string[] {
  return ALLOWED_AUDIENCES.filter((_, i) => (mask & (1 << i)) !== 0);
}

const bit = (b: boolean | null): number | null => (b === null ? null : b ? 1 : 0);
const bool = (n: number | null): boolean | null => (n === null ? null : n !== 0);

type Prefix = 'created_by' | 'modified_by';

function identitySetColumns(prefix: Prefix, set: IdentitySet) {
  return {
    [`${prefix}_user_id`]: set.user?.id ?? null,
    [`${prefix}_user_name`]: set.user?.displayName ?? null,
    [`${prefix}_app_id`]: set.application?.id ?? null,
    [`${prefix}_app_name`]: set.application?.displayName ?? null,
  } as Pick<FacetColumns, `${Prefix}_${'user' | 'app'}_${'id' | 'name'}`>;
}

function identity(id: string | null, displayName: string | null) {
  return id === null && displayName === null ? null : { displayName, id };
}

function identitySetFromRow(row: FacetColumns, prefix: Prefix): IdentitySet {
  return {
    application: identity(row[`${prefix}_app_id`], row[`${prefix}_app_name`]),
    device: null,
    user: identity(row[`${prefix}_user_id`], row[`${prefix}_user_name`]),
  };
}

type SettableColumns = Pick<
  FacetColumns,
  | 'allowed_audiences'
  | 'inference_present'
  | 'inference_confidence_score'
  | 'inference_user_has_verified_accuracy'
  | 'is_searchable'
  | 'source_present'
  | 'source_types'
>;

/** Columns for the settable facet values present in `values` (all of them on create). */
export function facetSettableColumns(values: Partial<ItemFacetSettable>): Partial<SettableColumns> {
  const cols: Partial<SettableColumns> = {};
  if (values.allowedAudiences !== undefined) cols.allowed_audiences = audiencesToMask(values.allowedAudiences);
  if (values.inference !== undefined) {
    cols.inference_present = values.inference === null ? 0 : 1;
    cols.inference_confidence_score = values.inference?.confidenceScore ?? null;
    cols.inference_user_has_verified_accuracy = bit(values.inference?.userHasVerifiedAccuracy ?? null);
  }
  if (values.isSearchable !== undefined) cols.is_searchable = bit(values.isSearchable);
  if (values.source !== undefined) {
    cols.source_present = values.source === null ? 0 : 1;
    const types = values.source?.type ?? null;
    cols.source_types = types === null ? null : JSON.stringify(types);
  }
  return cols;
}

export function modificationColumns(at: string, by: IdentitySet) {
  return { last_modified_date_time: at, ...identitySetColumns('modified_by', by) };
}

export function facetColumns(owner: { tenantId: string; userId: string }, f: ItemFacet): FacetColumns {
  return {
    tenant_id: owner.tenantId,
    user_id: owner.userId,
    id: f.id,
    created_date_time: f.createdDateTime,
    ...identitySetColumns('created_by', f.createdBy),
    ...modificationColumns(f.lastModifiedDateTime, f.lastModifiedBy),
    ...(facetSettableColumns(f) as SettableColumns),
    version: f.version,
  };
}

export function facetFromRow(row: FacetColumns): ItemFacet {
  return {
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
}
