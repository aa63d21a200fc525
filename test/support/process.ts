// The service as its own process, the way `npm start` runs it (`src/main.ts serve`), for the suites that send
// it signals: its JSON log lines, its URL (from the 'listening' line) and its exit code.
import { spawn, type ChildProcess } from 'node:child_process';

const root = new URL('../..', import.meta.url).pathname;

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  /** Every stdout line so far, parsed (each is a JSON log entry). */
  lines: Record<string, unknown>[];
  /** Whatever the process wrote to stderr so far. */
  stderr(): string;
  exited: Promise<number | null>;
}

/** Every process started here, for an after() hook to kill what a failed test left running. */
export const liveProcesses = new Set<ChildProcess>();

export function killLeftovers(): void {
  for (const c of liveProcesses) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

export async function startServiceProcess(args: string[], env: NodeJS.ProcessEnv): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve', '--port', '0', ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveProcesses.add(child);
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let buffer = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const entry = JSON.parse(line) as Record<string, unknown>; // every stdout line is a JSON log entry
        lines.push(entry);
        if (entry.msg === 'listening') resolve(entry.url as string);
      }
    });
    exited.then((code) => reject(new Error(`service exited early with ${code}: ${stderr}`)));
  });
  return { child, url, lines, stderr: () => stderr, exited };
}
