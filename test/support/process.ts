// The service as its own process, the way `npm start` runs it (`src/main.ts serve`, or the built dist/main.js), for the suites that send
// it signals and for the checks (checks/): its JSON log lines, its URL (from the 'listening' line) and its exit code.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const root = new URL('../..', import.meta.url).pathname;

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  /** The stdout lines so far, parsed (each is a JSON log entry); only the last `keepLines` when that is set. */
  lines: Record<string, unknown>[];
  /** Whatever the process wrote to stderr so far. */
  stderr(): string;
  exited: Promise<number | null>;
}

export interface ProcessOptions {
  /** Keep only this many of the latest stdout lines (a long run logs a line per request). Default: all. */
  keepLines?: number;
  /** Give up (SIGKILL, reject) when the service has not said 'listening' by then. */
  startupTimeoutMs?: number;
  /** Run the built command (dist/main.js, as the package runs it) rather than src/main.ts through tsx. */
  built?: boolean;
  /** The working folder. Default: the project's. */
  cwd?: string;
}

/** Every process started here, for an after() hook to kill what a failed test left running. */
export const liveProcesses = new Set<ChildProcess>();

export function killLeftovers(): void {
  for (const c of liveProcesses) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

export async function startServiceProcess(args: string[], env: NodeJS.ProcessEnv, options: ProcessOptions = {}): Promise<ServiceProcess> {
  const { keepLines = Infinity, startupTimeoutMs = 60_000, built = false, cwd = root } = options;
  const command = built ? [`${root}dist/main.js`] : ['--import', 'tsx', `${root}src/main.ts`];
  const child = spawn(process.execPath, [...command, 'serve', '--port', '0', ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveProcesses.add(child);
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Read to the end whatever happens: a child whose stdout pipe is full blocks.
  const stdout = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`service ${why}: ${stderr}`));
    };
    const timer = setTimeout(() => fail(`not listening after ${startupTimeoutMs} ms`), startupTimeoutMs);
    stdout.on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>; // every stdout line is a JSON log entry
      lines.push(entry);
      if (lines.length > keepLines) lines.shift();
      if (entry.msg === 'listening') {
        clearTimeout(timer);
        resolve(entry.url as string);
      }
    });
    exited.then((code) => fail(`exited early with ${code}`));
  });
  return { child, url, lines, stderr: () => stderr, exited };
}
