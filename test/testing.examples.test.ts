// The README's test helper examples (examples/testing/): each suite is in the README verbatim (Jest's is linked), and
// runs here as a developer runs it, with its own runner in a process of its own from the repository root, importing
// the built package by its name. Each run must pass every test its file declares, by name, so that a runner that finds
// no tests (or another file's) fails here.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

const root = new URL('..', import.meta.url).pathname;
const dir = 'examples/testing';
let work: string;

before(() => {
  // test/run.mjs builds dist/ first; the examples load it through the package's "exports", as an installed copy would.
  assert.ok(existsSync(join(root, 'dist/testing.js')) && existsSync(join(root, 'dist/testing.cjs')), 'dist/ is built (node scripts/build.mjs)');
  work = mkdtempSync(join(tmpdir(), 'phones-testing-examples-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

test("the README shows the node:test and Vitest suites verbatim, and links Jest's", () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  for (const file of [`${dir}/node-test.test.ts`, `${dir}/vitest.test.ts`, `${dir}/vitest.config.ts`]) {
    const block = new RegExp(`<!-- example:${file} -->\\n\`\`\`ts\\n([\\s\\S]*?)\`\`\`\\n`).exec(readme);
    assert.ok(block, `README has a block marked <!-- example:${file} -->`);
    assert.equal(block[1], readFileSync(join(root, file), 'utf8'), `README's ${file} matches the file`);
  }
  for (const file of [`${dir}/jest.test.cjs`, `${dir}/jest.config.cjs`]) {
    assert.ok(readme.includes(`](${file})`), `README links ${file}`);
  }
});

/** The names of the tests a suite file declares: `test('...', ...)` at the start of a line. */
function declaredTests(file: string): string[] {
  const names = [...readFileSync(join(root, file), 'utf8').matchAll(/^test\('([^']+)'/gm)].map((m) => m[1]!);
  assert.ok(names.length >= 3, `${file} declares its tests`);
  return names;
}

/** Runs a command from the repository root as CI would: no colours, no watching, no TTY, not inside this test run. */
function run(args: string[]): Promise<{ code: number; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', NO_COLOR: '1', TERM: 'dumb' };
  // NODE_TEST_CONTEXT would make the child node:test report to this run's runner instead of printing its own results.
  for (const name of ['NODE_TEST_CONTEXT', 'NODE_OPTIONS', 'FORCE_COLOR']) delete env[name];
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c));
  child.stderr.on('data', (c: Buffer) => (output += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, output })));
}

/** What the JSON reporters of Vitest and Jest (the same shape) say about one run. */
interface JsonReport {
  numTotalTests: number;
  numPassedTests: number;
  testResults: { name: string; assertionResults: { title: string; status: string }[] }[];
}

function assertPassedOnly(report: JsonReport, file: string, output: string): void {
  assert.deepEqual(report.testResults.map((r) => r.name), [join(root, file)], `only ${file} ran\n${output}`);
  const results = report.testResults[0]!.assertionResults.map((a) => [a.title, a.status]);
  assert.deepEqual(results, declaredTests(file).map((name) => [name, 'passed']), output);
  assert.equal(report.numPassedTests, report.numTotalTests);
}

test('node:test: node --import tsx --test runs the suite, and every test passes', async () => {
  const file = `${dir}/node-test.test.ts`;
  const { code, output } = await run(['--import', 'tsx', '--test', '--test-reporter=tap', file]);
  assert.equal(code, 0, output);
  const passed = [...output.matchAll(/^ok \d+ - (.+)$/gm)].map((m) => m[1]);
  assert.deepEqual(passed, declaredTests(file), output);
  assert.match(output, /^# fail 0$/m);
});

test('Vitest: vitest run with the example config runs that suite alone, and every test passes', async () => {
  const file = `${dir}/vitest.test.ts`;
  const report = join(work, 'vitest.json');
  const hadCache = existsSync(join(root, 'node_modules/.vite'));
  // --no-cache: Vitest would keep its results cache in node_modules/.vite (node_modules may be shared with other clones).
  const { code, output } = await run(['node_modules/vitest/vitest.mjs', 'run', '--config', `${dir}/vitest.config.ts`, '--no-cache', '--reporter=json', `--outputFile=${report}`]);
  assert.equal(code, 0, output);
  assertPassedOnly(JSON.parse(readFileSync(report, 'utf8')) as JsonReport, file, output);
  if (!hadCache) assert.equal(existsSync(join(root, 'node_modules/.vite')), false, 'Vitest wrote no cache');
});

test('Jest (CommonJS, no transform): jest with the example config runs that suite alone, and every test passes', async () => {
  const file = `${dir}/jest.test.cjs`;
  const report = join(work, 'jest.json');
  const { code, output } = await run([
    'node_modules/jest/bin/jest.js',
    '--config', `${dir}/jest.config.cjs`,
    '--ci',
    '--no-watchman',
    '--cacheDirectory', join(work, 'jest-cache'),
    '--json', `--outputFile=${report}`,
  ]);
  assert.equal(code, 0, output);
  assertPassedOnly(JSON.parse(readFileSync(report, 'utf8')) as JsonReport, file, output);
});
