// The request journal: the last requests the service answered (a bounded ring), for a test to check what its app
// sent. What goes in is decided by journalHooks.ts; this keeps, filters and forgets the entries.
import { graphErrors } from '../graph/errors.ts';
import type { Principal } from '../identity/principal.ts';
import { EntrySlots } from './journalSlots.ts';
import { pathPattern } from './paths.ts';

/** The caller as the request's token names it (never the token itself). */
export interface JournalCaller {
  kind: 'delegated' | 'application';
  tenantId: string;
  userId?: string;
  userPrincipalName?: string;
  appId?: string;
  /** Delegated permissions (scp). */
  scopes?: string[];
  /** Application permissions (roles). */
  roles?: string[];
  /** Directory role template ids (wids), when the token has any. */
  directoryRoles?: string[];
}

export interface JournalMessage {
  /** Header names in lower case; Authorization's value is replaced by `<scheme> <redacted>` (see `caller`). */
  headers: Record<string, string | string[]>;
  /** The body: a JSON value when it is JSON and complete, else its text; absent when there was none (or it was not read). */
  body?: unknown;
  /** The body's size in bytes (what was read of it). */
  bodyBytes: number;
  /** Only the first `maxBodyBytes` are kept: `body` is that much text. */
  bodyTruncated: boolean;
}

export interface JournalEntry {
  /** Increasing in the order requests arrived; never reused (not even after a clear). */
  id: number;
  /** When the request arrived (ISO 8601). */
  startedAt: string;
  /** From arrival to the answer being handed to the connection (or to the connection closing). */
  durationMs: number;
  method: string;
  /** As sent (percent-encoding and case kept). */
  path: string;
  /** The query string as sent, without '?'; '' when none. */
  query: string;
  /** The status sent; null when the connection closed without an answer (a drop fault, or the client went away). */
  status: number | null;
  requestId: string;
  clientRequestId: string | null;
  /** Who the bearer token says is calling; null without a valid token. */
  caller: JournalCaller | null;
  request: JournalMessage;
  response: JournalMessage;
  /** The id of the injected fault that answered, delayed or dropped this request. */
  fault?: string;
  /** An inner request of a $batch: the journal id of the $batch request, and this request's id in the batch. */
  batch?: { outer: number; id: string };
}

/** Which entries: every given condition holds. */
export interface JournalFilter {
  /** The method, any case. */
  method?: string;
  /** A path, or a prefix ending in '*' (case-insensitive, query ignored). */
  path?: string;
  /** A status (404) or a class ('4xx'). */
  status?: number | string;
}

/**
 * A message as the hooks record it: its body is worked out (copied, decoded, parsed) when the journal is read, not on
 * the request's way, where it would cost every request a copy and a parse.
 */
export interface RecordedMessage {
  message(): JournalMessage;
}

/** An entry as the journal's reader sees it: what the request's way recorded, before it is shown as a JournalEntry. */
export interface JournalRecord extends Pick<JournalEntry, 'id' | 'durationMs' | 'method' | 'status' | 'requestId' | 'clientRequestId' | 'fault' | 'batch'> {
  /** The URL as sent: path and query string. */
  readonly url: string;
  /** When the request arrived, in ms since the epoch. */
  readonly startedAtMs: number;
  readonly caller: Principal | null;
  readonly request: RecordedMessage;
  readonly response: RecordedMessage;
}

/**
 * An entry as kept until the journal is read, in whatever form costs the request's way least (journalHooks.ts);
 * `record` works it out, reading what it wrote in the journal's slots.
 */
export interface KeptEntry {
  record(slots: EntrySlots): JournalRecord;
}

/** The caller as the journal shows it: who, and with which permissions (never the token). */
function callerView(p: Principal): JournalCaller {
  const view: JournalCaller = { kind: p.kind, tenantId: p.tenantId };
  if (p.userId) view.userId = p.userId;
  if (p.userPrincipalName) view.userPrincipalName = p.userPrincipalName;
  if (p.appId) view.appId = p.appId;
  if (p.kind === 'delegated') view.scopes = [...p.scopes];
  else view.roles = [...p.roles];
  if (p.directoryRoles.size > 0) view.directoryRoles = [...p.directoryRoles];
  return view;
}

/** The URL as sent, as its path and its query string (without '?'; '' when none). */
function splitUrl(url: string): { path: string; query: string } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, query: '' } : { path: url.slice(0, q), query: url.slice(q + 1) };
}

function entryOf(r: JournalRecord): JournalEntry {
  const { path, query } = splitUrl(r.url);
  const entry: JournalEntry = {
    id: r.id,
    startedAt: new Date(r.startedAtMs).toISOString(),
    durationMs: r.durationMs,
    method: r.method,
    path,
    query,
    status: r.status,
    requestId: r.requestId,
    clientRequestId: r.clientRequestId,
    caller: r.caller && callerView(r.caller),
    request: r.request.message(),
    response: r.response.message(),
  };
  if (r.fault !== undefined) entry.fault = r.fault;
  if (r.batch) entry.batch = r.batch;
  return entry;
}

export interface JournalOptions {
  /** How many entries are kept; the oldest go first. 0: the journal is off (nothing is recorded; reading it throws). */
  capacity?: number;
  /** How much of each request and response body is kept. */
  maxBodyBytes?: number;
}

