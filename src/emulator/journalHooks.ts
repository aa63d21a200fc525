// Writes every request the service answers into the request journal: hooks on the root instance, so that every
// route, the 404 and 405 answers, injected faults and the inner requests of a $batch all pass them.
//
// Not journaled: the control API itself (/_emulator/...), and /health and /metrics, which probes and scrapers poll
// and which say nothing about what an app under test sent.
import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BATCH_STEP_HEADER, batchStepOf } from '../graph/batch.ts';
import type { Principal, TokenVerifier } from '../identity/principal.ts';
import type { FaultListener } from './faultHooks.ts';
import type { Fault } from './faults.ts';
import { isControlPath } from './paths.ts';
import { isAuthorityPath } from '../authority/index.ts';
import { isWebPath } from '../web/routes.ts';
import type { EntrySlots, ReadBody, SlotUse } from './journalSlots.ts';
import type { JournalMessage, JournalRecord, KeptEntry, RequestJournal } from './journal.ts';

const notJournaled = (url: string): boolean =>
  isControlPath(url) || isAuthorityPath(url) || isWebPath(url) || /^\/(?:health|metrics|beta\/docs)(?:[/?]|$)/i.test(url);

/** The first bytes of a request body as it is read (when the JSON parser does not read it whole), and how many there were. */
class BodyCapture {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private total = 0;
  constructor(private readonly limit: number) {}

  add(chunk: Buffer | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.total += bytes.length;
    if (this.kept >= this.limit) return;
    const part = bytes.subarray(0, this.limit - this.kept);
    this.chunks.push(Buffer.from(part)); // a copy: the parser may reuse the chunk's memory
    this.kept += part.length;
  }

  read(): ReadBody {
    return { bytes: Buffer.concat(this.chunks), total: this.total };
  }
}

/** What an entry's text holds: everything about the request known when its answer is handed over. */
interface Recorded {
  readonly id: number;
  readonly startedAtMs: number;
  readonly durationMs: number;
  readonly method: string;
  readonly url: string;
  readonly status: number | null;
  readonly requestId: string;
  readonly clientRequestId: string | null;
  readonly fault?: string;
  readonly batch?: { outer: number; id: string };
  /** The request's headers, Authorization hidden. */
  readonly sent: Record<string, string | string[]>;
  /** The response's headers as they were handed to the connection (Node keeps numbers as numbers). */
  readonly answered: Record<string, unknown>;
}

/**
 * An entry as the journal keeps it until it is read. It lives for the next REQUEST_JOURNAL requests (1,000 unless
 * set): long enough to be copied out of V8's young generation and marked in the old one, at a cost that grows with what
 * it keeps on the heap (bench/RESULTS.md, issue 15). So its record (one JSON text of everything known when the answer
 * is handed over, the Authorization value already hidden: the journal keeps no bearer token) and the first bytes of the
 * request's and the response's bodies are written into the journal's slots, off the heap (journalSlots.ts). On the
 * heap: this object and the caller its token named (the token cache's own object). Headers and bodies are shown
 * (parsed, decoded) only when the journal is read.
 */
class KeptRequest implements KeptEntry, SlotUse {
  // The SlotUse's numbers, not the SlotUse itself: one object less to keep per entry.
  readonly slot: number;
  readonly recordBytes: number;
  readonly requestKept: number;
  readonly requestTotal: number;
  readonly responseKept: number;
  readonly responseTotal: number;
  /** The record, when it did not fit in its slot. */
  private readonly text: string | undefined;
  constructor(
    text: string,
    use: SlotUse,
    private readonly caller: Principal | null,
  ) {
    this.slot = use.slot;
    this.recordBytes = use.recordBytes;
    this.requestKept = use.requestKept;
    this.requestTotal = use.requestTotal;
    this.responseKept = use.responseKept;
    this.responseTotal = use.responseTotal;
    this.text = use.recordBytes < 0 ? text : undefined;
  }

  record(slots: EntrySlots): JournalRecord {
    const { sent, answered, ...r } = JSON.parse(this.text ?? slots.record(this)!) as Recorded;
    return {
      ...r,
      caller: this.caller,
      request: { message: () => requestMessage(sent, slots.requestBody(this)) },
      response: { message: () => responseMessage(answered, slots.responseBody(this)) },
    };
  }
}

/** A request as it was sent: its headers and the first bytes of its body, if one was read. */
function requestMessage(headers: JournalMessage['headers'], body: ReadBody | undefined): JournalMessage {
  const message: JournalMessage = { headers, bodyBytes: body?.total ?? 0, bodyTruncated: body !== undefined && body.total > body.bytes.length };
  if (body && body.total > 0) message.body = bodyValue(body.bytes, !message.bodyTruncated, headers['content-type']);
  return message;
}

