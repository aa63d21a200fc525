// Runs every test file under test/ with Node's test runner (TAP summary lines are what CI reads).
// A script rather than a shell glob: Node 20 neither expands quoted globs nor finds .ts files itself.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('.', import.meta.url).pathname;
const files = readdirSync(root, { recursive: true })
  .filter((f) => String(f).endsWith('.test.ts'))
  .map((f) => join(root, String(f)))
  .sort();
if (files.length === 0) {
  console.error('no test files found under test/');
  process.exit(1);
}
const only = process.argv.slice(2);
const chosen = only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files;
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', ...chosen], { stdio: 'inherit' });
process.exit(result.status ?? 1);
