// Run by test/testing.batchContext.test.ts in a plain node process (no test runner: node:test keeps an async hook of
// its own on, Vitest's and Jest's workers do not). Starts the in-process helper, sends a $batch whose steps are
// journaled and one of which meets a fault, then a request that names a batch step of its own, and prints, as one JSON
// line, the execution async id a promise reaction runs with before and after (0 while Node's promise hooks are off),
// the batch's answers, and what the journal says of the steps and of that request.
import { executionAsyncId } from 'node:async_hooks';
import { startGraphPhones } from 'graph-profile-phones/testing';

const reactionAsyncId = () => new Promise((resolve) => setImmediate(resolve)).then(() => Promise.resolve().then(() => executionAsyncId()));
const FAULTED = '/me/profile/phones/00000000-0000-0000-0000-00000000f417';

const graph = await startGraphPhones();
try {
  const token = await graph.token('batch.context@contoso.com');
  const before = await reactionAsyncId();
  const fault = graph.fault({ match: { method: 'GET', path: `/beta${FAULTED}` }, respond: { status: 503 } });
  const res = await fetch(`${graph.graphUrl}/$batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      requests: [
        { id: 'create', method: 'POST', url: '/me/profile/phones', headers: { 'content-type': 'application/json' }, body: { number: '+1 425 555 0199' } },
        { id: 'list', method: 'GET', url: '/me/profile/phones', dependsOn: ['create'] },
        { id: 'faulted', method: 'GET', url: FAULTED },
      ],
    }),
  });
  const answers = res.status === 200 ? (await res.json()).responses.map((r) => [r.id, r.status]) : await res.text();
  // A client naming a step itself, with a key of its own: an ordinary request.
  const direct = await fetch(`${graph.graphUrl}/me/profile/phones`, {
    headers: { authorization: `Bearer ${token}`, 'x-graph-phones-batch-step': '00000000-0000-4000-8000-000000000000' },
  });
  const entries = graph.requests();
  const outer = entries.find((e) => e.path === '/beta/$batch');
  const steps = entries
    .filter((e) => outer && e.batch?.outer === outer.id)
    .map((e) => ({ id: e.batch.id, fault: e.fault ?? null, headers: Object.keys(e.request.headers).sort() }));
  const last = entries.at(-1);
  const directEntry = { status: direct.status, batch: last.batch ?? null, header: last.request.headers['x-graph-phones-batch-step'] ?? null };
  const after = await reactionAsyncId();
  process.stdout.write(`${JSON.stringify({ before, after, status: res.status, answers, faultId: fault.id, steps, direct: directEntry })}\n`);
} finally {
  await graph.close();
}