/** A response as it was handed to the connection: its headers, and its body's size and first bytes (as many as were kept). */
function responseMessage(sent: Record<string, unknown>, body: ReadBody | undefined): JournalMessage {
  const headers = shownHeaders(sent);
  if (body === undefined) return { headers, bodyBytes: 0, bodyTruncated: false };
  const { bytes, total } = body;
  // Node adds Content-Length after the hooks; the journal shows what the client got.
  const shown = headers['content-length'] === undefined ? { ...headers, 'content-length': String(total) } : headers;
  const message: JournalMessage = { headers: shown, bodyBytes: total, bodyTruncated: total > bytes.length };
  if (total > 0) message.body = bodyValue(bytes, !message.bodyTruncated, headers['content-type']);
  return message;
}

/** A JSON body as its value (when all of it is here), anything else as text. */
function bodyValue(bytes: Buffer, whole: boolean, contentType: unknown): unknown {
  const text = bytes.toString('utf8');
  if (whole && typeof contentType === 'string' && /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType)) {
    try {
      return JSON.parse(text);
    } catch {
      // not JSON after all: kept as text, as sent
    }
  }
  return text;
}

/** What the hooks hand the journal when a request is answered (null: the connection closed first). */
interface Answer {
  readonly status: number;
  readonly headers: Record<string, unknown>;
  readonly payload: unknown;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's journal entry while it is answered (null: not journaled). */
    journaled: Pending | null;
  }
}

interface Pending {
  readonly id: number;
  readonly startedAtMs: number;
  readonly started: number;
  readonly batch?: { outer: number; id: string };
  /** Made when a body is copied as it is read (sent in chunks, or read by a fault); else the parser keeps it whole. */
  requestBody?: BodyCapture;
  fault?: string;
  done: boolean;
}

/**
 * The request's headers with the Authorization value hidden (its scheme stays, so a test sees what was sent), and
 * without the header by which a batch step's request knows its step (graph/batch.ts), which the client did not send.
 */
function journaledHeaders(sent: FastifyRequest['headers'], batchStep: boolean): Record<string, string | string[]> {
  const { authorization, 'proxy-authorization': proxyAuthorization } = sent;
  if (authorization === undefined && proxyAuthorization === undefined && !batchStep) return sent as Record<string, string | string[]>;
  const headers = { ...sent } as Record<string, string | string[]>;
  if (batchStep) delete headers[BATCH_STEP_HEADER];
  if (authorization !== undefined) headers.authorization = redacted(authorization);
  if (proxyAuthorization !== undefined) headers['proxy-authorization'] = redacted(String(proxyAuthorization));
  return headers;
}

const redacted = (value: string): string => {
  const scheme = /^(\S+)\s/.exec(value)?.[1];
  return scheme ? `${scheme} <redacted>` : '<redacted>';
};

