// A $batch sent to the in-process helper leaves the test suite's process as it found it: no async context tracking
// turned on. Each inner request of a batch must know which batch step it replays (the request journal and faults ask).
// Carried by an AsyncLocalStorage, that turned Node's promise hooks on for the rest of the process: every later
// promise, the suite's own included, paid for it, and every later request to the service cost a sixth to a third
// more CPU (bench/RESULTS.md, issue 15). The helper runs in a plain node process here
// (test/support/batchContextProbe.mjs), as under Vitest or Jest: node:test keeps an async hook of its own on.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const PROBE = fileURLToPath(new URL('./support/batchContextProbe.mjs', import.meta.url));

test('a $batch (steps journaled, one meeting a fault) turns no async context tracking on in the process that runs the helper', async () => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [PROBE], { timeout: 60_000 }, (err, out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(out)));
  });
  const r = JSON.parse(stdout) as {
    before: number;
    after: number;
    status: number;
    answers: unknown;
    faultId: string;
    steps: { id: string; fault: string | null; headers: string[] }[];
    direct: { status: number; batch: unknown; header: string | null };
  };
  assert.equal(r.before, 0, 'promise hooks were already on before the batch');
  assert.equal(r.status, 200);
  assert.deepEqual(r.answers, [['create', 201], ['list', 200], ['faulted', 503]]);
  // The journal still knows each step of the batch, and that the fault met the step it names; it shows the headers
  // the batch gave each step, not the one by which the step's request knows its step.
  assert.deepEqual(
    r.steps.map(({ id, fault }) => ({ id, fault })).sort((a, b) => a.id.localeCompare(b.id)),
    [{ id: 'create', fault: null }, { id: 'faulted', fault: r.faultId }, { id: 'list', fault: null }],
  );
  for (const step of r.steps) {
    assert.ok(step.headers.includes('authorization'), `${step.id}: ${step.headers}`);
    assert.ok(!step.headers.includes('x-graph-phones-batch-step'), `${step.id}: ${step.headers}`);
  }
  // A request that names a step with a key of its own is an ordinary request, journaled with the header as sent.
  assert.deepEqual(r.direct, { status: 200, batch: null, header: '00000000-0000-4000-8000-000000000000' });
  assert.equal(r.after, 0, 'promise hooks were left on after the batch');
});
