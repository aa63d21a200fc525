// What sign-ins leave behind, in this process's memory: authorization codes, refresh tokens, device codes, the
// sessions of the sign-in page (its cookie), the sign-ins in progress (flows) and the consents users gave.
// /_emulator/reset forgets all of it, which revokes every refresh token.
import { randomBytes, randomInt } from 'node:crypto';
import { APP_DEFAULTS, type RegisteredApp } from './apps.ts';
import { ExpiringMap } from './expiring.ts';
import type { OidcScope } from './scopes.ts';

export interface UserRef {
  readonly tenantId: string;
  readonly userId: string;
}

/** What a user's tokens are for: the app, the Graph permissions granted and the OpenID Connect scopes asked. */
export interface Grant {
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly oidc: readonly OidcScope[];
}

export interface CodeGrant extends Grant {
  readonly expires: number;
  readonly user: UserRef;
  readonly redirectUri: string;
  /** Issued to a single-page app's redirect URI: redeemed cross-origin only. */
  readonly spa: boolean;
  readonly nonce?: string;
  readonly challenge?: { readonly value: string; readonly method: 'S256' | 'plain' };
  redeemed: boolean;
}

export interface RefreshGrant extends Grant {
  readonly expires: number;
  readonly user: UserRef;
  readonly spa: boolean;
}

export interface DeviceGrant extends Grant {
  readonly expires: number;
  readonly deviceCode: string;
  readonly userCode: string;
  /** The tenant segment the device code was asked at (common, a tenant id, ...). */
  readonly segment: string;
  state: 'pending' | 'approved' | 'declined';
  user?: UserRef;
}

export interface Session {
  readonly expires: number;
  readonly user: UserRef;
}

/** An authorization request waiting for the user to sign in or consent on the pages. */
export interface AuthorizeRequest extends Grant {
  readonly kind: 'authorize';
  readonly redirectUri: string;
  readonly responseMode: 'query' | 'fragment' | 'form_post';
  readonly spa: boolean;
  readonly state?: string;
  readonly nonce?: string;
  readonly challenge?: CodeGrant['challenge'];
  readonly clientInfo: boolean;
  readonly loginHint?: string;
}

export interface DeviceRequest extends Grant {
  readonly kind: 'device';
  readonly deviceCode: string;
}

/** A sign-in on the pages as it starts. */
export type FlowStart = (AuthorizeRequest | DeviceRequest) & {
  /** The tenant segment of the URL it started at. */
  readonly segment: string;
  /** Set once the user signed in. */
  user?: UserRef;
};

/** A sign-in on the pages, from the first page to the last. */
export type Flow = FlowStart & { readonly expires: number };

export const LIFETIMES = {
  /** Entra's authorization codes last 10 minutes. */
  codeMs: 10 * 60_000,
  /** Entra's device codes last 15 minutes. */
  deviceCodeSeconds: 900,
  /** Seconds between polls that Entra asks of a device. */
  deviceIntervalSeconds: 5,
  flowMs: 30 * 60_000,
  sessionMs: 24 * 3600_000,
} as const;

const MAX = 10_000;
/** An opaque, unguessable string. */
export const newSecret = (bytes = 32) => randomBytes(bytes).toString('base64url');
/** Letters and digits that cannot be mistaken for one another, as Entra's user codes use. */
const USER_CODE_LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export class Grants {
  readonly codes = new ExpiringMap<CodeGrant>(MAX);
  readonly refreshTokens = new ExpiringMap<RefreshGrant>(MAX);
  readonly deviceCodes = new ExpiringMap<DeviceGrant>(MAX);
  readonly sessions = new ExpiringMap<Session>(MAX);
  readonly flows = new ExpiringMap<Flow>(MAX);
  /** By tenant/user/client: the permissions the user consented to. */
  private readonly consents = new Map<string, Set<string>>();

  clear(): void {
    this.codes.clear();
    this.refreshTokens.clear();
    this.deviceCodes.clear();
    this.sessions.clear();
    this.flows.clear();
    this.consents.clear();
  }

  newCode(grant: Omit<CodeGrant, 'expires' | 'redeemed'>): string {
    const code = newSecret();
    this.codes.set(code, { ...grant, expires: Date.now() + LIFETIMES.codeMs, redeemed: false });
    return code;
  }

  newRefreshToken(grant: Omit<RefreshGrant, 'expires'>, lifetimeSeconds: number): string {
    const token = newSecret(48);
    this.refreshTokens.set(token, { ...grant, expires: Date.now() + lifetimeSeconds * 1000 });
    return token;
  }

  newDeviceCode(grant: Grant & { segment: string }): DeviceGrant {
    let userCode: string;
    do userCode = Array.from({ length: 9 }, () => USER_CODE_LETTERS[randomInt(USER_CODE_LETTERS.length)]).join('');
    while (this.deviceByUserCode(userCode));
    const device: DeviceGrant = { ...grant, deviceCode: newSecret(48), userCode, state: 'pending', expires: Date.now() + LIFETIMES.deviceCodeSeconds * 1000 };
    this.deviceCodes.set(device.deviceCode, device);
    return device;
  }

  /** The live device code whose user code this is (case and spaces ignored, as people type them). */
  deviceByUserCode(typed: string): DeviceGrant | undefined {
    const wanted = typed.replace(/[\s-]/g, '').toUpperCase();
    for (const d of this.deviceCodes.values()) if (d.userCode === wanted && d.expires > Date.now()) return d;
    return undefined;
  }

  newSession(user: UserRef): string {
    const id = newSecret();
    this.sessions.set(id, { user, expires: Date.now() + LIFETIMES.sessionMs });
    return id;
  }

  newFlow(flow: FlowStart): string {
    const id = newSecret();
    this.flows.set(id, { ...flow, expires: Date.now() + LIFETIMES.flowMs });
    return id;
  }

  /** Whether the user (or an administrator, for the whole tenant) consented to every one of `scopes` for `app`. */
  consented(user: UserRef, app: RegisteredApp, scopes: readonly string[]): boolean {
    const mine = this.consents.get(consentKey(user, app));
    // An administrator consents to the app's configured permissions: its scopes, or User.Read when it lists none.
    const byAdmin = app.adminConsent ? new Set((app.scopes ?? APP_DEFAULTS.defaultScopes).map((s) => s.toLowerCase())) : undefined;
    return scopes.every((s) => mine?.has(s.toLowerCase()) || byAdmin?.has(s.toLowerCase()));
  }

  consent(user: UserRef, app: RegisteredApp, scopes: readonly string[]): void {
    const key = consentKey(user, app);
    const set = this.consents.get(key) ?? new Set<string>();
    for (const s of scopes) set.add(s.toLowerCase());
    this.consents.set(key, set);
  }
}

const consentKey = (user: UserRef, app: RegisteredApp) => `${user.tenantId}/${user.userId}/${app.clientId}`;
