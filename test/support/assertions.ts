// Checks shared by the end-to-end suites: Graph's error envelope and its headers.
import assert from 'node:assert/strict';
import { isGuid, type TestResponse } from './service.ts';

/** Asserts a Graph error: status, error.code, the envelope's shape, and request-id headers. */
export function assertGraphError(res: TestResponse, status: number, code: string, message?: RegExp | string): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assertGraphErrorEnvelope(res);
  const { error } = res.json;
  assert.equal(error.code, code, `error.code: ${res.text}`);
  if (message instanceof RegExp) assert.match(error.message, message);
  else if (typeof message === 'string') assert.equal(error.message, message);
}

/** Asserts the envelope of any Graph error, whatever its status and code, and its request-id headers. */
export function assertGraphErrorEnvelope(res: TestResponse): void {
  assert.equal(res.headers.get('content-type'), 'application/json', `content-type of ${res.status} ${res.text}`);
  assert.ok(res.json && typeof res.json.error === 'object', `not a Graph error body: ${res.text}`);
  const { error } = res.json;
  assert.deepEqual(Object.keys(res.json), ['error']);
  assert.deepEqual(Object.keys(error), ['code', 'message', 'innerError']);
  assert.equal(typeof error.code, 'string');
  assert.ok(error.code.length > 0);
  assert.equal(typeof error.message, 'string');
  assert.ok(error.message.length > 0);
  assert.deepEqual(Object.keys(error.innerError), ['date', 'request-id', 'client-request-id']);
  assert.match(error.innerError.date, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  const requestId = res.headers.get('request-id');
  assert.ok(isGuid(requestId), 'request-id header');
  assert.equal(error.innerError['request-id'], requestId);
  assert.equal(error.innerError['client-request-id'], res.headers.get('client-request-id'));
}

/** Runs `call`, which must throw (or reject), and returns what it threw, for the test to look at. */
export async function thrown(call: () => Promise<unknown>, what = 'the call'): Promise<any> {
  try {
    await call();
  } catch (err) {
    return err;
  }
  assert.fail(`expected ${what} to throw`);
}
