// What the sign-in service knows, from the seed: tenants (by id and domain), app registrations and the users who may
// sign in with a password. Kept in this process's memory, as the seeded `admin` defaults are (the store has no place
// for them): a restart or /_emulator/reset forgets it, and the seed gives it again.
import { timingSafeEqual, createHash } from 'node:crypto';
import { PERSONAL_ACCOUNTS_TENANT_ID } from '../identity/principal.ts';
import type { RegisteredApp } from './apps.ts';
import { WEB_PAGE_APP } from './webPageApp.ts';

export interface RegisteredTenant {
  readonly id: string;
  readonly name: string;
  /** <name>.onmicrosoft.com */
  readonly domain: string;
}

export interface SignInUser {
  readonly tenantId: string;
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly admin: boolean;
  /** SHA-256 of the password: none, no password sign-in. */
  readonly passwordHash?: Buffer;
}

/** What a seed registers: its tenants, their apps and users. */
export interface AuthoritySeed {
  readonly tenants: readonly RegisteredTenant[];
  readonly apps: readonly RegisteredApp[];
  readonly users: readonly (Omit<SignInUser, 'passwordHash'> & { readonly password?: string })[];
}

/** The segments that name no one tenant, as Entra has them. */
export type MultiTenant = 'common' | 'organizations' | 'consumers';

/** A tenant segment of a URL, resolved: one tenant, or a multi-tenant segment. */
export type TenantSegment =
  | { readonly kind: 'tenant'; readonly tenant: RegisteredTenant }
  | { readonly kind: MultiTenant };

/** The tenant domain made from a tenant's name: "Contoso Ltd" -> contosoltd.onmicrosoft.com. */
export const tenantDomainFor = (name: string) => `${name.toLowerCase().replace(/[^a-z0-9-]/g, '') || 'tenant'}.onmicrosoft.com`;

const hashOf = (password: string) => createHash('sha256').update(password, 'utf8').digest();

export class AuthorityRegistry {
  private readonly tenants = new Map<string, RegisteredTenant>();
  private readonly domains = new Map<string, string>();
  private readonly apps = new Map<string, RegisteredApp>();
  /** By tenantId/lower-case UPN. */
  private readonly users = new Map<string, SignInUser>();
  /** The same users by tenantId/object id: codes, refresh tokens and sessions name users by id. */
  private readonly usersById = new Map<string, SignInUser>();

  /** Adds (or replaces) what a seed gives. */
  register(seed: AuthoritySeed): void {
    for (const t of seed.tenants) {
      this.tenants.set(t.id, t);
      this.domains.set(t.domain, t.id);
      this.domains.set(t.name.toLowerCase(), t.id);
    }
    for (const app of seed.apps) this.apps.set(app.clientId, app);
    for (const { password, ...user } of seed.users) {
      const previous = this.users.get(userKey(user.tenantId, user.userPrincipalName));
      // A user seeded again without a password keeps the one they had.
      const passwordHash = password !== undefined ? hashOf(password) : previous?.passwordHash;
      const signInUser = { ...user, passwordHash };
      this.users.set(userKey(user.tenantId, user.userPrincipalName), signInUser);
      this.usersById.set(`${user.tenantId}/${user.id}`, signInUser);
    }
  }

  clear(): void {
    this.tenants.clear();
    this.domains.clear();
    this.apps.clear();
    this.users.clear();
    this.usersById.clear();
  }

  /** A URL's tenant segment: a tenant id, a tenant domain or name, common, organizations or consumers. */
  segment(segment: string): TenantSegment | undefined {
    const s = segment.toLowerCase();
    if (s === 'common' || s === 'organizations' || s === 'consumers') return { kind: s };
    const id = this.tenants.has(s) ? s : this.domains.get(s);
    const tenant = id === undefined ? undefined : this.tenants.get(id);
    return tenant ? { kind: 'tenant', tenant } : undefined;
  }

  /** Every app registered, in every tenant, the service's own page's first. */
  allApps(): RegisteredApp[] {
    return [WEB_PAGE_APP, ...this.apps.values()];
  }

  tenant(id: string): RegisteredTenant | undefined {
    return this.tenants.get(id);
  }

  app(clientId: string): RegisteredApp | undefined {
    const id = clientId.toLowerCase();
    return id === WEB_PAGE_APP.clientId ? WEB_PAGE_APP : this.apps.get(id);
  }

  /**
   * The app as the segment sees it: a single-tenant app is found in its own tenant, or through common/organizations;
   * a multi-tenant one (the service's own page) in every tenant.
   */
  appIn(segment: TenantSegment, clientId: string): RegisteredApp | undefined {
    const app = this.app(clientId);
    if (!app) return undefined;
    if (app.multiTenant) return segment.kind === 'consumers' ? undefined : app;
    if (segment.kind === 'tenant') return app.tenantId === segment.tenant.id ? app : undefined;
    return segment.kind === 'consumers' ? undefined : app;
  }

  /**
   * The user named `login` (a userPrincipalName) in the segment's tenant; through common or organizations, the
   * first tenant holding that name, in the order the seeds gave them. No personal accounts exist (consumers).
   */
  user(segment: TenantSegment, login: string): SignInUser | undefined {
    if (segment.kind === 'tenant') return this.users.get(userKey(segment.tenant.id, login));
    if (segment.kind === 'consumers') return undefined;
    for (const tenantId of this.tenants.keys()) {
      const user = this.users.get(userKey(tenantId, login));
      if (user) return user;
    }
    return undefined;
  }

  userById(tenantId: string, userId: string): SignInUser | undefined {
    return this.usersById.get(`${tenantId}/${userId}`);
  }

  /** Whether `password` is the user's (compared in constant time). */
  passwordMatches(user: SignInUser, password: string): boolean {
    return user.passwordHash !== undefined && timingSafeEqual(user.passwordHash, hashOf(password));
  }
}

const userKey = (tenantId: string, upn: string) => `${tenantId}/${upn.toLowerCase()}`;

/** The tenant id a segment's tokens name when it is not one tenant (discovery documents only). */
export const MULTI_TENANT_IDS: Record<MultiTenant, string> = {
  common: '{tenantid}',
  organizations: '{tenantid}',
  consumers: PERSONAL_ACCOUNTS_TENANT_ID,
};
