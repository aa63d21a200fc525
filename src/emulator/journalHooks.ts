// Writes every request the service answers into the request journal: hooks on the root instance, so that every
// route, the 404 and 405 answers, injected faults and the inner requests of a $batch all pass them.
//
// Not journaled: the control API itself (/_emulator/...), and /health and /metrics, which probes and scrapers poll
// and which say nothing about what an app under test sent.
import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { batchStep } from '../graph/batch.ts';
import type { Principal, TokenVerifier } from '../identity/principal.ts';
import type { FaultListener } from './faultHooks.ts';
import type { Fault } from './faults.ts';
import { isControlPath } from './paths.ts';
import { isAuthorityPath } from '../authority/index.ts';
import { isWebPath } from '../web/routes.ts';
import type { JournalCaller, JournalMessage, RecordedMessage, RequestJournal } from './journal.ts';

const notJournaled = (url: string): boolean =>
  isControlPath(url) || isAuthorityPath(url) || isWebPath(url) || /^\/(?:health|metrics|beta\/docs)(?:[/?]|$)/i.test(url);

/** The first bytes of a request body as the parser reads it, and how many there were. */
class BodyCapture {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  total = 0;
  read = false;
  constructor(private readonly limit: number) {}

  add(chunk: Buffer | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.read = true;
    this.total += bytes.length;
    if (this.kept >= this.limit) return;
    const part = bytes.subarray(0, this.limit - this.kept);
    this.chunks.push(Buffer.from(part)); // a copy: the parser may reuse the chunk's memory
    this.kept += part.length;
  }

  recorded(headers: JournalMessage['headers'], contentType: unknown): RecordedMessage {
    return {
      message: () => {
        const message: JournalMessage = { headers, bodyBytes: this.total, bodyTruncated: this.total > this.kept };
        if (this.read && this.total > 0) message.body = bodyValue(Buffer.concat(this.chunks), !message.bodyTruncated, contentType);
        return message;
      },
    };
  }
}

/**
 * A response as it was handed to the connection: the payload itself is kept (a string is never changed; a Buffer is
 * copied), and its size, headers and body are worked out when the journal is read.
 */
function recordedResponse(headers: JournalMessage['headers'], payload: unknown, limit: number): RecordedMessage {
  const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? Buffer.from(payload) : undefined;
  return {
    message: () => {
      if (body === undefined) return { headers, bodyBytes: 0, bodyTruncated: false };
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      // Node adds Content-Length after the hooks; the journal shows what the client got.
      const shown = headers['content-length'] === undefined ? { ...headers, 'content-length': String(bytes.length) } : headers;
      const message: JournalMessage = { headers: shown, bodyBytes: bytes.length, bodyTruncated: bytes.length > limit };
      if (bytes.length > 0) message.body = bodyValue(bytes.subarray(0, limit), !message.bodyTruncated, headers['content-type']);
      return message;
    },
  };
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

interface Pending {
  readonly id: number;
  readonly startedAt: Date;
  readonly started: number;
  readonly headers: Record<string, string | string[]>;
  readonly batch?: { outer: number; id: string };
  readonly requestBody: BodyCapture;
  fault?: string;
  done: boolean;
}

/** The request's headers with the Authorization value hidden: its scheme stays, so a test sees what was sent. */
function journaledHeaders(request: FastifyRequest): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name] = name === 'authorization' || name === 'proxy-authorization' ? redacted(String(value)) : value;
  }
  return headers;
}

const redacted = (value: string): string => {
  const scheme = /^(\S+)\s/.exec(value)?.[1];
  return scheme ? `${scheme} <redacted>` : '<redacted>';
};