/** Response headers as the journal shows them (Node keeps numbers as numbers). */
function shownHeaders(sent: Record<string, unknown>): JournalMessage['headers'] {
  const headers: JournalMessage['headers'] = {};
  for (const [name, value] of Object.entries(sent)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.map(String) : String(value);
  return headers;
}

const hasBody = (request: FastifyRequest): boolean =>
  request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;

export interface JournalHookOptions {
  /** Verifies the token of a request whose route did not (a $batch envelope, an unknown path, a faulted request). */
  verifier: TokenVerifier;
}

/**
 * Installs the journal's hooks on `app` (the root instance, before the routes' own hooks). Returns what the fault
 * hooks tell the journal (faultHooks.ts): which fault met a request, and its body, which no route will read.
 */
export function installJournal(app: FastifyInstance, journal: RequestJournal, { verifier }: JournalHookOptions): FaultListener {
  // Each request's Pending rides on the request itself (a decoration), not in a WeakMap: a WeakMap entry per request
  // is work for every garbage collection.
  app.decorateRequest('journaled', null);

  /**
   * The caller the request's token names: as its route verified it (most requests: no promise), or verified here if
   * no route did.
   */
  function callerOf(request: FastifyRequest): Principal | null | Promise<Principal | null> {
    const verified = request.verifiedCaller;
    if (verified === 'refused') return null;
    if (verified) return verified;
    const token = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.authorization ?? '')?.[1];
    if (!token) return null;
    try {
      const caller = verifier.verify(token);
      return caller instanceof Promise ? caller.catch(() => null) : caller;
    } catch {
      return null;
    }
  }

  /** Where the body's first bytes are kept: made when a body is first read (most requests have none). */
  const captureOf = (p: Pending): BodyCapture => (p.requestBody ??= new BodyCapture(journal.maxBodyBytes));

  /** Adds the request's entry; a promise only when its token must be verified first. */
  function finish(request: FastifyRequest, p: Pending, answer: Answer | null): Promise<void> | undefined {
    p.done = true;
    const durationMs = Math.round((performance.now() - p.started) * 10) / 10;
    const caller = callerOf(request);
    if (caller instanceof Promise) return caller.then((c) => add(request, p, answer, durationMs, c));
    add(request, p, answer, durationMs, caller);
    return undefined;
  }

  function add(request: FastifyRequest, p: Pending, answer: Answer | null, durationMs: number, caller: Principal | null): void {
    const clientRequestId = request.headers['client-request-id'];
    const recorded: Recorded = {
      id: p.id,
      startedAtMs: p.startedAtMs,
      durationMs,
      method: request.method,
      url: request.url,
      status: answer?.status ?? null,
      requestId: request.id,
      clientRequestId: typeof clientRequestId === 'string' ? clientRequestId : null,
      fault: p.fault,
      batch: p.batch,
      sent: journaledHeaders(request.headers, p.batch !== undefined),
      answered: answer?.headers ?? {},
    };
    const payload = answer?.payload;
    const text = JSON.stringify(recorded);
    // The body as the JSON parser read it whole, or as it was copied while read (chunked, or read by a fault).
    const sentBody = p.requestBody?.read() ?? (request.rawBody ? { bytes: request.rawBody, total: request.rawBody.length } : undefined);
    const use = journal.slots.keep(text, sentBody, typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : undefined);
    journal.add(new KeptRequest(text, use, caller));
  }

  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (notJournaled(request.url)) return done();
    const step = batchStepOf(request);
    const outer = step?.outer.journaled;
    const p: Pending = {
      id: journal.nextId(),
      startedAtMs: Date.now(),
      started: performance.now(),
      batch: outer && step ? { outer: outer.id, id: step.id } : undefined,
      done: false,
    };
    request.journaled = p;
    // The connection closed before an answer was handed to it (the client went away): journaled without a status.
    reply.raw.once('close', () => {
      if (!p.done) void finish(request, p, null);
    });
    done();
  });

  // A body of a given length that is read is read whole by the JSON parser, which keeps it on the request (rawBody): the
  // entry takes its first bytes from there. A chunked body may be cut off by the size limit part way: a copy of its
  // first bytes is taken as the parser reads it, so the journal shows what came. (A stream in the way of every body
  // cost a create about a tenth of its CPU, bench/RESULTS.md.) Either way, what was sent, even when it is not JSON.
  // A callback hook: most requests have no body, and an async hook would cost each of them a promise.
  app.addHook('preParsing', (request: FastifyRequest, _reply: FastifyReply, payload, done) => {
    const p = request.journaled;
    if (!p || request.headers['transfer-encoding'] === undefined) return done(null, payload);
    const capture = captureOf(p);
    const tee = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        capture.add(chunk);
        done(null, chunk);
      },
    });
    payload.on('error', (err) => tee.destroy(err));
    done(null, payload.pipe(tee));
  });

  // A callback hook: the entry is added before the answer goes out (a test that reads the journal next finds it), with
  // no promise unless the caller's token must be verified first.
  app.addHook('onSend', (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: Error | null, payload?: unknown) => void) => {
    const p = request.journaled;
    if (!p || p.done) return done(null, payload);
    // getHeaders() is a copy of its own: kept as it is, shown as text when the journal is read.
    const added = finish(request, p, { status: reply.statusCode, headers: reply.getHeaders(), payload });
    if (added) added.then(() => done(null, payload), done);
    else done(null, payload);
  });

  return {
    async matched(request: FastifyRequest, fault: Fault, { readBody }: { readBody: boolean }): Promise<void> {
      const p = request.journaled;
      if (!p) return;
      p.fault = fault.id;
      // The fault answers before any route reads the body: read here, so the journal shows what was sent.
      if (!readBody || !hasBody(request)) return;
      const capture = captureOf(p);
      try {
        for await (const chunk of request.raw) capture.add(chunk as Buffer);
      } catch {
        // the client went away while sending: the journal keeps what came
      }
    },
    async dropped(request: FastifyRequest): Promise<void> {
      const p = request.journaled;
      if (p && !p.done) await finish(request, p, null);
    },
  };
}
