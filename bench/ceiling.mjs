// The ceiling for bench/run.ts: a bare node:http server that answers every request with one fixed JSON body shaped
// like an itemPhone GET response (about 600 bytes), with no routing, parsing, auth or storage. Whatever the service
// costs per request is reported as a multiple of this, measured in the same run on the same machine. Plain JavaScript
// run by node alone, so that no TypeScript loader adds to its start, its CPU time or its memory.
//
//   node bench/ceiling.mjs [port]      (or PORT=...; listens on 127.0.0.1 only)
import { createServer } from 'node:http';
import { CEILING_BODY, CEILING_CONTENT_TYPE } from './fixedAnswer.mjs';

const body = Buffer.from(CEILING_BODY);
const headers = {
  'Content-Type': CEILING_CONTENT_TYPE,
  'Content-Length': String(body.length),
};

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`usage: ceiling.mjs <port>  (got '${process.argv[2] ?? process.env.PORT}')\n`);
  process.exit(2);
}

const server = createServer((req, res) => {
  req.resume(); // drain any body
  res.writeHead(200, headers);
  res.end(body);
});
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`ceiling listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : port} (${body.length}-byte body)\n`);
});
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
