// Summarises a V8 CPU profile (`node --cpu-prof` writes one .cpuprofile per process) by self time: the functions the
// process spent its samples in, each with its share of ALL samples, (idle), (garbage collector) and (program) included,
// so that the shares add up to the whole profile and an idle server shows as idle rather than inflating everything else.
// Used by `npm run bench -- --profile <scenario>` (bench/run.ts), and on its own:
//
//   node --import tsx bench/cpuProfile.ts <file.cpuprofile> [top (default 20)] [--from <µs> --to <µs>]
//
// --from/--to keep only the samples taken in that span of the profile's own clock (microseconds, as its startTime and
// endTime; on Linux that is CLOCK_MONOTONIC, the clock of process.hrtime, so another process can name a span of it).
//
// Functions are keyed by name and place (url:line:column of the function's start). Places in a bundle (dist/, built by
// scripts/build.mjs with source maps beside it) are shown as their place in src/ when the map says where they come from.
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface ProfileEntry {
  /** The function's name, or V8's pseudo-entries: (idle), (garbage collector), (program), (root). */
  readonly name: string;
  /** Where it is defined (src/... when a bundle's source map says so), or '' for pseudo-entries and native code. */
  readonly location: string;
  readonly samples: number;
  /** Self time in ms: the time from each of its samples to the next sample. */
  readonly selfMs: number;
  /** selfMs as a share of the summarised span, in percent. */
  readonly percent: number;
}

export interface ProfileSummary {
  /** The span summarised, in ms, and the samples in it. */
  readonly totalMs: number;
  readonly samples: number;
  /** Every entry, most self time first. */
  readonly entries: ProfileEntry[];
}

