// Table-driven unit test of the permission policy (src/identity/policy.ts: isAllowed).
// Every expectation is written out below by hand from the Graph permission tables
// (/work/shared/reference/seed-create-itemphone.txt, graph-itemphone.md §1.2); none is computed from RULES.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isAllowed, type Operation, type Whose } from '../src/identity/policy.ts';
import type { Principal } from '../src/identity/principal.ts';

const WORK_TENANT = '6f1c2a8e-0d2b-4f3a-9c51-2b7e4d9a1c30';
const PERSONAL_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
const USER_ID = '2a4b6c8d-1e3f-4a5b-8c7d-9e0f1a2b3c4d';
const APP_ID = '7d8e9f0a-1b2c-4d3e-8f4a-5b6c7d8e9f0a';

/** Directory role template ids (wids). */
const ROLES = {
  none: [] as string[],
  globalAdmin: ['62e90394-69f5-4237-9190-012177145e10'],
  userAdmin: ['fe930be7-5e62-47db-91af-98c3a49a38b1'],
  /** Not admin roles: "User" (every member carries it) and Global Reader. */
  nonAdmin: ['b79fbf4d-3ef9-4689-8143-76b194e85509', 'f2ef992c-3afb-46b9-b7cf-a126ee74c451'],
} as const;
type RoleSet = keyof typeof ROLES;

type Caller = 'work' | 'personal' | 'app';

function principal(caller: Caller, perms: readonly string[], dirRoles: readonly string[], extra: { scopes?: string[]; roles?: string[] } = {}): Principal {
  const directoryRoles = new Set(dirRoles);
  if (caller === 'app') {
    return {
      kind: 'application',
      tenantId: WORK_TENANT,
      appId: APP_ID,
      appDisplayName: 'Policy Test App',
      scopes: new Set(extra.scopes ?? []),
      roles: new Set(perms),
      directoryRoles,
    };
  }
  return {
    kind: 'delegated',
    tenantId: caller === 'personal' ? PERSONAL_TENANT : WORK_TENANT,
    userId: USER_ID,
    userPrincipalName: caller === 'personal' ? 'pat@outlook.com' : 'pat@contoso.com',
    displayName: 'Pat',
    scopes: new Set(perms),
    roles: new Set(extra.roles ?? []),
    directoryRoles,
  };
}

/**
 * Expected decisions as four characters, in this order:
 *   R = may read own profile,  r = may read another user's,
 *   W = may write own profile, w = may write another user's;  '-' = refused.
 */
type Expected = `${'R' | '-'}${'r' | '-'}${'W' | '-'}${'w' | '-'}`;

interface Row {
  caller: Caller;
  /** Scopes (scp) for delegated callers, roles for applications. */
  perms: string[];
  dirRoles: RoleSet;
  expected: Expected;
}

const NONE: string[] = [];
const READ = ['User.Read'];
const READWRITE = ['User.ReadWrite'];
const READBASIC_ALL = ['User.ReadBasic.All'];
const READ_ALL = ['User.Read.All'];
const READWRITE_ALL = ['User.ReadWrite.All'];

