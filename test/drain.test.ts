// src/drain.ts on a bare Node HTTP server: a request that arrives on a keep-alive connection while the server's
// event loop is busy, and whose keep-alive time runs out meanwhile, is answered, not reset; an idle connection is
// still closed when its time is up. (The service's keep-alive timeout is 72 s; this server's is 2 s.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { trackConnections } from '../src/drain.ts';

const server = createServer((_request, response) => response.end('ok'));
server.keepAliveTimeout = 2000;
trackConnections(server, false);
let port: number;
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});
after(() => new Promise((r) => server.close(r)));

/** A raw keep-alive connection: what it has received so far, and whether the server closed or reset it. */
async function rawConnection() {
  const socket: Socket = connect(port, '127.0.0.1');
  let received = '';
  let ended: string | undefined;
  socket.on('data', (c: Buffer) => (received += c.toString()));
  socket.on('end', () => (ended ??= 'closed'));
  socket.on('error', (err: NodeJS.ErrnoException) => (ended = err.code));
  await new Promise((r) => socket.once('connect', r));
  const answers = () => received.split('HTTP/1.1 ').length - 1;
  const waitFor = async (n: number) => {
    for (let i = 0; i < 200 && answers() < n && !ended; i++) await new Promise((r) => setTimeout(r, 10));
  };
  return { socket, answers, waitFor, ended: () => ended };
}
const REQUEST = 'GET / HTTP/1.1\r\nhost: x\r\n\r\n';

test('a request written in the same turn as the keep-alive timeout, after a busy spell, is answered, not reset', async () => {
  for (let round = 0; round < 3; round++) {
    const c = await rawConnection();
    c.socket.write(REQUEST);
    await c.waitFor(1);
    assert.equal(c.answers(), 1);
    // The client writes its next request from a timer due just after the server's keep-alive timer (Node closes
    // an idle connection 1 s after keepAliveTimeout). The event loop is then blocked past both (here: a synchronous child process; in a test process that hosts the
    // service, \`npm run export\`; in the service, a long synchronous database call), so both fire in the same turn:
    // the server's first, then the write, before the loop reads any socket.
    setTimeout(() => c.socket.write(REQUEST), 3050);
    spawnSync('sleep', ['4']);
    await c.waitFor(2);
    assert.equal(c.answers(), 2, `round ${round}: the second request was answered (the connection ended: ${c.ended()})`);
    c.socket.destroy();
  }
});

test('an idle keep-alive connection is still closed by the server when its time is up', async () => {
  const c = await rawConnection();
  const sent = Date.now();
  c.socket.write(REQUEST);
  await c.waitFor(1);
  assert.equal(c.answers(), 1);
  while (!c.ended() && Date.now() - sent < 5000) await new Promise((r) => setTimeout(r, 50));
  assert.equal(c.ended(), 'closed');
  assert.ok(Date.now() - sent >= 1900, `closed after ${Date.now() - sent} ms`);
  c.socket.destroy();
});
