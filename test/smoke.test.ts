import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestService, type TestService } from './support/service.ts';

let svc: TestService;
before(async () => {
  svc = await startTestService();
});
after(() => svc.stop());

test('health answers 200 once the service can serve', async () => {
  const res = await svc.request('GET', '/health');
  assert.equal(res.status, 200);
  assert.deepEqual(res.json, { status: 'ok', store: { kind: svc.store, state: 'ok' } });
});