export const JOURNAL_CAPACITY = 1000;
export const JOURNAL_MAX_BODY_BYTES = 16 * 1024;

const FILTER_NAMES = ['method', 'path', 'status'] as const;

/** Entries past the capacity are dropped this many at a time. */
const DROP_EVERY = 100;

export class RequestJournal {
  readonly capacity: number;
  readonly maxBodyBytes: number;
  /** The newest `capacity` of them are the journal (older ones are dropped in bulk, not one per request). */
  private entries: KeptEntry[] = [];
  private lastId = 0;
  /** Each kept entry's record and the first `maxBodyBytes` of its request's and response's bodies, off the JS heap (journalSlots.ts). */
  readonly slots: EntrySlots;

  constructor({ capacity = JOURNAL_CAPACITY, maxBodyBytes = JOURNAL_MAX_BODY_BYTES }: JournalOptions = {}) {
    this.capacity = capacity;
    this.maxBodyBytes = maxBodyBytes;
    // A slot for every entry the journal may hold before it drops the oldest (add()).
    this.slots = new EntrySlots(capacity + DROP_EVERY, maxBodyBytes);
  }

  /** false with a capacity of 0 (REQUEST_JOURNAL=0): no hooks record anything, and reading it is a 404 GraphError. */
  get on(): boolean {
    return this.capacity > 0;
  }

  /** The id of a request that has just arrived (entries are added when answered, in the order they finish). */
  nextId(): number {
    return ++this.lastId;
  }

  add(entry: KeptEntry): void {
    this.entries.push(entry);
    if (this.entries.length >= this.capacity + DROP_EVERY) this.entries.splice(0, this.entries.length - this.capacity);
  }

  /** The entries as kept (the newest `capacity`), and each worked out, in the same order. */
  private kept(): { entries: KeptEntry[]; records: JournalRecord[] } {
    if (!this.on) throw graphErrors.journalOff();
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    return { entries: this.entries, records: this.entries.map((e) => e.record(this.slots)) };
  }

  /** The entries `filter` selects, oldest first (by arrival). Throws a 400 GraphError for a bad filter. */
  list(filter: JournalFilter = {}): JournalEntry[] {
    const selected = this.kept().records.filter(entryFilter(filter));
    // Added as they finish; listed as they arrived (a $batch before its inner requests, a slow request in its place).
    return selected.sort((a, b) => a.id - b.id).map((e) => structuredClone(entryOf(e)));
  }

  count(filter: JournalFilter = {}): number {
    return this.kept().records.filter(entryFilter(filter)).length;
  }

  /** Forgets the entries `filter` selects (every entry without one); returns how many. */
  remove(filter: JournalFilter = {}): number {
    const selected = entryFilter(filter);
    const { entries, records } = this.kept();
    this.entries = entries.filter((_, i) => !selected(records[i]!));
    return entries.length - this.entries.length;
  }
}

/** A filter from a query string (?method=&path=&status=); throws a 400 GraphError naming what is wrong. */
export function filterFromQuery(query: Record<string, unknown>): JournalFilter {
  const filter: JournalFilter = {};
  for (const [name, value] of Object.entries(query)) {
    if (!(FILTER_NAMES as readonly string[]).includes(name)) {
      throw graphErrors.invalidRequest(`The query parameter '${name}' is not a journal filter; the filters are ${FILTER_NAMES.join(', ')}.`);
    }
    if (typeof value !== 'string') throw graphErrors.invalidRequest(`The query parameter '${name}' is given more than once.`);
    filter[name as (typeof FILTER_NAMES)[number]] = value;
  }
  return filter;
}

function entryFilter({ method, path, status }: JournalFilter): (e: JournalRecord) => boolean {
  const conditions: ((e: JournalRecord) => boolean)[] = [];
  if (method !== undefined) {
    if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method)) throw graphErrors.invalidRequest(`The filter 'method' must be an HTTP method such as GET; got ${JSON.stringify(method)}.`);
    const upper = method.toUpperCase();
    conditions.push((e) => e.method === upper);
  }
  if (path !== undefined) {
    const pattern = typeof path === 'string' ? pathPattern(path) : { reason: 'must be a string' };
    if ('reason' in pattern) throw graphErrors.invalidRequest(`The filter 'path' ${pattern.reason}; got ${JSON.stringify(path)}.`);
    conditions.push((e) => pattern.matches(splitUrl(e.url).path));
  }
  if (status !== undefined) {
    const text = String(status);
    const exact = /^[1-5]\d\d$/.test(text) ? Number(text) : undefined;
    const statusClass = /^[1-5]xx$/i.test(text) ? Number(text[0]) : undefined;
    if ((typeof status !== 'string' && typeof status !== 'number') || (exact === undefined && statusClass === undefined)) {
      throw graphErrors.invalidRequest(`The filter 'status' must be a status such as 404 or a class such as 4xx; got ${JSON.stringify(status)}.`);
    }
    conditions.push((e) => e.status !== null && (exact !== undefined ? e.status === exact : Math.floor(e.status / 100) === statusClass));
  }
  return (e) => conditions.every((c) => c(e));
}
