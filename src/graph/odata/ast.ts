// The typed form of a collection query ($filter, $orderby, $select, $top, $skip, $count) after it has
// been parsed and checked against an entity type. Stores translate this, never the raw text.
import type { EdmType } from '../edm.ts';

/** A property of the entity, possibly nested in complex values: ['inference', 'confidenceScore']. */
export interface PropertyRef {
  readonly kind: 'property';
  readonly path: readonly string[];
  readonly type: EdmType;
}

/**
 * A literal, already converted to the property's type:
 * - string and enum members: string; numbers: number; booleans: boolean; null: null;
 * - DateTimeOffset: the UTC form the service stores and sends ("2026-01-01T00:00:00.0000000Z").
 */
export type LiteralValue = string | number | boolean | null;

export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export type FilterExpr =
  | { readonly kind: 'and' | 'or'; readonly left: FilterExpr; readonly right: FilterExpr }
  | { readonly kind: 'not'; readonly operand: FilterExpr }
  /**
   * property op literal (a literal written on the left is turned around: `5 lt x` becomes `x gt 5`).
   * For a flags enum, eq/ne compare the whole set and `value` is the members' comma-separated string.
   * A complex property can only be compared with null (eq/ne).
   */
  | { readonly kind: 'compare'; readonly op: ComparisonOperator; readonly property: PropertyRef; readonly value: LiteralValue }
  /** property in (v1, v2, ...): at least one value, none null. */
  | { readonly kind: 'in'; readonly property: PropertyRef; readonly values: readonly LiteralValue[] }
  /** flags property has 'member' */
  | { readonly kind: 'has'; readonly property: PropertyRef; readonly member: string }
  /** startswith(property, 'x'), endswith(...), contains(...): case-sensitive, string properties only */
  | { readonly kind: 'function'; readonly name: 'startswith' | 'endswith' | 'contains'; readonly property: PropertyRef; readonly value: string };

export interface OrderByItem {
  readonly property: PropertyRef;
  readonly descending: boolean;
}
