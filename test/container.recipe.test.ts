// The container image's recipe, checked without Docker (no daemon here): what the issue asks of the Dockerfile and
// .dockerignore, read from the files, and the image's settings, entry command and HEALTHCHECK run against the built
// command (dist/main.js standing in for the copy the image installs). The image itself is never built by this file:
// checks/container.ts does that where a Docker daemon is reachable. Installing the packed tarball is the package test's.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; bin: Record<string, string>; files: string[] };

// ---------------------------------------------------------------------------------------------------------------
// Reading the Dockerfile: instructions (continuation lines joined, comments dropped), split into stages at FROM.

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

function parseDockerfile(text: string): Instruction[][] {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue; // Docker drops comment lines inside a continuation too
    pending += `${line.replace(/\\$/, '').trim()} `;
    if (line.endsWith('\\')) continue;
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(pending.trim())!;
    instructions.push({ keyword: keyword!.toUpperCase(), args: args! });
    pending = '';
  }
  const stages: Instruction[][] = [];
  for (const i of instructions) {
    if (i.keyword === 'FROM') stages.push([]);
    stages.at(-1)?.push(i); // the ARGs before the first FROM belong to no stage
  }
  return stages;
}

const stages = parseDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8'));
const [buildStage = [], runtime = []] = stages;
const all = (stage: Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword).map((i) => i.args);
const one = (stage: Instruction[], keyword: string) => {
  const found = all(stage, keyword);
  assert.equal(found.length, 1, `one ${keyword} in the stage, found ${found.length}`);
  return found[0]!;
};

/** The runtime stage's ENV (NAME=value pairs; values that refer to other variables, such as PATH's, left out). */
function runtimeEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const args of all(runtime, 'ENV')) {
    for (const [, name, value] of args.matchAll(/(\w+)=(\S+)/g)) env[name!] = value!;
  }
  return env;
}
const IMAGE_ENV = runtimeEnv();

/** The ENTRYPOINT's script inside the image, and where the same file is in this project (after the build). */
function entryScript(): { inImage: string; here: string } {
  const entrypoint = JSON.parse(one(runtime, 'ENTRYPOINT')) as string[];
  assert.equal(entrypoint.length, 2, 'ENTRYPOINT is ["node", "<script>"]');
  assert.equal(entrypoint[0], 'node');
  const prefix = `/app/node_modules/${pkg.name}/`;
  assert.ok(entrypoint[1]!.startsWith(prefix), `the entry point runs the installed package: ${entrypoint[1]}`);
  return { inImage: entrypoint[1]!, here: join(root, entrypoint[1]!.slice(prefix.length)) };
}

/** The HEALTHCHECK's command (exec form), with its options. */
function healthCheck(): { options: string; command: string[] } {
  const [, options, json] = /^(.*?)\s*CMD\s+(\[.*\])$/.exec(one(runtime, 'HEALTHCHECK'))!;
  return { options: options!, command: JSON.parse(json!) as string[] };
}