export interface SummaryOptions {
  /** Only samples taken at or after this time of the profile's clock (µs). */
  readonly fromUs?: number;
  /** Only samples taken before this time of the profile's clock (µs). */
  readonly toUs?: number;
  /** The folder that relative locations start from (default: the project's root). */
  readonly root?: string;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Maps a bundle's position to its source's, one SourceMap per file (undefined: the file has none). */
function sourceMapper(root: string): (url: string, line: number, column: number) => string {
  const maps = new Map<string, SourceMap | undefined>();
  const mapOf = (file: string) => {
    if (!maps.has(file)) {
      let map: SourceMap | undefined;
      try {
        if (existsSync(`${file}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
      } catch {
        map = undefined; // an unreadable map: the bundle's own position is still true
      }
      maps.set(file, map);
    }
    return maps.get(file);
  };
  // Libraries by their package path (node_modules may be a symlink to another clone's); the project's files from its root.
  const shown = (path: string) => {
    const lib = path.lastIndexOf('/node_modules/');
    return lib >= 0 ? path.slice(lib + 1) : path.startsWith(root) ? relative(root, path) : path;
  };
  return (url, line, column) => {
    if (!url) return '';
    // The profile's line and column are 0-based; people (and editors) count lines from 1.
    if (!url.startsWith('file://')) return `${url}:${line + 1}`;
    const file = fileURLToPath(url);
    const entry = mapOf(file)?.findEntry(line, column);
    if (entry && 'originalSource' in entry && entry.originalSource) {
      const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : new URL(entry.originalSource, pathToFileURL(file)).pathname;
      return `${shown(source)}:${entry.originalLine + 1}`;
    }
    return `${shown(file)}:${line + 1}`;
  };
}

/** Self time per function over the profile (or the span of it that `options` names). */
export function summarise(profile: CpuProfile, options: SummaryOptions = {}): ProfileSummary {
  const { samples, timeDeltas } = profile;
  if (!Array.isArray(samples) || !Array.isArray(timeDeltas) || samples.length !== timeDeltas.length) {
    throw new Error('not a CPU profile: it needs samples and timeDeltas of the same length');
  }
  const locate = sourceMapper(options.root ?? ROOT);
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const from = options.fromUs ?? -Infinity;
  const to = options.toUs ?? Infinity;
  // A sample's timestamp is the profile's start plus the deltas so far; its weight is the time until the next sample
  // (for the last one, until the profile's end), which is how the time a sample stands for is counted by DevTools.
  const timestamps = new Array<number>(samples.length);
  let t = profile.startTime;
  for (let i = 0; i < samples.length; i++) timestamps[i] = t += timeDeltas[i]!;
  const byKey = new Map<string, { name: string; location: string; samples: number; us: number }>();
  const keyOfNode = new Map<number, string>();
  let totalUs = 0;
  let counted = 0;
  for (let i = 0; i < samples.length; i++) {
    const at = timestamps[i]!;
    if (at < from || at >= to) continue;
    const next = i + 1 < samples.length ? timestamps[i + 1]! : profile.endTime;
    const us = Math.max(0, Math.min(next, to) - at);
    const id = samples[i]!;
    let key = keyOfNode.get(id);
    if (key === undefined) {
      const frame = nodes.get(id)?.callFrame;
      const name = frame ? frame.functionName || '(anonymous)' : `(unknown node ${id})`;
      const location = frame ? locate(frame.url, frame.lineNumber, frame.columnNumber) : '';
      key = `${name}\u0000${location}`;
      keyOfNode.set(id, key);
      if (!byKey.has(key)) byKey.set(key, { name, location, samples: 0, us: 0 });
    }
    const entry = byKey.get(key)!;
    entry.samples++;
    entry.us += us;
    totalUs += us;
    counted++;
  }
  const entries = [...byKey.values()]
    .map((e) => ({ name: e.name, location: e.location, samples: e.samples, selfMs: e.us / 1000, percent: totalUs > 0 ? (100 * e.us) / totalUs : 0 }))
    .sort((a, b) => b.selfMs - a.selfMs);
  return { totalMs: totalUs / 1000, samples: counted, entries };
}

/** The top `top` entries as a plain-text table. */
export function formatSummary(summary: ProfileSummary, top = 20): string {
  const rows = summary.entries.slice(0, top).map((e) => [`${e.percent.toFixed(1)}%`, e.selfMs.toFixed(0), String(e.samples), e.name, e.location]);
  const header = ['self %', 'self ms', 'samples', 'function', 'where'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i < 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [
    `${summary.samples} samples over ${(summary.totalMs / 1000).toFixed(2)} s; shares are of all of them (idle, GC and program included)`,
    line(header),
    ...rows.map(line),
  ].join('\n');
}

/** The same top entries as a Markdown table (for bench/RESULTS.md). */
export function markdownSummary(summary: ProfileSummary, top = 20): string {
  const rows = summary.entries.slice(0, top).map((e) => `| ${e.percent.toFixed(1)}% | ${e.selfMs.toFixed(0)} | ${e.name.replace(/\|/g, '\\|')} | ${e.location ? `\`${e.location}\`` : ''} |`);
  return ['| self % | self ms | function | where |', '|---:|---:|---|---|', ...rows].join('\n');
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}

// Run on its own: node --import tsx bench/cpuProfile.ts <file.cpuprofile> [top] [--from µs --to µs]
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { parseArgs } = await import('node:util');
  const { values, positionals } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' } }, allowPositionals: true });
  const [file, topText] = positionals;
  if (!file) {
    process.stderr.write('usage: node --import tsx bench/cpuProfile.ts <file.cpuprofile> [top] [--from <µs> --to <µs>]\n');
    process.exit(2);
  }
  const top = topText === undefined ? 20 : Number(topText);
  if (!Number.isInteger(top) || top < 1) throw new Error(`top must be a positive whole number, got '${topText}'.`);
  const num = (name: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isFinite(n)) throw new Error(`--${name} must be a number of microseconds, got '${text}'.`);
    return n;
  };
  const summary = summarise(readProfile(file), { fromUs: num('from', values.from), toUs: num('to', values.to) });
  process.stdout.write(`${formatSummary(summary, top)}\n`);
}
