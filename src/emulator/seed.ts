// Seed data (POST /_emulator/seed, a seed file): tenants, their app registrations, their users (with a password to
// sign in with) and each user's items of any served profile collection. The whole seed is read and checked before
// anything is written; each item exactly as POST checks it.
import { readSeedApp, tenantDomainFor, type AuthoritySeed, type RegisteredApp } from '../authority/index.ts';
import { GraphError, graphErrors } from '../graph/errors.ts';
import { userPrincipalNameProblem } from '../identity/devTokens.ts';
import { displayNameFromUpn, tenantIdFor, userIdFor } from '../identity/devIssuer.ts';
import type { IdentitySet } from '../model/itemFacet.ts';
import { newItem, toWire, type ProfileCollection } from '../profile/collection.ts';
import type { DirectoryUser, Fixture, FixtureItem } from '../store/types.ts';
import { arrayAt, booleanAt, objectAt, placeOf, refusedAt, required, stringAt } from './reading.ts';

/** Limits of the names a seed gives (Entra's for a display name; a tenant name is only hashed into its id). */
export const SEED_LIMITS = { tenantName: 256, displayName: 256, password: 256 } as const;

export interface SeedData {
  readonly tenants: readonly SeedTenant[];
}

export interface SeedTenant {
  /** The tenant id is tenantIdFor(name), as for tokens. */
  readonly name: string;
  /** App registrations, for signing in (authority/apps.ts says what each may hold). */
  readonly apps?: readonly SeedApp[];
  readonly users?: readonly SeedUser[];
}

/** An app registration: all but clientId optional (the README's "Sign in as your app does" gives the defaults). */
export interface SeedApp {
  readonly clientId: string;
  readonly displayName?: string;
  readonly secret?: string;
  readonly redirectUris?: readonly string[];
  readonly spaRedirectUris?: readonly string[];
  readonly publicClient?: boolean;
  readonly roles?: string | readonly string[];
  readonly scopes?: string | readonly string[];
  readonly adminConsent?: boolean;
  readonly accessTokenLifetimeSeconds?: number;
  readonly refreshTokenLifetimeSeconds?: number;
}

/** A user, and under each served collection's segment (phones, ...) the bodies of their items, as POST takes them. */
export interface SeedUser {
  readonly userPrincipalName: string;
  /** Default: made from the userPrincipalName, as for tokens. */
  readonly displayName?: string;
  /** The default of `admin` for this user's tokens from /_emulator/tokens, and their role when they sign in. Default: false. */
  readonly admin?: boolean;
  /** Their password on the sign-in page and in the password grant. None: they cannot sign in with a password. */
  readonly password?: string;
  readonly [segment: string]: unknown;
}

/** An item as GET answers it (without @odata.context). */
export type WireItem = Record<string, unknown>;

export interface SeededUser {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly admin: boolean;
  /** Under each served collection's segment, the items created, with their ids. */
  readonly [segment: string]: string | boolean | readonly WireItem[];
}

export interface SeedResult {
  readonly tenants: readonly {
    readonly name: string;
    readonly id: string;
    /** The tenant's domain, <name>.onmicrosoft.com: an authority may name the tenant by it or by its id. */
    readonly domain: string;
    readonly apps: readonly { readonly clientId: string; readonly displayName: string }[];
    readonly users: readonly SeededUser[];
  }[];
}

/** A checked seed: what to write, whose tokens are admin by default, and what to answer once written. */
export interface SeedPlan {
  readonly fixture: Fixture;
  readonly admins: ReadonlyMap<string, boolean>;
  /** The tenants, apps and passwords the sign-in service learns. */
  readonly authority: AuthoritySeed;
  readonly result: SeedResult;
}

/** The key of a user's remembered `admin`. */
export const userKey = (tenantId: string, userId: string) => `${tenantId}/${userId}`;

