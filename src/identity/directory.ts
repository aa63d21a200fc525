// The directory of users: who exists in which tenant. Signed-in users are added on first sight
// (their token says who they are); `/users/{id | userPrincipalName}` is resolved here, always within
// the caller's tenant, so another tenant's users can never be found.
import { isGuid } from '../guid.ts';
import type { DirectoryUser, UserStore } from '../store/types.ts';
import type { Principal } from './principal.ts';

const SEEN_MAX = 50_000;

export class Directory {
  /** Users already written with exactly these values by this process. */
  private readonly seen = new Set<string>();
  /**
   * Callers already remembered, by the object the token verifier answers with (one per token, kept while the token is
   * cached): a client reusing its token costs one lookup per request, not a key made of its claims.
   */
  private remembered = new WeakSet<Principal>();

  constructor(private readonly users: UserStore) {}

  /** Records the signed-in user of a delegated token; a no-op, without a promise, after the first time. */
  remember(p: Principal): void | Promise<void> {
    if (this.remembered.has(p)) return;
    return this.rememberClaims(p).then(() => {
      this.remembered.add(p);
    });
  }

  private async rememberClaims(p: Principal): Promise<void> {
    if (p.kind !== 'delegated' || !p.userId) return;
    const user: DirectoryUser = {
      tenantId: p.tenantId,
      id: p.userId,
      userPrincipalName: p.userPrincipalName ?? p.userId,
      displayName: p.displayName ?? p.userPrincipalName ?? p.userId,
    };
    await this.add(user);
  }

  async add(user: DirectoryUser): Promise<void> {
    const key = `${user.tenantId}\n${user.id}\n${user.userPrincipalName}\n${user.displayName}`;
    if (this.seen.has(key)) return;
    await this.users.upsert(user);
    if (this.seen.size >= SEEN_MAX) this.seen.clear();
    this.seen.add(key);
  }

  /**
   * Forgets which users this process has written, so that each is written again on their next request: after the
   * store was cleared (/_emulator/reset), a user the cache still knew would otherwise never be recorded again.
   */
  forget(): void {
    this.seen.clear();
    this.remembered = new WeakSet();
  }

  /** The user named by id or userPrincipalName in the tenant, or undefined. */
  find(tenantId: string, idOrUpn: string): Promise<DirectoryUser | undefined> {
    return isGuid(idOrUpn) ? this.users.findById(tenantId, idOrUpn.toLowerCase()) : this.users.findByUpn(tenantId, idOrUpn);
  }
}
