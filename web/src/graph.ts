// The page's client of the public Graph API (/beta/me/profile/phones, /beta/users/{upn}/profile/phones), as any app
// would call it: a bearer token from the sign-in, Graph's error envelope read into a GraphRequestError that says
// which form field it concerns, 401 -> sign in again, 429/503 -> wait Retry-After and retry.
// No DOM here (the unit tests run it under Node), and fetch, the token source, sleep and the clock are injectable.

/** A phone as the page shows it: the itemPhone properties it uses. */
export interface Phone {
  id: string;
  number: string;
  displayName: string | null;
  type: string | null;
  /** As the API writes the flags enum: one comma-separated string ("organization", "me,family"). */
  allowedAudiences: string;
}

/** What the form sends. */
export interface PhoneFields {
  number: string;
  displayName: string | null;
  type: string | null;
  allowedAudiences: string;
}

/** The form's fields, named as the API names the properties. */
export type FormField = 'number' | 'displayName' | 'type' | 'allowedAudiences';
const FORM_FIELDS: readonly string[] = ['number', 'displayName', 'type', 'allowedAudiences'] satisfies FormField[];

export const NETWORK_FAILURE = 'Could not reach the service. Check your connection and try again.';

/** A request that failed: Graph's status, error.code and message, and the form field the message concerns. */
export class GraphRequestError extends Error {
  constructor(
    /** The HTTP status; 0 when the service could not be reached at all. */
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: FormField,
  ) {
    super(message);
    this.name = 'GraphRequestError';
  }
}

/** Whatever a call threw, as a GraphRequestError (anything else becomes status 0 with its message). */
export function asRequestError(err: unknown): GraphRequestError {
  if (err instanceof GraphRequestError) return err;
  return new GraphRequestError(0, 'clientError', err instanceof Error ? err.message : String(err));
}

/** The part of the sign-in (web/src/auth.ts's Auth) the client needs: structurally a subset of it. */
export interface TokenSource {
  accessToken(): Promise<string>;
  signIn(): Promise<void>;
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface GraphClientOptions {
  /** The API's root, e.g. https://host:port/beta (web-config.json's graphBaseUrl). */
  baseUrl: string;
  tokens: TokenSource;
  fetch?: FetchLike;
  sleep?: (ms: number) => Promise<void>;
  /** How many times a 429 or 503 is retried before it is reported (default 3). */
  retries?: number;
}

export interface CallOptions {
  /** Told the seconds it waits before retrying a 429 or 503, then null when it tries again (for a role=status message). */
  onWait?: (seconds: number | null) => void;
}

export interface GraphClient {
  listMyPhones(options?: CallOptions): Promise<Phone[]>;
  /** A colleague's phones, as far as the API shows them to the signed-in person. */
  listPhonesOf(userPrincipalName: string, options?: CallOptions): Promise<Phone[]>;
  addPhone(fields: PhoneFields, options?: CallOptions): Promise<Phone>;
  updatePhone(id: string, fields: PhoneFields, options?: CallOptions): Promise<Phone>;
  deletePhone(id: string, options?: CallOptions): Promise<void>;
}

const DEFAULT_RETRY_AFTER = 5;
const MAX_RETRY_AFTER = 60;
/** A list is read page by page through @odata.nextLink; this many pages at most (a guard against a link loop). */
const MAX_PAGES = 100;

/**
 * Seconds to wait from a Retry-After header: delay-seconds or an HTTP date; 5 when absent or unreadable, never more
 * than 60 (a person is waiting), never less than 0.
 */
export function retryAfterSeconds(header: string | null, now = Date.now()): number {
  if (header === null || header.trim() === '') return DEFAULT_RETRY_AFTER;
  const text = header.trim();
  let seconds: number;
  if (/^\d+$/.test(text)) seconds = Number(text);
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return DEFAULT_RETRY_AFTER;
    seconds = Math.ceil((at - now) / 1000);
  }
  return Math.min(MAX_RETRY_AFTER, Math.max(0, seconds));
}

/**
 * The form field a Graph message concerns. The service names the property in quotes ("The property 'number' cannot
 * be empty.", "...for property 'type' of type...", "...for the property named 'displayName'..."); a nested path
 * (source/type) concerns its first segment, which is a form field or not.
 */