describe('Dockerfile', () => {
  test('two stages: the build stage packs the package and installs the tarball into an empty /app with production dependencies only', () => {
    assert.equal(stages.length, 2);
    assert.match(buildStage[0]!.args, /^node:\S+-bookworm AS build$/, 'a full Debian image: python3, make and g++ for better-sqlite3');
    const runs = all(buildStage, 'RUN');
    assert.ok(runs.some((r) => /^npm ci\b/.test(r)), 'npm ci: the lockfile\'s versions to build with');
    assert.ok(runs.some((r) => /^npm pack\b/.test(r)), 'npm pack: the tarball, built by prepack');
    // Where the install runs: the last WORKDIR before it, and nothing copied there before it.
    const installAt = buildStage.findIndex((i) => i.keyword === 'RUN' && /npm install --omit=dev .*\/graph-profile-phones-\*\.tgz/.test(i.args));
    assert.ok(installAt > 0, 'npm install --omit=dev of the packed tarball');
    const workdirs = buildStage.slice(0, installAt).filter((i) => i.keyword === 'WORKDIR');
    assert.equal(workdirs.at(-1)?.args, '/app');
    const sinceWorkdir = buildStage.slice(buildStage.lastIndexOf(workdirs.at(-1)!), installAt);
    assert.deepEqual(sinceWorkdir.filter((i) => i.keyword !== 'WORKDIR'), [], 'the tarball is installed into an empty folder');
    assert.doesNotMatch(buildStage[installAt]!.args, /npm install(?! --omit=dev)/, 'no other install into /app');
  });

  test('the runtime stage is slim and gets only the installed package: no sources, no npm install, no dev dependencies', () => {
    assert.match(runtime[0]!.args, /^node:\S+-bookworm-slim$/);
    assert.deepEqual(all(runtime, 'COPY'), ['--from=build /app /app']);
    assert.deepEqual(all(runtime, 'ADD'), []);
    for (const r of all(runtime, 'RUN')) assert.doesNotMatch(r, /\bnpm\b/, `the runtime stage installs nothing: ${r}`);
  });

  test('runs as the non-root user node, with DATA_DIR a volume that user owns', () => {
    const users = all(runtime, 'USER');
    assert.equal(users.at(-1), 'node');
    assert.equal(IMAGE_ENV.DATA_DIR, '/data');
    assert.deepEqual(all(runtime, 'VOLUME'), ['/data']);
    const userAt = runtime.findIndex((i) => i.keyword === 'USER');
    assert.ok(
      runtime.slice(0, userAt).some((i) => i.keyword === 'RUN' && /mkdir \/data/.test(i.args) && /chown node:node \/data/.test(i.args)),
      '/data made and given to node before USER (a named volume copies that ownership)',
    );
  });

  test('listens on 0.0.0.0 at the exposed port, and does not allow development identity on the network itself', () => {
    assert.equal(IMAGE_ENV.HOST, '0.0.0.0');
    assert.deepEqual(all(runtime, 'EXPOSE'), [IMAGE_ENV.PORT]);
    for (const stage of stages) {
      for (const i of stage) {
        assert.doesNotMatch(i.args, /ALLOW_DEV_IDENTITY_ON_NETWORK|allow-dev-identity-on-network/i, `${i.keyword} ${i.args}`);
        assert.doesNotMatch(i.args, /IDENTITY=/, 'the identity mode is the caller\'s choice');
      }
    }
  });

  test("the entry point is the package's bin run by node (PID 1 gets the signals), and the bin is on PATH for docker exec", () => {
    const { inImage } = entryScript();
    assert.equal(inImage, posix.join('/app/node_modules', pkg.name, pkg.bin[pkg.name]!));
    assert.ok(pkg.files.some((f) => pkg.bin[pkg.name]!.startsWith(`${f}/`)), 'the bin is in the packed files');
    assert.deepEqual(all(runtime, 'CMD'), [], 'no arguments: serve with the settings from the environment');
    assert.ok(all(runtime, 'ENV').some((e) => /PATH=\/app\/node_modules\/\.bin:\$PATH/.test(e)));
  });

  test('the HEALTHCHECK asks /health with node (the slim image has no curl)', () => {
    const { options, command } = healthCheck();
    assert.equal(command[0], 'node');
    assert.match(command.join(' '), /\/health/);
    assert.match(options, /--interval=\d+s/);
    assert.match(options, /--timeout=\d+s/);
  });
});

describe('.dockerignore', () => {
  const patterns = readFileSync(join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  // The matcher below knows plain names and *.ext only; a pattern of another form must be taught to it first.
  const excluded = (path: string) =>
    patterns.some((p) => (p.startsWith('*.') ? !path.includes('/') && path.endsWith(p.slice(1)) : path === p || path.startsWith(`${p}/`)));

  test('patterns are plain names or *.ext (what this test can match)', () => {
    for (const p of patterns) assert.match(p, /^(\*\.[\w]+|[\w.-]+)$/, p);
  });

  test('keeps out data/ (the development token key), what the build makes, and the git history', () => {
    for (const path of ['data', 'data/dev-issuer-key.json', 'node_modules', 'dist', '.git', 'graph-profile-phones-0.1.0.tgz']) {
      assert.ok(excluded(path), path);
    }
  });

  test('keeps in everything the package is built and packed from', () => {
    // What scripts/build.mjs reads (newestInput), what npm ci reads, and the packed files the build does not make.
    const inputs = ['package.json', 'package-lock.json', 'scripts/build.mjs', 'tsconfig.json', 'tsconfig.build.json', 'src/main.ts', 'README.md'];
    for (const f of pkg.files.filter((f) => f !== 'dist')) inputs.push(f);
    for (const path of inputs) assert.ok(!excluded(path), path);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The image's settings on the built command: ENTRYPOINT with the runtime stage's ENV, as `docker run` starts it.

const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** The image's environment (nothing from this shell's), with a temporary DATA_DIR and `extra` (docker run -e). */
function imageEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, ...IMAGE_ENV, DATA_DIR: mkdtempSync(join(tmpdir(), 'phones-image-')), ...extra };
}

interface Started {
  child: ChildProcess;
  port: number;
  exited: Promise<number | null>;
  stderr(): string;
}

/** Runs the ENTRYPOINT (no arguments, as the image has no CMD) and waits for its 'listening' line. */
function runEntrypoint(env: NodeJS.ProcessEnv): Promise<Started> {
  const child = spawn(process.execPath, [entryScript().here], { env, cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`not listening after 30 s: ${stderr}`));
    }, 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg !== 'listening') return;
      clearTimeout(timer);
      resolve({ child, port: Number(new URL(entry.url!).port), exited, stderr: () => stderr });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`exited with ${code} before listening: ${stderr}`), { code, stderr }));
    });
  });
}

