// Sign-in for the page and the API page, with @azure/msal-browser as any single-page app signs in to Entra ID: the
// authorization code flow with PKCE, by redirect. The service says where to sign in (GET /web-config.json): its own
// sign-in endpoints in development mode, Entra ID in entra mode. Tokens are kept in sessionStorage, shared by both
// pages (same origin, same client id).
import {
  AuthError,
  CacheLookupPolicy,
  InteractionRequiredAuthError,
  PublicClientApplication,
  type AccountInfo,
} from '@azure/msal-browser';

export interface WebConfig {
  mode: 'development' | 'entra';
  signIn: boolean;
  reason?: string;
  clientId: string;
  authority: string;
  knownAuthorities: string[];
  scopes: string[];
  graphBaseUrl: string;
}

export interface Person {
  name: string;
  username: string;
}

export interface Auth {
  readonly config: WebConfig;
  /** The signed-in person, after the redirect back from sign-in was handled; null when nobody is signed in. */
  readonly person: Person | null;
  /** loginRedirect: the page navigates away to sign in. */
  signIn(): Promise<void>;
  /** logoutRedirect, back to the page. */
  signOut(): Promise<void>;
  /** A Graph access token; on interaction_required (or none cached) it calls signIn() and never resolves. */
  accessToken(): Promise<string>;
}

/**
 * What, besides InteractionRequiredAuthError, means that only signing in again helps: the refresh token refused
 * (invalid_grant) or past its lifetime, or no token at all.
 */
const SIGN_IN_AGAIN = new Set(['invalid_grant', 'token_refresh_required', 'no_tokens_found', 'refresh_token_expired', 'no_account_error']);

/** Reads /web-config.json, sets up MSAL (PublicClientApplication, sessionStorage cache), handles the redirect. */
export async function startAuth(redirectPath: '/' | '/beta/docs'): Promise<Auth> {
  const config = await readConfig();
  if (!config.signIn) return withoutSignIn(config);

  const redirectUri = location.origin + redirectPath;
  const msal = new PublicClientApplication({
    auth: {
      clientId: config.clientId,
      authority: config.authority,
      knownAuthorities: config.knownAuthorities, // the authority is trusted as given: no Entra instance discovery
      redirectUri,
      postLogoutRedirectUri: redirectUri,
    },
    cache: { cacheLocation: 'sessionStorage' },
  });
  await msal.initialize();
  // Back from the sign-in page: MSAL redeems the code (and, when sign-in started on another page such as
  // /?user=..., first goes back there). An error the sign-in page answered (access_denied...) rejects here.
  const result = await msal.handleRedirectPromise();
  const account = result?.account ?? msal.getActiveAccount() ?? msal.getAllAccounts()[0] ?? null;
  if (account) msal.setActiveAccount(account);

  let redirecting: Promise<void> | undefined;
  const signIn = (): Promise<void> => {
    // One redirect at a time: MSAL refuses a second interaction (interaction_in_progress) while one is under way.
    redirecting ??= msal.loginRedirect({ scopes: config.scopes }).catch((err: unknown) => {
      redirecting = undefined;
      throw err;
    });
    return redirecting;
  };

  return {
    config,
    person: account ? personOf(account) : null,
    signIn,
    async signOut() {
      await msal.logoutRedirect({ account: msal.getActiveAccount() ?? undefined, postLogoutRedirectUri: redirectUri });
    },
    async accessToken() {
      const active = msal.getActiveAccount();
      if (active) {
        try {
          // The cached token, else the refresh token; never MSAL's hidden-iframe renewal, which needs a page of its
          // own (MSAL 5's redirect bridge) and framing the sign-in pages: where the refresh token fails, sign in again.
          const token = await msal.acquireTokenSilent({
            scopes: config.scopes,
            account: active,
            cacheLookupPolicy: CacheLookupPolicy.AccessTokenAndRefreshToken,
          });
          return token.accessToken;
        } catch (err) {
          if (!(err instanceof InteractionRequiredAuthError) && !(err instanceof AuthError && SIGN_IN_AGAIN.has(err.errorCode))) throw err;
        }
      }
      await signIn();
      return new Promise<string>(() => undefined); // the page is going away
    },
  };
}

async function readConfig(): Promise<WebConfig> {
  const response = await fetch('/web-config.json', { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (!response.ok) throw new Error(`GET /web-config.json answered ${response.status}`);
  return (await response.json()) as WebConfig;
}

/** Sign-in is not possible (plain http, or entra mode without a client id): the page shows config.reason. */
function withoutSignIn(config: WebConfig): Auth {
  return {
    config,
    person: null,
    signIn: async () => undefined,
    signOut: async () => undefined,
    accessToken: () => Promise.reject(new Error(config.reason ?? 'Sign-in is not available.')),
  };
}

function personOf(account: AccountInfo): Person {
  return { name: account.name || account.username, username: account.username };
}