export function fieldOfMessage(message: string): FormField | undefined {
  const named = /propert(?:y|y named) '([^']+)'/.exec(message);
  if (!named) return undefined;
  const top = named[1]!.split('/')[0]!;
  // "The property 'x' does not exist on type ..." names a property the form does not have.
  if (/does not exist on type/.test(message)) return undefined;
  return FORM_FIELDS.includes(top) ? (top as FormField) : undefined;
}

/** A GraphRequestError from a failed answer's status and body text (Graph's envelope, or anything else). */
export function errorFromAnswer(status: number, text: string): GraphRequestError {
  let code = 'unknownError';
  let message = `The service answered with status ${status}.`;
  try {
    const body: unknown = JSON.parse(text);
    const error = body && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
    if (error && typeof error === 'object') {
      const e = error as { code?: unknown; message?: unknown };
      if (typeof e.code === 'string' && e.code) code = e.code;
      if (typeof e.message === 'string' && e.message) message = e.message;
    }
  } catch {
    // not JSON (a proxy's page, say): the status is all there is
  }
  return new GraphRequestError(status, code, message, status === 400 ? fieldOfMessage(message) : undefined);
}

/** A successful answer's JSON (undefined when empty, as a 204 is). */
function parseAnswer(status: number, text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new GraphRequestError(status, 'unreadableAnswer', `The service answered with status ${status}, but not in JSON.`);
  }
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function toPhone(wire: Record<string, unknown>): Phone {
  return {
    id: String(wire.id),
    number: typeof wire.number === 'string' ? wire.number : '',
    displayName: typeof wire.displayName === 'string' ? wire.displayName : null,
    type: typeof wire.type === 'string' ? wire.type : null,
    allowedAudiences: typeof wire.allowedAudiences === 'string' ? wire.allowedAudiences : 'me',
  };
}

export function createGraphClient(options: GraphClientOptions): GraphClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  const sleep = options.sleep ?? realSleep;
  const retries = options.retries ?? 3;

  /** One request, retried on 429/503; resolves with the answer's parsed JSON (undefined for 204). */
  async function send(method: string, url: string, body: unknown, call: CallOptions = {}): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      let token: string;
      try {
        token = await options.tokens.accessToken();
      } catch (err) {
        throw new GraphRequestError(0, 'signInFailed', `Could not get a sign-in token: ${err instanceof Error ? err.message : String(err)}`);
      }
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      let res: Response;
      try {
        res = await doFetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      } catch {
        throw new GraphRequestError(0, 'networkError', NETWORK_FAILURE);
      }
      let text: string;
      try {
        text = await res.text();
      } catch {
        throw new GraphRequestError(0, 'networkError', NETWORK_FAILURE);
      }
      if (res.ok) return parseAnswer(res.status, text);
      if ((res.status === 429 || res.status === 503) && attempt < retries) {
        const seconds = retryAfterSeconds(res.headers.get('retry-after'));
        call.onWait?.(seconds);
        await sleep(seconds * 1000);
        call.onWait?.(null);
        continue;
      }
      const err = errorFromAnswer(res.status, text);
      // The token was refused (expired, revoked): sign in again. The page navigates away; the error is for the
      // moment before it does.
      if (res.status === 401) await options.tokens.signIn();
      throw err;
    }
  }

  async function list(path: string, call?: CallOptions): Promise<Phone[]> {
    const phones: Phone[] = [];
    let url: string | undefined = `${base}${path}`;
    for (let page = 0; url !== undefined && page < MAX_PAGES; page++) {
      const body = (await send('GET', url, undefined, call)) as { value?: unknown; '@odata.nextLink'?: unknown } | undefined;
      const value = Array.isArray(body?.value) ? (body.value as Record<string, unknown>[]) : [];
      phones.push(...value.map(toPhone));
      const next = body?.['@odata.nextLink'];
      url = typeof next === 'string' ? next : undefined;
    }
    return phones;
  }

  const item = (id: string) => `${base}/me/profile/phones/${encodeURIComponent(id)}`;

  return {
    listMyPhones: (call) => list('/me/profile/phones', call),
    listPhonesOf: (upn, call) => list(`/users/${encodeURIComponent(upn)}/profile/phones`, call),
    addPhone: async (fields, call) => toPhone((await send('POST', `${base}/me/profile/phones`, fields, call)) as Record<string, unknown>),
    updatePhone: async (id, fields, call) => toPhone((await send('PATCH', item(id), fields, call)) as Record<string, unknown>),
    deletePhone: async (id, call) => {
      await send('DELETE', item(id), undefined, call);
    },
  };
}
