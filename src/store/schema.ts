// Table shapes as Kysely sees them. Column names start with the keys that scope them
// (tenant_id, then user_id) so rows can later be distributed by tenant.
import type { Generated } from 'kysely';

export interface UsersTable {
  tenant_id: string;
  id: string;
  user_principal_name: string;
  /** Lower-cased UPN for case-insensitive lookup; unique per tenant. */
  upn_key: string | null;
  display_name: string;
  created_date_time: string;
}

/** The columns every profile collection's table has: itemFacet's values and the owner's keys. */
export interface FacetColumns {
  tenant_id: string;
  user_id: string;
  id: string;
  created_date_time: string;
  last_modified_date_time: string;
  created_by_user_id: string | null;
  created_by_user_name: string | null;
  created_by_app_id: string | null;
  created_by_app_name: string | null;
  modified_by_user_id: string | null;
  modified_by_user_name: string | null;
  modified_by_app_id: string | null;
  modified_by_app_name: string | null;
  /** allowedAudiences as a bit set: bit i is ALLOWED_AUDIENCES[i]. */
  allowed_audiences: number;
  /** 1 when inference is an object, 0 when it is null. */
  inference_present: number;
  inference_confidence_score: number | null;
  inference_user_has_verified_accuracy: number | null;
  is_searchable: number | null;
  /** 1 when source is an object, 0 when it is null. */
  source_present: number;
  /** source.type, a collection of strings (items may be null), as JSON array text; null when it is null. */
  source_types: string | null;
  /** Writes so far, from 1: the entity tag's source (ItemFacetManaged.version). */
  version: number;
}

/**
 * The tables of the service itself. Each profile collection's table (itemFacet's columns, then its own) is declared
 * by the collection (facetTable.ts) and reached by name.
 */
export interface Database {
  users: UsersTable;
  /** Secrets every instance on this database shares (e.g. the $skiptoken key), made by the first to need one. */
  service_secrets: { name: string; value: string };
  rate_limit_hits: { key: string; window_start_ms: string | number; hits: number; expires_at_ms: string | number };
  /** Kysely's own bookkeeping (kept for completeness of the type; never queried by hand). */
  kysely_migration: { name: string; timestamp: Generated<string> };
}
