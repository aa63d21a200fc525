// The package as a user installs it: `npm pack`, installed with its production dependencies only into a folder of
// its own, and a consumer project that depends on it. The command runs from there (its bin, compiled JavaScript,
// no TypeScript compiler installed) on the run's store, and the test helper imports from there.
//
// Offline, as every test here: `npm install ./graph-profile-phones-<version>.tgz` needs the registry's package
// documents to pick its dependencies' versions, so the install is done as npm does it for a locked project instead:
// the tarball unpacked, `npm ci --omit=dev --offline` against the npm-shrinkwrap.json it ships (every tarball is in
// npm's cache after the project's own `npm ci`), then the consumer installs that folder. Install scripts are not run
// (better-sqlite3's would compile SQLite for 80-90 s); its compiled addon is copied from the project's own install,
// which `npm ci` built for this same Node.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createTestDatabase, TEST_STORE, type TestDatabase } from './support/postgres.ts';
import { killLeftovers, liveProcesses } from './support/process.ts';

const root = new URL('..', import.meta.url).pathname;
const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };

let work: string;
/** The unpacked package, with its production dependencies. */
let installed: string;
/** A project that depends on the package. */
let consumer: string;
let database: TestDatabase | undefined;
/** The consumer's command, as `npx graph-profile-phones` finds it. */
let bin: string;

/** The environment without the settings a developer's shell might hold, nor this run's TypeScript loader. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DATA_DIR|DATABASE_URL|IN_MEMORY|TLS|HOST|PORT|NODE_OPTIONS)$/.test(k)));
  return env;
}

/** Settings that put the command on this run's store. */
function storeArgs(dataDir: string): string[] {
  return database ? ['--data-dir', dataDir, '--database-url', database.url] : ['--data-dir', dataDir];
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'phones-package-'));
  const npm = (args: string[], cwd: string) => run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, env: cleanEnv(), maxBuffer: 16 << 20 });
  await npm(['pack', '--pack-destination', work], root);
  const tarball = join(work, `${pkg.name}-${pkg.version}.tgz`);
  assert.ok(existsSync(tarball), `npm pack wrote ${tarball}`);
  const unpacked = join(work, 'unpacked');
  mkdirSync(unpacked);
  await run('tar', ['xzf', tarball, '-C', unpacked]);
  installed = join(unpacked, 'package');
  await npm(['ci', '--omit=dev', '--offline', '--ignore-scripts'], installed);
  cpSync(join(root, 'node_modules/better-sqlite3/build'), join(installed, 'node_modules/better-sqlite3/build'), { recursive: true });
  consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  await npm(['install', '--offline', '--ignore-scripts', installed], consumer);
  bin = join(consumer, 'node_modules/.bin/graph-profile-phones');
  if (TEST_STORE === 'postgres') database = await createTestDatabase();
});

after(async () => {
  killLeftovers();
  await database?.drop();
});

