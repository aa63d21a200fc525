// The development issuer's key: created once, even when several processes start at the same moment.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEV_ISSUER_KEY_FILE, loadOrCreateDevKey } from '../src/identity/devIssuer.ts';

test('instances starting together on an empty DATA_DIR end up with one and the same key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dev-key-'));
  try {
    const keys = await Promise.all(Array.from({ length: 12 }, () => loadOrCreateDevKey(dir)));
    assert.equal(new Set(keys.map((k) => k.kid)).size, 1);
    assert.equal((await loadOrCreateDevKey(dir)).kid, keys[0]!.kid);
    assert.deepEqual(readdirSync(dir), [DEV_ISSUER_KEY_FILE], 'no temporary files left behind');
    assert.equal(statSync(join(dir, DEV_ISSUER_KEY_FILE)).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