const TABLE: Row[] = [
  // ---- Delegated, work or school account ----
  { caller: 'work', perms: NONE, dirRoles: 'none', expected: '----' },
  { caller: 'work', perms: NONE, dirRoles: 'globalAdmin', expected: '----' },
  { caller: 'work', perms: NONE, dirRoles: 'userAdmin', expected: '----' },
  { caller: 'work', perms: NONE, dirRoles: 'nonAdmin', expected: '----' },

  { caller: 'work', perms: READ, dirRoles: 'none', expected: 'R---' },
  { caller: 'work', perms: READ, dirRoles: 'globalAdmin', expected: 'R---' },
  { caller: 'work', perms: READ, dirRoles: 'userAdmin', expected: 'R---' },
  { caller: 'work', perms: READ, dirRoles: 'nonAdmin', expected: 'R---' },

  { caller: 'work', perms: READWRITE, dirRoles: 'none', expected: 'R-W-' },
  { caller: 'work', perms: READWRITE, dirRoles: 'globalAdmin', expected: 'R-W-' },
  { caller: 'work', perms: READWRITE, dirRoles: 'userAdmin', expected: 'R-W-' },
  { caller: 'work', perms: READWRITE, dirRoles: 'nonAdmin', expected: 'R-W-' },

  { caller: 'work', perms: READBASIC_ALL, dirRoles: 'none', expected: 'Rr--' },
  { caller: 'work', perms: READBASIC_ALL, dirRoles: 'globalAdmin', expected: 'Rr--' },
  { caller: 'work', perms: READBASIC_ALL, dirRoles: 'userAdmin', expected: 'Rr--' },
  { caller: 'work', perms: READBASIC_ALL, dirRoles: 'nonAdmin', expected: 'Rr--' },

  { caller: 'work', perms: READ_ALL, dirRoles: 'none', expected: 'Rr--' },
  { caller: 'work', perms: READ_ALL, dirRoles: 'globalAdmin', expected: 'Rr--' },
  { caller: 'work', perms: READ_ALL, dirRoles: 'userAdmin', expected: 'Rr--' },
  { caller: 'work', perms: READ_ALL, dirRoles: 'nonAdmin', expected: 'Rr--' },

  { caller: 'work', perms: READWRITE_ALL, dirRoles: 'none', expected: 'RrW-' },
  { caller: 'work', perms: READWRITE_ALL, dirRoles: 'globalAdmin', expected: 'RrWw' },
  { caller: 'work', perms: READWRITE_ALL, dirRoles: 'userAdmin', expected: 'RrWw' },
  { caller: 'work', perms: READWRITE_ALL, dirRoles: 'nonAdmin', expected: 'RrW-' },

  // Combinations: the strongest permission held decides.
  { caller: 'work', perms: ['User.Read', 'User.ReadWrite'], dirRoles: 'globalAdmin', expected: 'R-W-' },
  { caller: 'work', perms: ['User.ReadWrite', 'User.Read.All'], dirRoles: 'none', expected: 'RrW-' },
  { caller: 'work', perms: ['User.ReadWrite', 'User.Read.All'], dirRoles: 'globalAdmin', expected: 'RrW-' },
  { caller: 'work', perms: ['User.Read', 'User.ReadWrite.All'], dirRoles: 'userAdmin', expected: 'RrWw' },
  // Unrelated scopes grant nothing.
  { caller: 'work', perms: ['Mail.Read', 'openid', 'profile', 'offline_access'], dirRoles: 'globalAdmin', expected: '----' },
  { caller: 'work', perms: ['Directory.ReadWrite.All'], dirRoles: 'globalAdmin', expected: '----' },

  // ---- Delegated, personal Microsoft account (tid 9188040d-...) ----
  { caller: 'personal', perms: NONE, dirRoles: 'none', expected: '----' },
  { caller: 'personal', perms: NONE, dirRoles: 'globalAdmin', expected: '----' },

  { caller: 'personal', perms: READ, dirRoles: 'none', expected: 'R---' },
  { caller: 'personal', perms: READ, dirRoles: 'globalAdmin', expected: 'R---' },
  { caller: 'personal', perms: READ, dirRoles: 'userAdmin', expected: 'R---' },
  { caller: 'personal', perms: READ, dirRoles: 'nonAdmin', expected: 'R---' },

  { caller: 'personal', perms: READWRITE, dirRoles: 'none', expected: 'R-W-' },
  { caller: 'personal', perms: READWRITE, dirRoles: 'globalAdmin', expected: 'R-W-' },
  { caller: 'personal', perms: READWRITE, dirRoles: 'userAdmin', expected: 'R-W-' },
  { caller: 'personal', perms: READWRITE, dirRoles: 'nonAdmin', expected: 'R-W-' },

  { caller: 'personal', perms: READBASIC_ALL, dirRoles: 'none', expected: '----' },
  { caller: 'personal', perms: READBASIC_ALL, dirRoles: 'globalAdmin', expected: '----' },

  { caller: 'personal', perms: READ_ALL, dirRoles: 'none', expected: '----' },
  { caller: 'personal', perms: READ_ALL, dirRoles: 'globalAdmin', expected: '----' },

  { caller: 'personal', perms: READWRITE_ALL, dirRoles: 'none', expected: '----' },
  { caller: 'personal', perms: READWRITE_ALL, dirRoles: 'globalAdmin', expected: '----' },
  { caller: 'personal', perms: READWRITE_ALL, dirRoles: 'userAdmin', expected: '----' },
  { caller: 'personal', perms: READWRITE_ALL, dirRoles: 'nonAdmin', expected: '----' },

  { caller: 'personal', perms: ['User.ReadWrite', 'User.ReadWrite.All', 'User.Read.All'], dirRoles: 'globalAdmin', expected: 'R-W-' },

  // ---- Application (roles); never "own", never write ----
  { caller: 'app', perms: NONE, dirRoles: 'none', expected: '----' },

  { caller: 'app', perms: READ, dirRoles: 'none', expected: '----' },
  { caller: 'app', perms: READ, dirRoles: 'globalAdmin', expected: '----' },

  { caller: 'app', perms: READWRITE, dirRoles: 'none', expected: '----' },
  { caller: 'app', perms: READWRITE, dirRoles: 'globalAdmin', expected: '----' },

  { caller: 'app', perms: READBASIC_ALL, dirRoles: 'none', expected: '-r--' },
  { caller: 'app', perms: READBASIC_ALL, dirRoles: 'globalAdmin', expected: '-r--' },

  { caller: 'app', perms: READ_ALL, dirRoles: 'none', expected: '-r--' },
  { caller: 'app', perms: READ_ALL, dirRoles: 'globalAdmin', expected: '-r--' },
  { caller: 'app', perms: READ_ALL, dirRoles: 'userAdmin', expected: '-r--' },
  { caller: 'app', perms: READ_ALL, dirRoles: 'nonAdmin', expected: '-r--' },

  { caller: 'app', perms: READWRITE_ALL, dirRoles: 'none', expected: '-r--' },
  { caller: 'app', perms: READWRITE_ALL, dirRoles: 'globalAdmin', expected: '-r--' },
  { caller: 'app', perms: READWRITE_ALL, dirRoles: 'userAdmin', expected: '-r--' },
  { caller: 'app', perms: READWRITE_ALL, dirRoles: 'nonAdmin', expected: '-r--' },

  { caller: 'app', perms: ['User.ReadWrite', 'User.ReadWrite.All', 'Directory.ReadWrite.All'], dirRoles: 'globalAdmin', expected: '-r--' },
];

