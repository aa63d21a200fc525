// Closes idle keep-alive connections, and the listener on stop, without cutting off a request a client has
// already sent: a connection is closed only when it was idle after the event loop had read every socket. On stop
// the listener closes between two reads of the sockets, and from then on every answer says Connection: close.
//
// Written here because Node does neither without a race, and no library fixes it:
// - its keep-alive timeout destroys a connection the moment its timer fires; after a busy spell of the event
//   loop (a long synchronous database call, a lock wait) the timer can fire in the turn in which the client's
//   next request arrives, before the loop reads it;
// - its server.close() (and so fastify.close(), and http-terminator) destroys every connection idle at that
//   instant, including one whose client has just sent its next request, still unread.
// Either way the client sees a reset for a request it had every right to send.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** How long a connection must have been idle before it is closed while stopping... */
const IDLE_GRACE_MS = 500;
/** ...and in how many sweeps in a row (each after the event loop has read the sockets) it was seen idle. */
const IDLE_SWEEPS = 3;

interface Connection {
  /** Requests received on it and not yet answered. */
  active: number;
  idleSince: number;
  idleSweeps: number;
}

export interface ConnectionDrain {
  /**
   * Stops accepting connections, then closes each one once it is idle for good; resolves when none is left.
   * Call fastify.close() right after: it finds the listener closed and waits for the same connections.
   */
  closeListener(): Promise<void>;
}

/** Tracks `server`'s connections from now on (call before it listens). */
export function trackConnections(server: Server, secure: boolean): ConnectionDrain {
  const connections = new Map<Socket, Connection>();
  let closing = false;
  // Over TLS, requests arrive on the TLSSocket of 'secureConnection', not on the raw socket of 'connection'.
  server.on(secure ? 'secureConnection' : 'connection', (socket: Socket) => {
    connections.set(socket, { active: 0, idleSince: Date.now(), idleSweeps: 0 });
    socket.once('close', () => connections.delete(socket));
  });
  // With a 'timeout' listener on the server, Node leaves an idle keep-alive connection whose time is up to us
  // (its socketOnTimeout destroys it only when nobody listens). Decide after the poll phase, once a request
  // that arrived while the event loop was busy has been read.
  server.on('timeout', (socket: Socket) => {
    const bytesRead = socket.bytesRead;
    setImmediate(() => {
      const c = connections.get(socket);
      if (socket.bytesRead === bytesRead && (c?.active ?? 0) === 0) socket.destroy();
    });
  });
  server.on('request', (request, response) => {
    if (closing) response.setHeader('connection', 'close');
    const c = connections.get(request.socket);
    if (!c) return;
    c.active++;
    c.idleSweeps = 0;
    response.once('close', () => {
      c.active--;
      c.idleSince = Date.now();
    });
  });

  // Run in the check phase (setImmediate), right after the poll phase has read every socket that had data: a
  // connection idle then has no request waiting unread that arrived before this turn of the event loop.
  const sweep = () => {
    const now = Date.now();
    for (const [socket, c] of connections) {
      if (c.active > 0) continue;
      c.idleSweeps++;
      if (c.idleSweeps >= IDLE_SWEEPS && now - c.idleSince >= IDLE_GRACE_MS) socket.destroy();
    }
  };

  return {
    closeListener() {
      // Until fastify.close() says the same for every request it routes.
      closing = true;
      // Node's close() starts by destroying every connection idle at that instant: not these.
      server.closeIdleConnections = () => undefined;
      return new Promise<void>((resolve) => {
        // In the check phase too, right after the poll phase has accepted what it could. A connection the kernel
        // still queues when the listener closes is reset; under load Node accepts about one per turn of the event
        // loop (measured), which is why DRAIN_SECONDS keeps listening while a load balancer stops sending.
        setImmediate(() => {
          const timer = setInterval(() => setImmediate(sweep), 50);
          server.close(() => {
            clearInterval(timer);
            resolve();
          });
        });
      });
    },
  };
}
