// The README's "Use it from your app" examples. Each examples/*.ts file is in the README verbatim, and runs here
// as an app developer runs it: in its own process, against a running service, over http and over https. Over
// https the process trusts the development certificate through NODE_EXTRA_CA_CERTS and nothing else; without it
// the https example fails, which shows the certificate really is checked.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEV_CERT_FILE } from '../src/tls.ts';
import { isGuid, startTestService, type TestService } from './support/service.ts';

const root = new URL('..', import.meta.url).pathname;
const EXAMPLES = ['examples/graph-client-v3.ts', 'examples/graph-client-v3-http.ts', 'examples/kiota.ts', 'examples/kiota-navigation.ts'];

test('the README shows every example file verbatim', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  for (const file of EXAMPLES) {
    const block = new RegExp(`<!-- example:${file} -->\\n\`\`\`ts\\n([\\s\\S]*?)\`\`\`\\n`).exec(readme);
    assert.ok(block, `README has a block marked <!-- example:${file} -->`);
    assert.equal(block[1], readFileSync(join(root, file), 'utf8'), `README's ${file} matches the file`);
  }
});

/** Runs an example as `node --import tsx <file>` with only the settings its header names. */
function runExample(file: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const inherited = { ...process.env };
  delete inherited.NODE_EXTRA_CA_CERTS;
  delete inherited.NODE_TLS_REJECT_UNAUTHORIZED;
  const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: root, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr })));
}

const cases = [
  { file: 'examples/graph-client-v3.ts', scheme: 'https' },
  { file: 'examples/graph-client-v3-http.ts', scheme: 'http' },
  { file: 'examples/kiota.ts', scheme: 'http' },
  { file: 'examples/kiota.ts', scheme: 'https' },
] as const;

for (const scheme of ['http', 'https'] as const) {
  describe(`examples over ${scheme}`, () => {
    let svc: TestService;
    before(async () => {
      svc = await startTestService(scheme === 'https' ? ['--tls', 'true'] : []);
    });
    after(() => svc.stop());

    for (const { file } of cases.filter((c) => c.scheme === scheme)) {
      test(`${file}: create, update, list across pages, delete, and the error after`, async () => {
        const user = `${file.replace(/\W/g, '.')}.${scheme}@contoso.com`;
        const token = await svc.token(['--user', user]);
        // Three phones already there, so that $top=2 makes two pages once the example adds its own.
        for (const n of ['1', '2', '3']) assert.equal((await svc.request('POST', '/beta/me/profile/phones', { token, body: { number: `+1 555 010${n}` } })).status, 201);
        const env: Record<string, string> = { GRAPH_BASE_URL: svc.url, GRAPH_TOKEN: token };
        if (scheme === 'https') env.NODE_EXTRA_CA_CERTS = join(svc.dataDir, DEV_CERT_FILE);
        const run = await runExample(file, env);
        assert.equal(run.code, 0, `exit ${run.code}\n${run.stdout}\n${run.stderr}`);
        const lines = run.stdout.trim().split('\n');
        assert.equal(lines.length, 4, run.stdout);
        const [, id, ...number] = lines[0]!.split(' ');
        assert.equal(lines[0]!.split(' ')[0], 'created');
        assert.ok(isGuid(id), lines[0]);
        assert.equal(number.join(' '), '+7 499 342 22 13');
        assert.equal(lines[1], 'updated Car');
        // v3 over http cannot follow nextLink (graph-clients.md, trap 2): that example lists one page.
        assert.equal(lines[2], file === 'examples/graph-client-v3-http.ts' ? 'listed 2' : 'listed 4');
        assert.match(lines[3]!, /^after delete 404 itemNotFound [0-9a-f-]{36}$/);
        // What the service holds afterwards: the three phones, not the example's.
        const list = await svc.request('GET', '/beta/me/profile/phones', { token });
        assert.deepEqual(list.json.value.map((p: { number: string }) => p.number).sort(), ['+1 555 0101', '+1 555 0102', '+1 555 0103']);
      });
    }

    if (scheme === 'https') {
      test('without NODE_EXTRA_CA_CERTS the https example is refused by certificate checking', async () => {
        const token = await svc.token(['--user', 'untrusting@contoso.com']);
        const run = await runExample('examples/graph-client-v3.ts', { GRAPH_BASE_URL: svc.url, GRAPH_TOKEN: token });
        assert.notEqual(run.code, 0);
        // The v3 client wraps fetch's error in a GraphError whose body is "fetch failed" (the certificate error is
        // its cause, which it drops); the same run with NODE_EXTRA_CA_CERTS passes above, and nothing reached the service.
        assert.match(run.stderr, /fetch failed[\s\S]*statusCode: -1/);
        const list = await svc.request('GET', '/beta/me/profile/phones', { token });
        assert.deepEqual(list.json.value, []);
      });
    }
  });
}