const CHECKS: ReadonlyArray<[index: number, operation: Operation, whose: Whose]> = [
  [0, 'read', 'own'],
  [1, 'read', 'other'],
  [2, 'write', 'own'],
  [3, 'write', 'other'],
];

const label = (r: Row) => `${r.caller} [${r.perms.join(' ') || 'no permissions'}] roles=${r.dirRoles}`;

describe('isAllowed: the permission matrix', () => {
  for (const row of TABLE) {
    test(`${label(row)} -> ${row.expected}`, () => {
      const p = principal(row.caller, row.perms, ROLES[row.dirRoles]);
      const got = CHECKS.map(([i, op, whose]) => (isAllowed(p, op, whose) ? 'RrWw'[i] : '-')).join('');
      assert.equal(got, row.expected, 'decisions as R(ead own) r(ead other) W(rite own) w(rite other)');
    });
  }
});

describe('isAllowed: permissions only count from the claim of the caller kind', () => {
  const ALL = ['User.Read', 'User.ReadWrite', 'User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All'];

  const cases: Array<{ name: string; p: Principal; expected: Expected }> = [
    {
      name: 'work or school user with every permission in roles and none in scp',
      p: principal('work', [], ROLES.globalAdmin, { roles: ALL }),
      expected: '----',
    },
    {
      name: 'work or school user with User.Read in scp and User.ReadWrite.All in roles (admin)',
      p: principal('work', ['User.Read'], ROLES.globalAdmin, { roles: ['User.ReadWrite.All'] }),
      expected: 'R---',
    },
    {
      name: 'work or school user with User.ReadWrite in scp and User.Read.All in roles',
      p: principal('work', ['User.ReadWrite'], ROLES.none, { roles: ['User.Read.All'] }),
      expected: 'R-W-',
    },
    {
      name: 'personal account with every permission in roles and none in scp',
      p: principal('personal', [], ROLES.none, { roles: ALL }),
      expected: '----',
    },
    {
      name: 'personal account with User.Read in scp and User.ReadWrite in roles',
      p: principal('personal', ['User.Read'], ROLES.none, { roles: ['User.ReadWrite'] }),
      expected: 'R---',
    },
    {
      name: 'application with every permission in scp and no roles',
      p: principal('app', [], ROLES.globalAdmin, { scopes: ALL }),
      expected: '----',
    },
    {
      name: 'application with User.Read.All in scp and User.Read in roles',
      p: principal('app', ['User.Read'], ROLES.none, { scopes: ['User.Read.All'] }),
      expected: '----',
    },
  ];

  for (const c of cases) {
    test(`${c.name} -> ${c.expected}`, () => {
      const got = CHECKS.map(([i, op, whose]) => (isAllowed(c.p, op, whose) ? 'RrWw'[i] : '-')).join('');
      assert.equal(got, c.expected);
    });
  }
});

describe('isAllowed: only the admin template ids count as admin roles', () => {
  test('an id that is not exactly an admin template id is not an admin role', () => {
    for (const wid of ['62e90394-69f5-4237-9190-012177145e1', '62e90394-69f5-4237-9190-012177145e10 ', 'fe930be7-5e62-47db-91af-98c3a49a38b']) {
      const p = principal('work', ['User.ReadWrite.All'], [wid]);
      assert.equal(isAllowed(p, 'write', 'other'), false, JSON.stringify(wid));
      assert.equal(isAllowed(p, 'write', 'own'), true, JSON.stringify(wid));
    }
  });

  test('a display name in wids is not a role', () => {
    const p = principal('work', ['User.ReadWrite.All'], ['Global Administrator', 'User Administrator']);
    assert.equal(isAllowed(p, 'write', 'other'), false);
  });
});