/** Runs a command line (HEALTHCHECK's, or `docker exec`'s) with `env`; its exit code and output. */
function runCommand(command: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  const [file, ...args] = command;
  return new Promise((resolve) => {
    execFile(file === 'node' ? process.execPath : file!, args, { env, cwd: root, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** The HEALTHCHECK's command as Docker runs it in the container: with the container's environment. */
const runHealthCheck = (env: NodeJS.ProcessEnv, port: number) => runCommand(healthCheck().command, { ...env, PORT: String(port) });

/** `docker exec <container> graph-profile-phones token ...`: the bin with the container's environment. */
const execToken = (env: NodeJS.ProcessEnv, ...args: string[]) => runCommand(['node', entryScript().here, 'token', ...args], env);

describe("the image's settings, entry command and HEALTHCHECK, run on the built command (not in a container)", () => {
  test('without ALLOW_DEV_IDENTITY_ON_NETWORK the entry command refuses to start on 0.0.0.0 with development identity', async () => {
    await assert.rejects(runEntrypoint(imageEnv({ PORT: '0' })), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr, /Refusing to listen on 0\.0\.0\.0 with IDENTITY=development/);
      assert.match(err.stderr, /ALLOW_DEV_IDENTITY_ON_NETWORK=true/);
      return true;
    });
  });

  test('allowed explicitly: the HEALTHCHECK passes, a token from `token` in the same environment is accepted, SIGTERM exits 0, then the HEALTHCHECK fails', async () => {
    // PORT=0 picks a free port; the HEALTHCHECK is given the port taken, as PORT=8080 gives both in the image.
    // DRAIN_SECONDS=0 only to keep the test short (the drain itself is tested in service.shutdown).
    const env = imageEnv({ PORT: '0', ALLOW_DEV_IDENTITY_ON_NETWORK: 'true', DRAIN_SECONDS: '0' });
    const s = await runEntrypoint(env);
    const check = await runHealthCheck(env, s.port);
    assert.equal(check.code, 0, check.stderr);

    const token = await execToken(env, '--user', 'adele@contoso.com');
    assert.equal(token.code, 0, token.stderr);
    const base = `http://127.0.0.1:${s.port}/beta/me/profile/phones`;
    const headers = { authorization: `Bearer ${token.stdout.trim()}`, 'content-type': 'application/json' };
    const created = await fetch(base, { method: 'POST', headers, body: JSON.stringify({ number: '+1 425 555 0100', type: 'mobile' }) });
    assert.equal(created.status, 201, await created.clone().text());
    const { id } = (await created.json()) as { id: string };
    const read = await fetch(`${base}/${id}`, { headers });
    assert.equal(read.status, 200);
    assert.equal(((await read.json()) as { number: string }).number, '+1 425 555 0100');

    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0, s.stderr());
    const down = await runHealthCheck(env, s.port);
    assert.notEqual(down.code, 0, 'the HEALTHCHECK fails when nothing answers');
  });

  test('with TLS=true the HEALTHCHECK asks over https (the development certificate is self-signed)', async () => {
    const env = imageEnv({ PORT: '0', ALLOW_DEV_IDENTITY_ON_NETWORK: 'true', TLS: 'true' });
    const s = await runEntrypoint(env);
    try {
      const check = await runHealthCheck(env, s.port);
      assert.equal(check.code, 0, check.stderr);
    } finally {
      s.child.kill('SIGINT');
      assert.equal(await s.exited, 0);
    }
  });

  test('IDENTITY=entra starts on 0.0.0.0 with nothing allowed, passes the HEALTHCHECK, refuses anonymous requests, and the token command refuses to mint', async () => {
    const env = imageEnv({ PORT: '0', IDENTITY: 'entra', ENTRA_TENANTS: '72f988bf-86f1-41af-91ab-2d7cd011db47' });
    const s = await runEntrypoint(env);
    try {
      const check = await runHealthCheck(env, s.port);
      assert.equal(check.code, 0, check.stderr);
      const anonymous = await fetch(`http://127.0.0.1:${s.port}/beta/me/profile/phones`);
      assert.equal(anonymous.status, 401);
      await anonymous.arrayBuffer();
      const token = await execToken(env, '--user', 'adele@contoso.com');
      assert.equal(token.code, 2);
      assert.match(token.stderr, /IDENTITY is entra/);
    } finally {
      s.child.kill('SIGINT');
      assert.equal(await s.exited, 0);
    }
  });
});

describe('checks/container.ts (npm run check:container)', () => {
  test('with no Docker daemon reachable it says that nothing was checked and exits 3, never 0', async () => {
    const env = { ...process.env, DOCKER_HOST: `unix://${join(tmpdir(), 'no-docker-here', 'docker.sock')}` };
    const r = await runCommand(['node', '--import', 'tsx', join(root, 'checks/container.ts')], env);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stderr, /NOT RUN: no Docker daemon reachable/);
    assert.doesNotMatch(r.stdout + r.stderr, /passed/i);
  });
});