const callerView = (p: Principal): JournalCaller => {
  const view: JournalCaller = { kind: p.kind, tenantId: p.tenantId };
  if (p.userId) view.userId = p.userId;
  if (p.userPrincipalName) view.userPrincipalName = p.userPrincipalName;
  if (p.appId) view.appId = p.appId;
  if (p.kind === 'delegated') view.scopes = [...p.scopes];
  else view.roles = [...p.roles];
  if (p.directoryRoles.size > 0) view.directoryRoles = [...p.directoryRoles];
  return view;
};

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
  const pending = new WeakMap<FastifyRequest, Pending>();

  /** The caller the request's token names: as its route verified it, or verified here if no route did. */
  async function callerOf(request: FastifyRequest): Promise<JournalCaller | null> {
    const verified = request.verifiedCaller;
    if (verified === 'refused') return null;
    if (verified) return callerView(verified);
    const token = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.authorization ?? '')?.[1];
    if (!token) return null;
    try {
      return callerView(await verifier.verify(token));
    } catch {
      return null;
    }
  }

  async function finish(request: FastifyRequest, p: Pending, answer: { status: number; headers: JournalMessage['headers']; payload: unknown } | null): Promise<void> {
    p.done = true;
    const durationMs = Math.round((performance.now() - p.started) * 10) / 10;
    const caller = await callerOf(request);
    const [path = '', ...query] = request.url.split('?');
    journal.add({
      id: p.id,
      startedAt: p.startedAt.toISOString(),
      durationMs,
      method: request.method,
      path,
      query: query.join('?'),
      status: answer?.status ?? null,
      requestId: request.id,
      clientRequestId: typeof request.headers['client-request-id'] === 'string' ? request.headers['client-request-id'] : null,
      caller,
      request: p.requestBody.recorded(p.headers, request.headers['content-type']),
      response: recordedResponse(answer?.headers ?? {}, answer?.payload, journal.maxBodyBytes),
      ...(p.fault !== undefined ? { fault: p.fault } : {}),
      ...(p.batch ? { batch: p.batch } : {}),
    });
  }

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (notJournaled(request.url)) return;
    const step = batchStep.getStore();
    const outer = step && pending.get(step.outer);
    const p: Pending = {
      id: journal.nextId(),
      startedAt: new Date(),
      started: performance.now(),
      headers: journaledHeaders(request),
      batch: outer && step ? { outer: outer.id, id: step.id } : undefined,
      requestBody: new BodyCapture(journal.maxBodyBytes),
      done: false,
    };
    pending.set(request, p);
    // The connection closed before an answer was handed to it (the client went away): journaled without a status.
    reply.raw.once('close', () => {
      if (!p.done) void finish(request, p, null);
    });
  });

  // A copy of the body's first bytes as the parser reads it: what was sent, even when it turns out not to be JSON.
  app.addHook('preParsing', async (request: FastifyRequest, _reply: FastifyReply, payload) => {
    const p = pending.get(request);
    if (!p || !hasBody(request)) return payload;
    const tee = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        p.requestBody.add(chunk);
        done(null, chunk);
      },
    });
    payload.on('error', (err) => tee.destroy(err));
    return payload.pipe(tee);
  });

  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const p = pending.get(request);
    if (!p || p.done) return payload;
    const headers: JournalMessage['headers'] = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = Array.isArray(value) ? value : String(value);
    await finish(request, p, { status: reply.statusCode, headers, payload });
    return payload;
  });

  return {
    async matched(request: FastifyRequest, fault: Fault, { readBody }: { readBody: boolean }): Promise<void> {
      const p = pending.get(request);
      if (!p) return;
      p.fault = fault.id;
      // The fault answers before any route reads the body: read here, so the journal shows what was sent.
      if (!readBody || !hasBody(request)) return;
      try {
        for await (const chunk of request.raw) p.requestBody.add(chunk as Buffer);
      } catch {
        // the client went away while sending: the journal keeps what came
      }
    },
    async dropped(request: FastifyRequest): Promise<void> {
      const p = pending.get(request);
      if (p && !p.done) await finish(request, p, null);
    },
  };
}
