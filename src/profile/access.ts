// Decides, before a body is read, whose profile a request reaches and whether the caller may:
// authenticate the bearer token, find the profile's owner (/me or /users/{id | upn}) within the
// caller's tenant, and apply the permission policy. Shared by every profile collection.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { graphErrors } from '../graph/errors.ts';
import type { Directory } from '../identity/directory.ts';
import { isAllowed, type Operation } from '../identity/policy.ts';
import type { Principal, TokenVerifier } from '../identity/principal.ts';
import { unauthenticated } from '../identity/tokens.ts';
import type { IdentitySet } from '../model/itemFacet.ts';
import type { ProfileOwner } from '../model/profileOwner.ts';

export interface ProfileAccess {
  readonly principal: Principal;
  readonly owner: ProfileOwner;
  /** The caller as createdBy / lastModifiedBy record it. */
  readonly actor: IdentitySet;
  /**
   * The caller sees every item whatever its allowedAudiences: it is the owner, or may change the owner's profile.
   * Otherwise it sees what is shared with the organization (profile/audience.ts).
   */
  readonly seesEverything: boolean;
}

function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (header === undefined) throw unauthenticated('empty');
  const match = /^Bearer[ \t]+(\S*)[ \t]*$/i.exec(header);
  if (!match) throw unauthenticated('empty');
  if (!match[1]) throw unauthenticated('empty');
  return match[1];
}

function actorOf(p: Principal): IdentitySet {
  return {
    application: p.appId ? { displayName: p.appDisplayName ?? null, id: p.appId } : null,
    device: null,
    user: p.kind === 'delegated' ? { displayName: p.displayName ?? null, id: p.userId ?? null } : null,
  };
}

export function profileAccessResolver(verifier: TokenVerifier, directory: Directory) {
  /** Whose profile `userParam` (the {id | userPrincipalName} segment, or undefined for /me) names, and whether `principal` may reach it. */
  function decide(principal: Principal, operation: Operation, userParam: string | undefined): ProfileAccess | Promise<ProfileAccess> {
    const own = (): ProfileAccess => {
      if (!isAllowed(principal, operation, 'own')) throw graphErrors.forbidden();
      return { principal, owner: { tenantId: principal.tenantId, userId: principal.userId! }, actor: actorOf(principal), seesEverything: true };
    };

    if (userParam === undefined) {
      if (principal.kind !== 'delegated') throw graphErrors.meWithAppToken();
      return own();
    }
    const named = userParam.toLowerCase();
    if (principal.kind === 'delegated' && (named === principal.userId || named === principal.userPrincipalName?.toLowerCase())) {
      return own();
    }
    return directory.find(principal.tenantId, userParam).then((user): ProfileAccess => {
      if (user && principal.kind === 'delegated' && user.id === principal.userId) return own();
      // Refused before existence is revealed: a caller who may not reach other users learns nothing.
      if (!isAllowed(principal, operation, 'other')) throw graphErrors.forbidden();
      if (!user) throw graphErrors.userNotFound(userParam);
      return {
        principal,
        owner: { tenantId: user.tenantId, userId: user.id },
        actor: actorOf(principal),
        seesEverything: isAllowed(principal, 'write', 'other'),
      };
    });
  }

  function admit(request: FastifyRequest, principal: Principal, operation: Operation, userParam: string | undefined): ProfileAccess | Promise<ProfileAccess> {
    request.verifiedCaller = principal;
    const remembering = directory.remember(principal);
    return remembering ? remembering.then(() => decide(principal, operation, userParam)) : decide(principal, operation, userParam);
  }

  /**
   * The request's access, or a 401/403/404 GraphError (thrown, or the promise's rejection). Without a promise when the
   * token and its user are known already and the caller reaches its own profile (almost every request): a promise and
   * an await at each of the four steps made the check about a sixth dearer (bench/RESULTS.md, issue 15).
   */
  return function resolve(request: FastifyRequest, operation: Operation, userParam: string | undefined): ProfileAccess | Promise<ProfileAccess> {
    request.verifiedCaller = 'refused'; // until the token is verified
    const verified = verifier.verify(bearerToken(request));
    return verified instanceof Promise ? verified.then((p) => admit(request, p, operation, userParam)) : admit(request, verified, operation, userParam);
  };
}

export type ResolveProfileAccess = ReturnType<typeof profileAccessResolver>;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by profileAccessHook on the routes that use it. */
    profileAccess: ProfileAccess | null;
    /**
     * What the request's bearer token was found to say, once profileAccessHook verified it (even when access was
     * then refused): the caller, or 'refused' (no token, or not a valid one). null: not verified for this request.
     * The request journal (emulator/) shows it without verifying again.
     */
    verifiedCaller: Principal | 'refused' | null;
  }
}

export function installProfileAccess(app: FastifyInstance): void {
  app.decorateRequest('profileAccess', null);
  app.decorateRequest('verifiedCaller', null);
}

/** The path parameters of every profile route: /users/{userId}/profile/... (absent under /me), and an item's id. */
export type ProfileParams = { userId?: string } & Record<string, string | undefined>;

/**
 * An onRequest hook: runs before the body is read, and settles who may reach which profile. A callback hook, so that
 * access settled without a promise costs none.
 */
export function profileAccessHook(resolveAccess: ResolveProfileAccess, operation: Operation) {
  return function authorize(request: FastifyRequest<{ Params: ProfileParams }>, _reply: FastifyReply, done: (err?: Error) => void): void {
    let access: ProfileAccess | Promise<ProfileAccess>;
    try {
      access = resolveAccess(request, operation, request.params.userId);
    } catch (err) {
      return done(err as Error);
    }
    if (!(access instanceof Promise)) {
      request.profileAccess = access;
      return done();
    }
    access.then((a) => {
      request.profileAccess = a;
      done();
    }, done);
  };
}

/** The access profileAccessHook settled for this request; a route without the hook asking for it is a fault. */
export function profileAccessOf(request: FastifyRequest): ProfileAccess {
  if (!request.profileAccess) throw new Error(`no profile access on ${request.routeOptions.url}: the route lacks profileAccessHook`);
  return request.profileAccess;
}
