// The emulator: what a test suite controls in development identity mode (reset, seed, tokens, the request journal
// and faults), as one object with plain methods. The /_emulator routes (routes.ts) are thin over it, and an
// in-process caller (App.emulator, RunningService.emulator; the test helper, testing.ts) uses it without HTTP.
import type { AuthorityCore } from '../authority/index.ts';
import { tenantIdFor, userIdFor, type DevKey } from '../identity/devIssuer.ts';
import { DEV_TOKEN_DEFAULTS, devTokenFor, mintDevToken } from '../identity/devTokens.ts';
import type { Directory } from '../identity/directory.ts';
import type { ProfileCollection } from '../profile/collection.ts';
import type { Store } from '../store/types.ts';
import { Faults } from './faults.ts';
import { RequestJournal } from './journal.ts';
import { planSeed, userKey, type SeedResult } from './seed.ts';
import { devTokenRequestOf, JSON_SETTINGS, readTokenRequest, type EmulatorTokenAnswer, type EmulatorTokenRequest } from './tokens.ts';

export { emulatorOpenApi } from './openapi.ts';
export { registerEmulatorRoutes } from './routes.ts';
export type { SeedApp, SeedData, SeedResult, SeedTenant, SeedUser, SeededUser } from './seed.ts';
export type { EmulatorTokenAnswer, EmulatorTokenRequest } from './tokens.ts';
export type { JournalEntry, JournalFilter } from './journal.ts';
export type { Fault } from './faults.ts';

export interface ResetSummary {
  /** How many rows each table lost: users, and each profile collection's table (phones, ...). */
  readonly removed: Readonly<Record<string, number>>;
}

export interface Emulator {
  /**
   * Removes every user and every item of every profile collection, and forgets the seeded `admin` defaults, apps and
   * passwords, and every sign-in's codes, refresh tokens (revoked), sessions and consents. The
   * development issuer's key stays, so tokens minted before stay valid (their users are recorded again on their
   * next request); so do the $skiptoken secret and the schema.
   */
  reset(): Promise<ResetSummary>;
  /**
   * Checks the whole seed (SeedData; each item as POST checks it) and writes it in one transaction; a bad value is
   * a 400 GraphError naming its place (tenants[0].users[1].phones[2].type: ...) and nothing is written. A user that
   * exists gets the display name given (or made from the UPN) and the items are added to theirs.
   */
  seed(data: unknown): Promise<SeedResult>;
  /** Mints a development token, as the `token` command does (a bad request is a 400 GraphError). */
  token(request: EmulatorTokenRequest): Promise<EmulatorTokenAnswer>;
  /** The requests answered, newest last (app.ts installs its hooks). Reset leaves it as it is. */
  readonly journal: RequestJournal;
  /** The faults injected into matching requests (app.ts installs their hook). Reset leaves them as they are. */
  readonly faults: Faults;
}

export interface EmulatorParts {
  readonly store: Store;
  /** The profile collections served: a seeded user may hold items of each, under its segment. */
  readonly collections: readonly ProfileCollection<any>[];
  /** The app's directory (the one its requests record users in), whose cache reset must clear. */
  readonly directory: Directory;
  readonly devKey: DevKey;
  /** The sign-in service, which learns the seed's apps and passwords and forgets its grants on reset. */
  readonly authority?: AuthorityCore;
  /** How many requests the journal keeps (REQUEST_JOURNAL); 0: it is off. Default: JOURNAL_CAPACITY. */
  readonly journalCapacity?: number;
}

export function createEmulator({ store, collections, directory, devKey, authority, journalCapacity }: EmulatorParts): Emulator {
  /** `admin` of seeded users, by userKey: the store has no column for it, and it is only a default for tokens. */
  const seededAdmins = new Map<string, boolean>();
  return {
    journal: new RequestJournal({ capacity: journalCapacity }),
    faults: new Faults(),
    async reset() {
      const removed = await store.fixtures.clear();
      directory.forget();
      seededAdmins.clear();
      authority?.registry.clear();
      authority?.grants.clear();
      return { removed };
    },
    async seed(data) {
      const plan = planSeed(data, collections);
      await store.fixtures.seed(plan.fixture);
      for (const [key, admin] of plan.admins) seededAdmins.set(key, admin);
      authority?.registry.register(plan.authority);
      return plan.result;
    },
    async token(body) {
      const request = readTokenRequest(body);
      // Unless the request says, the user's token carries what the directory and the seed know of them.
      let known: { name?: string; admin?: boolean } = {};
      if (!request.appOnly && request.user) {
        const tenantId = tenantIdFor(request.tenant ?? DEV_TOKEN_DEFAULTS.tenant);
        const userId = userIdFor(tenantId, request.user);
        known = { name: (await directory.find(tenantId, userId))?.displayName, admin: seededAdmins.get(userKey(tenantId, userId)) };
      }
      const token = devTokenFor(devTokenRequestOf(request, known), JSON_SETTINGS);
      const accessToken = await mintDevToken(devKey, token, (user) => directory.add(user));
      return { access_token: accessToken, token_type: 'Bearer', expires_in: token.claims.lifetimeSeconds };
    },
  };
}
