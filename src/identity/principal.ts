// Who is calling, as the identity layer hands it to the rest of the service.

/** Microsoft's fixed tenant id for personal Microsoft accounts (MSA). */
export const PERSONAL_ACCOUNTS_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';

export interface Principal {
  /** delegated: a signed-in user through an app; application: an app acting as itself (app-only). */
  readonly kind: 'delegated' | 'application';
  readonly tenantId: string;
  /** The signed-in user's object id (oid); delegated only. */
  readonly userId?: string;
  readonly userPrincipalName?: string;
  readonly displayName?: string;
  readonly appId?: string;
  readonly appDisplayName?: string;
  /** Delegated permissions (scp). */
  readonly scopes: ReadonlySet<string>;
  /** Application permissions (roles). */
  readonly roles: ReadonlySet<string>;
  /** Directory role template ids of the signed-in user (wids). */
  readonly directoryRoles: ReadonlySet<string>;
}

export interface TokenVerifier {
  /**
   * The caller, or a 401 GraphError (thrown, or the promise's rejection). A token verified before (a client reuses
   * its token for an hour) is answered at once, without a promise: most requests then pass access with none.
   */
  verify(token: string): Principal | Promise<Principal>;
}
