// Applies injected faults: an onRequest hook on the root instance, so it runs before any route's own hooks
// (authentication, rate limiting): a faulted request gets its fault even without a token, and never reaches its
// route, so nothing is stored. The control API (/_emulator/...) is never faulted.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { batchStepOf } from '../graph/batch.ts';
import { graphErrors } from '../graph/errors.ts';
import { sendError } from '../graph/http.ts';
import type { Fault, Faults } from './faults.ts';
import { isControlPath, pathOf } from './paths.ts';

/** Told what the faults do, before they do it (the request journal). */
export interface FaultListener {
  /** `fault` met `request`; `readBody`: the fault answers or drops, so no route will read the body. */
  matched(request: FastifyRequest, fault: Fault, options: { readBody: boolean }): Promise<void>;
  /** The connection is about to be closed without an answer. */
  dropped(request: FastifyRequest): Promise<void>;
}

export function installFaults(app: FastifyInstance, faults: Faults, listener?: FaultListener): void {
  // Delays still running when the service stops end at once: a stop never waits minutes for an injected delay.
  const waiting = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const release of waiting) release();
  });

  // Most requests meet no fault: they pass without a promise (a callback hook); one that meets a fault is answered,
  // delayed or dropped by `apply`, and goes on to its route only if the fault was a delay alone.
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const fault = faults.armed && !isControlPath(request.url) ? faults.take(request.method, pathOf(request.url)) : undefined;
    if (!fault) return done();
    apply(request, reply, fault).then((answered) => answered || done(), done);
  });

  /** Does what `fault` says; true when it answered (or dropped) the request, false when the route goes on. */
  async function apply(request: FastifyRequest, reply: FastifyReply, fault: Fault): Promise<boolean> {
    const { status, retryAfterSeconds, delayMs, drop } = fault.respond;
    await listener?.matched(request, fault, { readBody: status !== undefined || drop === true });
    if (delayMs) await pause(delayMs, request, waiting);
    if (request.raw.socket.destroyed) {
      // The client gave up while the delay ran: nothing to answer, and the request must not run unseen.
      reply.hijack();
      return true;
    }
    if (drop) {
      // An inner request of a $batch arrives through app.inject(): it has no connection of its own (errors.ts).
      if (batchStepOf(request)) {
        sendError(request, reply, graphErrors.injectedDropInBatch(fault.id));
        return true;
      }
      await listener?.dropped(request);
      reply.hijack();
      request.raw.socket.destroy();
      return true;
    }
    if (status !== undefined) {
      sendError(request, reply, graphErrors.injectedFault(status, fault.id, retryAfterSeconds));
      return true;
    }
    return false; // a delay alone: the request goes on to its route
  }
}

/** Waits `ms`, or less if the client closes the connection or the service stops meanwhile. */
function pause(ms: number, request: FastifyRequest, waiting: Set<() => void>): Promise<void> {
  return new Promise((resolve) => {
    // (An inner request of a $batch has a stand-in socket, an EventEmitter that never closes.)
    const socket = request.raw.socket;
    const release = () => {
      clearTimeout(timer);
      waiting.delete(release);
      socket.off('close', release);
      resolve();
    };
    const timer = setTimeout(release, ms);
    waiting.add(release);
    socket.once('close', release);
  });
}