/** Reads and checks the whole seed; throws a 400 GraphError naming the place of the first bad value. */
export function planSeed(data: unknown, collections: readonly ProfileCollection<any>[]): SeedPlan {
  const users: DirectoryUser[] = [];
  const items: FixtureItem[] = [];
  const admins = new Map<string, boolean>();
  const authority = { tenants: [] as AuthoritySeed['tenants'][number][], apps: [] as RegisteredApp[], users: [] as AuthoritySeed['users'][number][] };
  const where = new Map<string, string>(); // each tenant and user seeded once: where it was first
  const once = (key: string, place: string, what: string) => {
    const first = where.get(key);
    if (first !== undefined) throw refusedAt(place, `${what} is seeded already at ${first}.`);
    where.set(key, place);
  };
  const userProperties = ['userPrincipalName', 'displayName', 'admin', 'password', ...collections.map((c) => c.segment)];

  const root = objectAt(data, '', 'a seed', ['tenants']);
  const tenants = required(arrayAt(root, 'tenants', ''), 'tenants', 'an array of tenants').map((t, ti) => {
    const tPlace = placeOf('tenants', ti);
    const tenant = objectAt(t, tPlace, 'a tenant', ['name', 'apps', 'users']);
    const name = required(stringAt(tenant, 'name', tPlace, { nonEmpty: true, maxLength: SEED_LIMITS.tenantName }), placeOf(tPlace, 'name'), "the tenant's name");
    const tenantId = tenantIdFor(name);
    once(tenantId, tPlace, `The tenant '${name}'`);
    const domain = tenantDomainFor(name);
    authority.tenants.push({ id: tenantId, name, domain });
    const apps = (arrayAt(tenant, 'apps', tPlace) ?? []).map((a, ai) => {
      const aPlace = placeOf(placeOf(tPlace, 'apps'), ai);
      const app = readSeedApp(a, aPlace, tenantId);
      once(`app/${app.clientId}`, aPlace, `The app '${app.clientId}'`);
      authority.apps.push(app);
      return { clientId: app.clientId, displayName: app.displayName };
    });
    const seeded = (arrayAt(tenant, 'users', tPlace) ?? []).map((u, ui): SeededUser => {
      const uPlace = placeOf(placeOf(tPlace, 'users'), ui);
      const user = objectAt(u, uPlace, 'a user', userProperties);
      const upnPlace = placeOf(uPlace, 'userPrincipalName');
      const upn = required(stringAt(user, 'userPrincipalName', uPlace, { nonEmpty: true }), upnPlace, "the user's userPrincipalName");
      const problem = userPrincipalNameProblem(upn);
      if (problem) throw refusedAt(upnPlace, problem);
      const id = userIdFor(tenantId, upn);
      once(id, uPlace, `The user '${upn}'`);
      const displayName = stringAt(user, 'displayName', uPlace, { maxLength: SEED_LIMITS.displayName }) ?? displayNameFromUpn(upn);
      const admin = booleanAt(user, 'admin', uPlace) ?? false;
      const password = stringAt(user, 'password', uPlace, { nonEmpty: true, maxLength: SEED_LIMITS.password });
      users.push({ tenantId, id, userPrincipalName: upn, displayName });
      authority.users.push({ tenantId, id, userPrincipalName: upn, displayName, admin, password });
      admins.set(userKey(tenantId, id), admin);
      // Their own items: created by them, as their own POST would record it.
      const actor: IdentitySet = { application: null, device: null, user: { displayName, id } };
      const answer: Record<string, string | boolean | WireItem[]> = { id, userPrincipalName: upn, displayName, admin };
      for (const collection of collections) {
        const bodies = arrayAt(user, collection.segment, uPlace) ?? [];
        answer[collection.segment] = bodies.map((body, i) => {
          const item = itemAt(collection, body, actor, placeOf(placeOf(uPlace, collection.segment), i));
          items.push({ table: collection.table, owner: { tenantId, userId: id }, item });
          return toWire(collection, item);
        });
      }
      return answer as SeededUser;
    });
    return { name, id: tenantId, domain, apps, users: seeded };
  });
  return { fixture: { users, items }, admins, authority, result: { tenants } };
}

/** newItem, whose refusal (POST's own) is placed: tenants[0].users[1].phones[2].type: <POST's message>. */
function itemAt<T extends ProfileCollection<any>>(collection: T, body: unknown, actor: IdentitySet, place: string) {
  try {
    return newItem(collection, body, actor);
  } catch (err) {
    if (!(err instanceof GraphError)) throw err;
    // The error's target is the property's path in the body, with '/' between levels (source/type).
    throw graphErrors.within(err.target ? `${place}.${err.target.replaceAll('/', '.')}` : place, err);
  }
}
