// GET /web-config.json: what the page needs to sign in, as the service is configured. In development mode the page
// signs in through the service's own sign-in endpoints with its built-in app registration (authority/webPageApp.ts);
// in entra mode through Microsoft Entra ID with WEB_CLIENT_ID. MSAL.js accepts only https authorities, so over plain
// http the page cannot sign in and says why.
import type { Config } from '../config.ts';
import { WEB_PAGE_APP } from '../authority/webPageApp.ts';

export interface WebConfig {
  readonly mode: 'development' | 'entra';
  readonly signIn: boolean;
  /** Why the page cannot sign in (signIn false). */
  readonly reason?: string;
  readonly clientId: string;
  readonly authority: string;
  /** Hosts MSAL trusts without instance discovery (the service's own, in development mode). */
  readonly knownAuthorities: readonly string[];
  readonly scopes: readonly string[];
  readonly graphBaseUrl: string;
}

/** Graph's scopes of the page in development mode: its own phones, and colleagues' (read). */
const DEVELOPMENT_SCOPES = WEB_PAGE_APP.scopes!.map((s) => `https://graph.microsoft.com/${s}`);

/** The page's configuration for a request that reached the service at `origin` (scheme://host:port). */
export function webConfigFor(config: Config, origin: string): WebConfig {
  const graphBaseUrl = `${origin}/beta`;
  if (config.identity === 'development') {
    const https = origin.startsWith('https:');
    return {
      mode: 'development',
      signIn: https,
      ...(https ? {} : { reason: 'Signing in needs https: start the service with --tls true (MSAL.js accepts only an https authority), then open this page at its https address.' }),
      clientId: WEB_PAGE_APP.clientId,
      authority: `${origin}/organizations`,
      knownAuthorities: [new URL(origin).host],
      scopes: DEVELOPMENT_SCOPES,
      graphBaseUrl,
    };
  }
  const tenant = config.webTenant ?? (config.entraTenants.length === 1 && config.entraTenants[0] !== '*' ? config.entraTenants[0]! : 'organizations');
  const audience = config.entraAudiences[0] ?? 'https://graph.microsoft.com';
  return {
    mode: 'entra',
    signIn: config.webClientId !== undefined,
    ...(config.webClientId === undefined ? { reason: 'Sign-in is not configured: the operator sets WEB_CLIENT_ID (README, "The web page").' } : {}),
    clientId: config.webClientId ?? '',
    authority: `${config.entraAuthority}/${tenant}`,
    knownAuthorities: [],
    scopes: config.webScopes ?? [`${audience}/User.ReadWrite`, `${audience}/User.ReadBasic.All`],
    graphBaseUrl,
  };
}