describe('the packed package', () => {
  test('holds compiled JavaScript, declaration files and the pinned dependency tree, and nothing of the development tool chain', () => {
    const files = readdirSync(installed, { recursive: true }).map(String).filter((f) => !f.startsWith('node_modules'));
    assert.ok(files.includes('dist/main.js'));
    assert.ok(files.includes('npm-shrinkwrap.json'));
    assert.ok(files.some((f) => f.startsWith('dist/types/') && f.endsWith('.d.ts')));
    assert.equal(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).length, 0, 'no TypeScript source');
    for (const devTool of ['typescript', 'tsx', 'esbuild', 'autocannon']) {
      assert.equal(existsSync(join(installed, 'node_modules', devTool)), false, `${devTool} is not installed`);
    }
  });

  test('the bin is on the consumer\'s path and prints its usage', async () => {
    const { stdout } = await run(bin, ['--help'], { cwd: consumer, env: cleanEnv() });
    assert.match(stdout, /graph-profile-phones/);
    assert.match(stdout, /--in-memory/);
  });

  test('serve, token, export, import and migrate run from the installed package', async () => {
    const dataDir = join(work, 'data');
    const server = spawn(bin, ['--port', '0', ...storeArgs(dataDir)], { cwd: consumer, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    liveProcesses.add(server);
    let stderr = '';
    server.stderr.on('data', (c: Buffer) => (stderr += c));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout.on('data', (c: Buffer) => {
        out += c;
        const listening = /"msg":"listening"/.test(out) && /"url":"([^"]+)"/.exec(out.split('\n').find((l) => l.includes('"msg":"listening"'))!);
        if (listening) resolve(listening[1]!);
      });
      server.on('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
    });
    const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
    try {
      const token = (await run(bin, ['token', '--user', 'adele@contoso.com', ...storeArgs(dataDir)], { cwd: consumer, env: cleanEnv() })).stdout.trim();
      const created = await fetch(`${url}/beta/me/profile/phones`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ number: '+1 425 555 0100', type: 'mobile' }),
      });
      assert.equal(created.status, 201, await created.clone().text());
      const phone = (await created.json()) as { id: string };
      // The web page ships built in the package (dist/web), with its assets.
      const page = await fetch(`${url}/`);
      assert.equal(page.status, 200);
      const html = await page.text();
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      assert.ok(script, html);
      assert.equal((await fetch(`${url}${script}`)).status, 200, script);

      const exported = (await run(bin, ['export', ...storeArgs(dataDir)], { cwd: consumer, env: cleanEnv() })).stdout;
      assert.ok(exported.includes(phone.id), 'the export holds the phone');
      const file = join(work, 'export.jsonl');
      writeFileSync(file, exported);
      const copyDir = join(work, 'copy');
      await run(bin, ['migrate', '--data-dir', copyDir], { cwd: consumer, env: cleanEnv() });
      assert.ok(existsSync(join(copyDir, 'graph.sqlite')), 'migrate made the database');
      await run(bin, ['import', file, '--data-dir', copyDir], { cwd: consumer, env: cleanEnv() });
      const again = (await run(bin, ['export', '--data-dir', copyDir], { cwd: consumer, env: cleanEnv() })).stdout;
      assert.equal(again.split('\n').slice(1).join('\n'), exported.split('\n').slice(1).join('\n'), 'the import holds the same rows');
    } finally {
      server.kill('SIGINT');
    }
    assert.equal(await exited, 0, stderr);
  });

  test('the test helper imports from the consumer as ESM and as CommonJS, and is typed', async () => {
    const script = (load: string) => `${load}
(async () => {
  const graph = await startGraphPhones({ inMemory: true });
  const token = await graph.token('adele@contoso.com');
  const res = await fetch(graph.graphUrl + '/me/profile/phones', {
    method: 'POST',
    headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
    body: JSON.stringify({ number: '+1 425 555 0100' }),
  });
  const journal = graph.requests({ method: 'POST' }).map((e) => e.status);
  await graph.close();
  console.log(JSON.stringify({ status: res.status, journal }));
})();
`;
    writeFileSync(join(consumer, 'esm.mjs'), script("import { startGraphPhones } from 'graph-profile-phones/testing';"));
    writeFileSync(join(consumer, 'cjs.cjs'), script("const { startGraphPhones } = require('graph-profile-phones/testing');"));
    for (const file of ['esm.mjs', 'cjs.cjs']) {
      const { stdout } = await run(process.execPath, [file], { cwd: consumer, env: cleanEnv() });
      assert.deepEqual(JSON.parse(stdout), { status: 201, journal: [201] }, file);
    }
    assert.deepEqual(readdirSync(consumer).sort(), ['cjs.cjs', 'esm.mjs', 'node_modules', 'package-lock.json', 'package.json'], 'in memory: nothing written');

    // The declaration files: a consumer's TypeScript (strict, NodeNext) checks its use of the helper against them.
    writeFileSync(
      join(consumer, 'typed.ts'),
      `import { startGraphPhones, type GraphPhones, type JournalEntry } from 'graph-profile-phones/testing';
const graph: GraphPhones = await startGraphPhones({ inMemory: true, tls: true });
const token: string = await graph.token({ user: 'adele@contoso.com', scopes: ['User.ReadWrite'] });
const entries: JournalEntry[] = graph.requests({ status: '2xx' });
// @ts-expect-error a token is asked for with a userPrincipalName or options, not a number
await graph.token(42);
// @ts-expect-error a fault needs match and respond
graph.fault({ times: 1 });
console.log(token.length, entries.length, graph.ca?.length);
await graph.close();
`,
    );
    await run(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--typeRoots', join(root, 'node_modules/@types'), 'typed.ts'],
      { cwd: consumer, env: cleanEnv() },
    ).catch((err: { stdout: string }) => assert.fail(`the consumer does not type-check:\n${err.stdout}`));
  });
});

