// The permission policy: which token may read or write whose profile. One table, read by
// `decide`, mirrored in the README and tested row by row.
import { DIRECTORY_ROLES } from './devIssuer.ts';
import { PERSONAL_ACCOUNTS_TENANT_ID, type Principal } from './principal.ts';

export type Operation = 'read' | 'write';
export type Whose = 'own' | 'other';
type Caller = 'work or school' | 'personal account' | 'application';

export interface Rule {
  readonly caller: Caller;
  readonly operation: Operation;
  readonly whose: Whose;
  /** Any one of these scopes (delegated) or roles (application) allows it; empty: never allowed. */
  readonly anyOf: readonly string[];
  /** The signed-in user must also hold one of ADMIN_ROLES. */
  readonly needsAdminRole?: boolean;
}

/** Directory roles that may change another user's profile. */
export const ADMIN_ROLES: readonly string[] = [DIRECTORY_ROLES.globalAdministrator, DIRECTORY_ROLES.userAdministrator];

const READ_OWN = ['User.Read', 'User.ReadWrite', 'User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All'];
const READ_ANY = ['User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All'];

export const RULES: readonly Rule[] = [
  { caller: 'work or school', operation: 'read', whose: 'own', anyOf: READ_OWN },
  { caller: 'work or school', operation: 'read', whose: 'other', anyOf: READ_ANY },
  { caller: 'work or school', operation: 'write', whose: 'own', anyOf: ['User.ReadWrite', 'User.ReadWrite.All'] },
  { caller: 'work or school', operation: 'write', whose: 'other', anyOf: ['User.ReadWrite.All'], needsAdminRole: true },
  { caller: 'personal account', operation: 'read', whose: 'own', anyOf: ['User.Read', 'User.ReadWrite'] },
  { caller: 'personal account', operation: 'read', whose: 'other', anyOf: [] },
  { caller: 'personal account', operation: 'write', whose: 'own', anyOf: ['User.ReadWrite'] },
  { caller: 'personal account', operation: 'write', whose: 'other', anyOf: [] },
  { caller: 'application', operation: 'read', whose: 'other', anyOf: READ_ANY },
  { caller: 'application', operation: 'write', whose: 'other', anyOf: [] },
];

function callerOf(p: Principal): Caller {
  if (p.kind === 'application') return 'application';
  return p.tenantId === PERSONAL_ACCOUNTS_TENANT_ID ? 'personal account' : 'work or school';
}

/** true when the principal may perform `operation` on its own or another user's profile. */
export function isAllowed(p: Principal, operation: Operation, whose: Whose): boolean {
  const caller = callerOf(p);
  const rule = RULES.find((r) => r.caller === caller && r.operation === operation && r.whose === whose);
  if (!rule) return false;
  const granted = caller === 'application' ? p.roles : p.scopes;
  if (!rule.anyOf.some((perm) => granted.has(perm))) return false;
  return !rule.needsAdminRole || ADMIN_ROLES.some((r) => p.directoryRoles.has(r));
}
