// Container check (`npm run check:container`, not part of `npm test`): builds the image from the Dockerfile and runs
// it the way docs/container.md says, where a Docker daemon is reachable.
//
// Exit codes: 0 every step passed; 1 a step failed; 3 NOT RUN: no Docker daemon could be reached, so nothing was
// checked (never reported as a success).
//
// Steps: build the image; its user is not root and it has a HEALTHCHECK; without ALLOW_DEV_IDENTITY_ON_NETWORK it
// refuses to start; allowed (published on 127.0.0.1 only, a named volume on /data) /health answers 200 and Docker
// reports it healthy; a token from `docker exec <container> graph-profile-phones token` creates and reads a phone;
// `docker stop` (SIGTERM to node as PID 1, with the drain) exits 0; a second container on the same volume reads the
// phone with the same token (key and database kept on the volume by the non-root user); IDENTITY=entra starts
// without being allowed anything, answers 401 to an anonymous request, and its token command refuses. The containers,
// the volume and the image are removed however the check ends.
//
// Environment: DOCKER_HOST and the other Docker client settings as usual.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NOT_RUN = 3;
const RUN_ID = randomBytes(4).toString('hex');
const IMAGE = `graph-profile-phones-check:${RUN_ID}`;
const VOLUME = `graph-profile-phones-check-${RUN_ID}`;
const USER = 'adele@contoso.com';
const PHONE = { number: '+1 425 555 0100', type: 'mobile' };
const ENTRA_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

const containers = new Set<string>();
let imageBuilt = false;
let volumeCreated = false;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the docker client; resolves with its exit code and output whatever the code (-1: it could not be started). */
function docker(args: string[], timeoutMs = 120_000): Promise<Ran> {
  return new Promise((resolve) => {
    execFile('docker', args, { timeout: timeoutMs, maxBuffer: 64 * 2 ** 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout: stdout.toString(), stderr: err && code === -1 ? `${stderr}${err.message}` : stderr.toString() });
    });
  });
}

/** docker that must succeed: its stdout, trimmed. */
async function dockerOk(args: string[], timeoutMs?: number): Promise<string> {
  const r = await docker(args, timeoutMs);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.code}:\n${r.stderr || r.stdout}`);
  return r.stdout.trim();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let stepCount = 0;
async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  stepCount++;
  process.stdout.write(`# ${name}\n`);
  try {
    const result = await run();
    process.stdout.write(`ok ${stepCount} - ${name}\n`);
    return result;
  } catch (err) {
    process.stdout.write(`not ok ${stepCount} - ${name}\n`);
    throw err;
  }
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

// ---------------------------------------------------------------------------------------------------------------
// Containers

/** Starts the image detached, published on 127.0.0.1 only at a port of Docker's choosing; its name. */
async function runDetached(role: string, options: string[]): Promise<string> {
  const name = `graph-profile-phones-check-${RUN_ID}-${role}`;
  containers.add(name);
  await dockerOk(['run', '--detach', '--name', name, '--publish', '127.0.0.1::8080', ...options, IMAGE]);
  return name;
}

async function baseUrl(container: string): Promise<string> {
  const ports = await dockerOk(['port', container, '8080/tcp']);
  const port = /^127\.0\.0\.1:(\d+)$/m.exec(ports)?.[1];
  check(port !== undefined, `no 127.0.0.1 port published for ${container}: ${ports}`);
  return `http://127.0.0.1:${port}`;
}

async function state(container: string): Promise<{ status: string; health: string; exitCode: number }> {
  const out = await dockerOk(['inspect', '--format', '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.ExitCode}}', container]);
  const [status = '', health = '', exitCode = ''] = out.split(' ');
  return { status, health, exitCode: Number(exitCode) };
}

async function logs(container: string): Promise<string> {
  const r = await docker(['logs', '--tail', '40', container]);
  return `${r.stdout}${r.stderr}`;
}

/** Polls /health until it answers 200; fails at once if the container stops. */
async function waitForHealth200(container: string, base: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await state(container);
    if (s.status !== 'running') throw new Error(`${container} is ${s.status} (exit ${s.exitCode}):\n${await logs(container)}`);
    try {
      const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(3000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) throw new Error(`${container}: /health not 200 after ${timeoutMs} ms:\n${await logs(container)}`);
    await sleep(250);
  }
}

/** Waits for Docker's own verdict from the image's HEALTHCHECK (its first run is one interval after the start). */
async function waitForHealthy(container: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await state(container);
    if (s.health === 'healthy') return;
    if (s.health === 'unhealthy' || s.health === 'none' || s.status !== 'running') {
      const detail = await docker(['inspect', '--format', '{{json .State.Health}}', container]);
      throw new Error(`${container}: health ${s.health}, status ${s.status}: ${detail.stdout}\n${await logs(container)}`);
    }
    if (Date.now() > deadline) throw new Error(`${container}: still '${s.health}' after ${timeoutMs} ms`);
    await sleep(1000);
  }
}

/** `docker stop` sends SIGTERM; the service drains (DRAIN_SECONDS, 5 by default) and must exit 0 on its own. */
async function stopCleanly(container: string): Promise<void> {
  await dockerOk(['stop', '--time', '60', container], 90_000);
  const s = await state(container);
  check(s.exitCode === 0, `${container} exited ${s.exitCode} after SIGTERM:\n${await logs(container)}`);
  check(/"msg":"stopped"/.test(await logs(container)), `${container}: no 'stopped' line in its log`);
}

async function request(method: string, url: string, token: string | undefined, body?: unknown): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

// ---------------------------------------------------------------------------------------------------------------

