// The benchmark's child processes (bench/run.ts, bench/startup.ts): every one is tracked until it has exited, and
// killed on any way out of the bench process; so is every temporary data dir removed.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SETTINGS } from '../src/config.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STOP_GRACE_MS = 5_000;

export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly exited: Promise<void>;
  /** The last few KB of its stdout and stderr, shown when something goes wrong. */
  output(): string;
}

const children = new Set<Child>();
const tempDirs = new Set<string>();

/** `node <args>` in the project's folder, with none of the service's settings from the caller's environment. */
export function startChild(name: string, args: string[]): Child {
  const env = { ...process.env };
  // The service's settings come from the flags the bench gives only, never from the caller's environment.
  for (const s of SETTINGS) delete env[s.env];
  const proc = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-8192);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    proc.once('exit', () => resolve());
    proc.once('error', (err) => {
      keep(Buffer.from(`spawn error: ${err.message}\n`));
      resolve();
    });
  });
  const child: Child = { name, proc, exited, output: () => tail };
  children.add(child);
  void exited.then(() => children.delete(child));
  return child;
}

export const hasExited = (c: Child) => c.proc.exitCode !== null || c.proc.signalCode !== null;

/** Sends `signal` (SIGTERM: the service drains first; SIGINT: it stops at once), SIGKILL if it overstays. */
export async function stopChild(c: Child, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (hasExited(c)) return;
  c.proc.kill(signal);
  const timer = setTimeout(() => c.proc.kill('SIGKILL'), STOP_GRACE_MS);
  await c.exited;
  clearTimeout(timer);
}

/** Every child still running, with SIGINT: the service stops at once (SIGTERM would first drain for DRAIN_SECONDS). */
export const stopAll = () => Promise.all([...children].map((c) => stopChild(c, 'SIGINT')));

export async function makeTempDir(): Promise<string> {
  const dir = await mkdtemp(join(os.tmpdir(), 'gpp-bench-'));
  tempDirs.add(dir);
  return dir;
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

// Last resort: whatever way this process ends, no child outlives it and no data dir stays behind.
process.on('exit', () => {
  for (const c of children) if (!hasExited(c)) c.proc.kill('SIGKILL');
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});
