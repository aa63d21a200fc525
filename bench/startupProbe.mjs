// One run of bench/startup.ts's in-process helper measurement, in a fresh node process: imports the module given as
// the first argument (dist/testing.js), calls its startGraphPhones({ inMemory: true }) and waits for the first answer
// (GET <url>/health 200), then closes it and does the same again. Prints one line:
// {"firstMs": <from just before the import, module load included>, "laterMs": <the second start alone>}.
// Plain JavaScript run by node alone, as a test suite's process would load the package.
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';

const [moduleUrl] = process.argv.slice(2);
if (!moduleUrl) throw new Error('usage: node bench/startupProbe.mjs <module URL>');

/** GET on a connection of its own (node:http rather than fetch, whose first use loads undici: not the helper's cost). */
function getStatus(url) {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Starts, waits for the first answer, closes; the time from `t0` to that answer. */
async function startToFirstAnswer(startGraphPhones, t0) {
  const graph = await startGraphPhones({ inMemory: true });
  const status = await getStatus(`${graph.url}/health`);
  const ms = performance.now() - t0;
  await graph.close();
  if (status !== 200) throw new Error(`/health answered ${status}`);
  return ms;
}

const t0 = performance.now();
const { startGraphPhones } = await import(moduleUrl);
const firstMs = await startToFirstAnswer(startGraphPhones, t0);
const laterMs = await startToFirstAnswer(startGraphPhones, performance.now());
process.stdout.write(`${JSON.stringify({ firstMs, laterMs })}\n`);