async function cleanUp(): Promise<void> {
  for (const c of containers) await docker(['rm', '--force', '--volumes', c]);
  containers.clear();
  if (volumeCreated) await docker(['volume', 'rm', '--force', VOLUME]);
  volumeCreated = false;
  if (imageBuilt) await docker(['image', 'rm', '--force', IMAGE]);
  imageBuilt = false;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: removing the check's containers, volume and image\n`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function main(): Promise<number> {
  const info = await docker(['info', '--format', '{{.ServerVersion}}'], 30_000);
  if (info.code !== 0 || !info.stdout.trim()) {
    const why = (info.stderr || info.stdout).trim().split('\n').slice(-2).join(' ');
    process.stderr.write(`NOT RUN: no Docker daemon reachable (docker info: ${why || `exit ${info.code}`}).\nNothing was checked: the image was not built.\n`);
    return NOT_RUN;
  }
  process.stdout.write(`# Docker ${info.stdout.trim()}; image ${IMAGE}\n`);

  await step('the image builds from the Dockerfile', async () => {
    imageBuilt = true; // a half-built tag is removed too
    const code = await new Promise<number>((resolve) => {
      const build = spawn('docker', ['build', '--tag', IMAGE, ROOT], { stdio: ['ignore', 'inherit', 'inherit'] });
      build.on('error', () => resolve(-1));
      build.on('exit', (c) => resolve(c ?? -1));
    });
    check(code === 0, `docker build exited ${code}`);
  });

  await step('the image runs as a non-root user and has a HEALTHCHECK', async () => {
    const user = await dockerOk(['image', 'inspect', '--format', '{{.Config.User}}', IMAGE]);
    check(user !== '' && user !== 'root' && user !== '0', `image user '${user}'`);
    const health = await dockerOk(['image', 'inspect', '--format', '{{json .Config.Healthcheck}}', IMAGE]);
    check(/\/health/.test(health), `HEALTHCHECK: ${health}`);
  });

  await step('without ALLOW_DEV_IDENTITY_ON_NETWORK, development identity refuses to listen on 0.0.0.0', async () => {
    const name = `graph-profile-phones-check-${RUN_ID}-refused`;
    containers.add(name);
    const r = await docker(['run', '--rm', '--name', name, IMAGE], 60_000);
    check(r.code === 2, `expected exit 2, got ${r.code}:\n${r.stdout}${r.stderr}`);
    check(/Refusing to listen on 0\.0\.0\.0/.test(r.stderr), `no refusal on stderr:\n${r.stderr}`);
  });

  await dockerOk(['volume', 'create', VOLUME]);
  volumeCreated = true;
  const devOptions = ['--env', 'ALLOW_DEV_IDENTITY_ON_NETWORK=true', '--volume', `${VOLUME}:/data`];

  const first = await runDetached('dev-1', devOptions);
  const base = await baseUrl(first);
  await step('allowed explicitly: /health answers 200 on the published port', () => waitForHealth200(first, base));
  await step("Docker reports the container healthy (the image's HEALTHCHECK)", () => waitForHealthy(first));
  await step('the service runs as a user other than root', async () => {
    const uid = await dockerOk(['exec', first, 'id', '-u']);
    check(uid !== '0', `uid ${uid}`);
  });
  const token = await step('`docker exec <container> graph-profile-phones token --user ...` mints a token', async () => {
    const t = await dockerOk(['exec', first, 'graph-profile-phones', 'token', '--user', USER]);
    check(/^[\w-]+\.[\w-]+\.[\w-]+$/.test(t), `not a token: ${t}`);
    return t;
  });
  const phoneId = await step('with it, a phone is created and read back', async () => {
    const created = await request('POST', `${base}/beta/me/profile/phones`, token, PHONE);
    check(created.status === 201, `POST: ${created.status} ${JSON.stringify(created.json)}`);
    const read = await request('GET', `${base}/beta/me/profile/phones/${created.json.id}`, token);
    check(read.status === 200 && read.json.number === PHONE.number, `GET: ${read.status} ${JSON.stringify(read.json)}`);
    return created.json.id as string;
  });
  await step('`docker stop` (SIGTERM to node as PID 1) drains and exits 0', () => stopCleanly(first));

  const second = await runDetached('dev-2', devOptions);
  const base2 = await baseUrl(second);
  await step('a new container on the same volume keeps the key and the data: the same token reads the phone', async () => {
    await waitForHealth200(second, base2);
    const read = await request('GET', `${base2}/beta/me/profile/phones/${phoneId}`, token);
    check(read.status === 200 && read.json.number === PHONE.number, `GET: ${read.status} ${JSON.stringify(read.json)}`);
  });
  await step('the second container stops with exit 0 too', () => stopCleanly(second));

  const entra = await runDetached('entra', ['--env', 'IDENTITY=entra', '--env', `ENTRA_TENANTS=${ENTRA_TENANT}`]);
  const base3 = await baseUrl(entra);
  await step('IDENTITY=entra starts on 0.0.0.0 without being allowed anything, and refuses an anonymous request', async () => {
    await waitForHealth200(entra, base3);
    const anonymous = await request('GET', `${base3}/beta/me/profile/phones`, undefined);
    check(anonymous.status === 401, `anonymous GET: ${anonymous.status}`);
    const minted = await docker(['exec', entra, 'graph-profile-phones', 'token', '--user', USER]);
    check(minted.code === 2 && /IDENTITY is entra/.test(minted.stderr), `token command in entra mode: exit ${minted.code} ${minted.stderr}`);
  });
  await step('the entra container stops with exit 0', () => stopCleanly(entra));
  return 0;
}

main()
  .catch(async (err: unknown) => {
    process.stderr.write(`container check FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  })
  .then(async (code) => {
    await cleanUp();
    if (code === 0) process.stdout.write(`container check: all ${stepCount} steps passed\n`);
    process.exitCode = code;
  });
