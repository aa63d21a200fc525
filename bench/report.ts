// Tables, figures and bench/RESULTS.md: how each run is printed and appended, with the machine, the command, the
// commit measured, and what changed since the run before (its commits, and BENCH_NOTE).
import { execFileSync } from 'node:child_process';
import { appendFile, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import { join, relative } from 'node:path';
import { ROOT } from './children.ts';

export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-';

/** Latencies in ms (bench/loader.mjs keeps them exactly): a tenth of a millisecond below 10 ms. */
export const ms = (n: number | null) => (n === null || !Number.isFinite(n) ? '-' : n < 10 ? fmt(n, 1) : fmt(n));
export const mb = (kib: number) => (Number.isFinite(kib) && kib > 0 ? fmt(kib / 1024, 0) : '-');

export function median(xs: readonly number[]): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** "median (min-max)" of per-round figures, or the one figure of a single round. */
export function spread(xs: readonly number[], digits = 0): string {
  const ok = xs.filter(Number.isFinite);
  if (ok.length === 0) return '-';
  if (ok.length === 1) return fmt(ok[0]!, digits);
  return `${fmt(median(ok), digits)} (${fmt(Math.min(...ok), digits)}–${fmt(Math.max(...ok), digits)})`;
}

export interface Table {
  readonly title?: string;
  readonly header: string[];
  readonly rows: string[][];
  /** Columns that hold text (left-aligned); the others are figures. Default: the first and the last. */
  readonly textColumns?: number[];
}

const isText = (t: Table, i: number) => (t.textColumns ?? [0, t.header.length - 1]).includes(i);

export function textTable(t: Table): string {
  const all = [t.header, ...t.rows];
  const widths = t.header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (isText(t, i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [t.title, line(t.header), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)].filter((x) => x !== undefined).join('\n');
}

export function markdownTable(t: Table): string {
  const line = (r: string[]) => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  const rule = `|${t.header.map((_, i) => (isText(t, i) ? '---' : '---:')).join('|')}|`;
  return [t.title && `${t.title}\n`, line(t.header), rule, ...t.rows.map(line)].filter(Boolean).join('\n');
}

export function machine(): string {
  let nproc = String(os.availableParallelism());
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // availableParallelism it is
  }
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  return `nproc ${nproc} (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${os.platform()} ${os.arch()} ${os.release()}; load average at start ${load}`;
}

const git = (args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();

/** HEAD's short hash, and the files under src/ and the package files that differ from it. */
export function revision(): { head: string | undefined; text: string } {
  try {
    const head = git(['rev-parse', '--short', 'HEAD']);
    const dirty = git(['status', '--porcelain', '--', 'src', 'package.json', 'package-lock.json'])
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3));
    return { head, text: dirty.length ? `${head} with uncommitted changes in ${dirty.join(', ')}` : head };
  } catch {
    return { head: undefined, text: 'unknown (no git)' };
  }
}

export async function autocannonVersion(): Promise<string> {
  try {
    return (JSON.parse(await readFile(join(ROOT, 'node_modules', 'autocannon', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

/**
 * The commits between the last run recorded in `file` (its last "commit <hash>" line) and HEAD, one line each, or
 * why they cannot be listed.
 */
async function changesSinceLastRun(file: string, head: string | undefined): Promise<string> {
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return 'no run recorded before this one.';
  }
  const last = [...text.matchAll(/^- service: commit ([0-9a-f]{7,40})\b/gm)].at(-1)?.[1];
  if (!last) return 'no commit recorded in the last run.';
  if (!head) return `the last run measured commit ${last}; no git here to compare.`;
  try {
    git(['cat-file', '-e', `${last}^{commit}`]);
  } catch {
    return `the last run measured commit ${last}, which this clone does not have.`;
  }
  let ancestor = true;
  try {
    git(['merge-base', '--is-ancestor', last, 'HEAD']);
  } catch {
    ancestor = false; // exit 1: HEAD is on another line of history (the last run measured another branch)
  }
  const aside = ancestor ? '' : ` (${last} is not an ancestor of HEAD: these are HEAD's commits that ${last} lacks)`;
  const log = git(['log', '--oneline', '--no-decorate', `${last}..HEAD`]);
  if (!log) return `no commits since the last run's ${last}${aside}.`;
  const lines = log.split('\n');
  const shown = lines.slice(0, 30).map((l) => `  - ${l.length > 160 ? `${l.slice(0, 157)}...` : l}`);
  return `commits since the last run's ${last}${aside} (\`git log --oneline ${last}..HEAD\`${lines.length > 30 ? `, first 30 of ${lines.length}` : ''}):\n${shown.join('\n')}`;
}

export const RESULTS_INTRO = `# Benchmark results

Appended by \`npm run bench\` (bench/run.ts), one section per run. Each section names the machine, the command, the
commit measured and what changed since the run before.

**The steady figure is server CPU per request**: the CPU time (utime + stime from \`/proc/<pid>/stat\`) the process under
test used in the measured window, divided by the responses answered in it. Req/s are not: on 2 cores the load
generator (autocannon, in a process of its own) takes about one core, so req/s mostly measure it. Each scenario runs
against its own fresh process (the bare node:http ceiling of bench/ceiling.mjs, the stack's floor of
bench/stackFloor.mjs, or \`node dist/main.js serve\` with a new data dir or a new PostgreSQL database), in alternating
rounds; the tables give medians over the rounds, and the ratio to the ceiling's median CPU per request of the same run
is what compares between runs. On PostgreSQL the database's CPU per request is the time of every \`postgres\` process
on the machine, so it includes any other database activity there.

**The machine is noisy** (shared 2-core VMs): absolute figures do not compare between runs or machines. A row marked
FLAGGED had errors, timeouts or unexpected answers and is not a valid measurement.

The start-up part (bench/startup.ts) has a table of its own: wall times to the first /health 200 (or to exit), the
median and the slowest of its rounds, beside \`node -e 0\` measured in the same rounds, and the targets they are held to.
`;

export interface Section {
  readonly heading: string;
  readonly details: string[];
  readonly body: string;
}

/** Appends `section` to `file` (with the introduction if the file is new), with what changed since the last run. */
export async function appendResults(file: string, section: Section, head: string | undefined): Promise<string> {
  const exists = await stat(file).then(() => true, () => false);
  const changed = await changesSinceLastRun(file, head);
  const note = process.env.BENCH_NOTE?.trim();
  const what = [`- what changed since the last run: ${changed}`, ...(note ? [`- note (BENCH_NOTE): ${note}`] : [])];
  await appendFile(file, `${exists ? '' : RESULTS_INTRO}\n${section.heading}\n\n${[...section.details, ...what].join('\n')}\n\n${section.body}\n`);
  return relative(process.cwd(), file) || file;
}
