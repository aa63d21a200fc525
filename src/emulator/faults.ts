// Injected faults: answers a test asks for instead of the real ones (429, 503, a delay, a dropped connection), so
// that it can check its app's retry path. This keeps the faults and picks the one a request meets; faultHooks.ts
// applies it.
import { randomUUID } from 'node:crypto';
import { graphErrors } from '../graph/errors.ts';
import { pathPattern } from './paths.ts';

export interface FaultMatch {
  /** Any method when absent. */
  method?: string;
  /** A path, or a prefix ending in '*' (case-insensitive; the query string is not matched). */
  path: string;
}

export interface FaultResponse {
  /** Answer this status (400-599) in Graph's error envelope instead of running the request. */
  status?: number;
  /** Retry-After (seconds) with `status`; 429 and 503 get 1 unless given. */
  retryAfterSeconds?: number;
  /** Wait this long first; alone, the request then runs as usual. */
  delayMs?: number;
  /** Close the connection without an answer. */
  drop?: boolean;
}

export interface FaultSpec {
  match: FaultMatch;
  respond: FaultResponse;
  /** How many requests it meets before it is removed; absent: until removed. */
  times?: number;
}

export interface Fault extends FaultSpec {
  readonly id: string;
  /** Requests it may still meet; null: until removed. */
  remaining: number | null;
  /** Requests it has met so far. */
  matched: number;
}

export const MAX_DELAY_MS = 300_000;
const MAX_RETRY_AFTER_SECONDS = 86_400;
const RETRY_AFTER_BY_DEFAULT: Readonly<Record<number, number>> = { 429: 1, 503: 1 };

interface Active {
  fault: Fault;
  matches: (method: string, path: string) => boolean;
}

export class Faults {
  private active: Active[] = [];

  /** Adds the fault `spec` describes; throws a 400 GraphError naming the bad member (nothing is added then). */
  add(spec: unknown): Fault {
    const { spec: parsed, matchesPath } = readFaultSpec(spec);
    const fault: Fault = { id: randomUUID(), ...parsed, remaining: parsed.times ?? null, matched: 0 };
    const method = parsed.match.method;
    this.active.push({ fault, matches: (m, path) => (method === undefined || m === method) && matchesPath(path) });
    return copy(fault);
  }

  /** Whether any fault is waiting for a request (most of the time none is: a request then costs one check). */
  get armed(): boolean {
    return this.active.length > 0;
  }

  /** The faults in the order they are tried (the order they were added). */
  list(): Fault[] {
    return this.active.map((a) => copy(a.fault));
  }

  get(id: string): Fault | undefined {
    const found = this.active.find((a) => a.fault.id === id);
    return found && copy(found.fault);
  }

  remove(id: string): boolean {
    const before = this.active.length;
    this.active = this.active.filter((a) => a.fault.id !== id);
    return this.active.length < before;
  }

  clear(): void {
    this.active = [];
  }

  /**
   * The first fault (oldest first) that `method path` meets, counted as used: one whose times run out is removed.
   * Undefined when none matches.
   */
  take(method: string, path: string): Fault | undefined {
    const index = this.active.findIndex((a) => a.matches(method, path));
    if (index === -1) return undefined;
    const { fault } = this.active[index]!;
    fault.matched++;
    if (fault.remaining !== null && --fault.remaining === 0) this.active.splice(index, 1);
    return copy(fault);
  }
}

const copy = (f: Fault): Fault => structuredClone(f);

// ---- the spec, checked member by member: a bad one is refused with its name, and nothing is added ----

const bad = (member: string, rule: string, value: unknown) =>
  graphErrors.invalidRequest(`The fault's '${member}' ${rule}; got ${JSON.stringify(value) ?? 'nothing'}.`);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `member` undefined: the fault itself. */
function object(value: unknown, member: string | undefined, allowed: readonly string[]): Record<string, unknown> {
  if (!isObject(value)) {
    if (member === undefined) throw graphErrors.invalidRequest(`A fault must be a JSON object with 'match' and 'respond'; got ${JSON.stringify(value)}.`);
    throw bad(member, 'must be a JSON object', value);
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const name = member === undefined ? key : `${member}.${key}`;
      throw graphErrors.invalidRequest(`The fault has an unknown member '${name}'; ${member === undefined ? 'a fault has' : `'${member}' has`} ${allowed.join(', ')}.`);
    }
  }
  return value;
}

function integer(value: unknown, member: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw bad(member, `must be an integer from ${min} to ${max}`, value);
  }
  return value;
}

/** The checked spec, and its path pattern's matcher (made once, here). */
function readFaultSpec(body: unknown): { spec: FaultSpec; matchesPath: (path: string) => boolean } {
  const spec = object(body, undefined, ['match', 'respond', 'times']);
  const match = object(spec.match, 'match', ['method', 'path']);
  const respond = object(spec.respond, 'respond', ['status', 'retryAfterSeconds', 'delayMs', 'drop']);

  let method: string | undefined;
  if (match.method !== undefined) {
    if (typeof match.method !== 'string' || !/^[A-Za-z]+$/.test(match.method)) throw bad('match.method', 'must be an HTTP method such as POST (or absent: any)', match.method);
    method = match.method.toUpperCase();
  }
  if (typeof match.path !== 'string') throw bad('match.path', "must be a path such as /beta/me/profile/phones (a trailing '*' matches a prefix)", match.path);
  const pattern = pathPattern(match.path);
  if ('reason' in pattern) throw bad('match.path', pattern.reason, match.path);
  const out: FaultSpec = { match: { ...(method !== undefined ? { method } : {}), path: match.path }, respond: {} };

  if (respond.status !== undefined) out.respond.status = integer(respond.status, 'respond.status', 400, 599);
  if (respond.drop !== undefined) {
    if (typeof respond.drop !== 'boolean') throw bad('respond.drop', 'must be true or false', respond.drop);
    if (respond.drop && out.respond.status !== undefined) throw bad('respond.drop', "cannot be true with 'respond.status' (a dropped connection has no status)", respond.drop);
    if (respond.drop) out.respond.drop = true;
  }
  if (respond.retryAfterSeconds !== undefined) {
    if (out.respond.status === undefined) throw bad('respond.retryAfterSeconds', "goes with 'respond.status' (it is a header of the answer)", respond.retryAfterSeconds);
    out.respond.retryAfterSeconds = integer(respond.retryAfterSeconds, 'respond.retryAfterSeconds', 0, MAX_RETRY_AFTER_SECONDS);
  } else if (out.respond.status !== undefined && RETRY_AFTER_BY_DEFAULT[out.respond.status] !== undefined) {
    out.respond.retryAfterSeconds = RETRY_AFTER_BY_DEFAULT[out.respond.status];
  }
  if (respond.delayMs !== undefined) out.respond.delayMs = integer(respond.delayMs, 'respond.delayMs', 0, MAX_DELAY_MS);
  if (out.respond.status === undefined && !out.respond.drop && out.respond.delayMs === undefined) {
    throw bad('respond', "must give 'status', 'drop' or 'delayMs'", spec.respond);
  }
  if (spec.times !== undefined) out.times = integer(spec.times, 'times', 1, Number.MAX_SAFE_INTEGER);
  return { spec: out, matchesPath: pattern.matches };
}
