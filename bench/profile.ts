// The profile mode (`npm run bench -- --profile <scenario>`, or BENCH_PROFILE): one load scenario's process runs
// under `node --cpu-prof`, is loaded as in the load part (warm-up, then the measured seconds), is stopped with SIGINT
// (the service stops at once and exits 0, which is when node writes the profile), and the profile's top entries by
// self time are printed, for the measured window alone (start-up, seeding and warm-up left out) and kept in a folder.
import { mkdirSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './children.ts';
import { formatSummary, markdownSummary, readProfile, summarise, type ProfileSummary } from './cpuProfile.ts';
import { measure, type Window } from './measure.ts';
import { prepareScenario, scenarioByShort } from './scenarios.ts';

export interface ProfileRun {
  readonly scenario: string;
  readonly file: string;
  readonly window: Window;
  readonly summary: ProfileSummary;
  /** How the span was chosen (the measured window, or the whole profile when the clocks did not line up). */
  readonly span: string;
  readonly text: string;
  readonly markdown: string;
}

export async function runProfile(short: string, o: { seconds: number; warmupSeconds: number; connections: number; top: number; log: (line: string) => void }): Promise<ProfileRun> {
  const s = scenarioByShort(short);
  const dir = join(ROOT, '.tmp', 'bench-profiles', `${new Date().toISOString().replace(/[:.]/g, '-')}-${s.short}`);
  mkdirSync(dir, { recursive: true });
  o.log(`profile: ${s.name} under node --cpu-prof (profiles in ${relative(process.cwd(), dir)})`);
  const prepared = await prepareScenario(s, ['--cpu-prof', '--cpu-prof-dir', dir]);
  let window: Window;
  try {
    o.log(`  load: warm-up ${o.warmupSeconds} s, then ${o.seconds} s at ${o.connections} connections`);
    window = await measure({
      base: prepared.target.base,
      server: prepared.target.child,
      spec: { kind: 'single', request: prepared.req },
      connections: o.connections,
      warmupSeconds: o.warmupSeconds,
      seconds: o.seconds,
      database: s.store === 'postgres',
    });
  } finally {
    await prepared.close(); // SIGINT: stops at once, exits 0, and node writes the profile on the way out
  }
  const exit = prepared.target.child.proc.exitCode;
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length !== 1) throw new Error(`expected one .cpuprofile in ${dir} (the process exited ${exit ?? prepared.target.child.proc.signalCode}), found ${files.length}`);
  const file = join(dir, files[0]!);
  const profile = readProfile(file);
  // The window's bounds are the runner's process.hrtime; the profile's timestamps are V8's monotonic clock. Both are
  // CLOCK_MONOTONIC on Linux, so the window names a span of the profile; if it does not fall inside the profile, the
  // clocks differ here and the whole profile is summarised instead (start-up and warm-up included).
  const inside = window.fromUs >= profile.startTime && window.toUs <= profile.endTime && window.toUs > window.fromUs;
  const summary = inside ? summarise(profile, { fromUs: window.fromUs, toUs: window.toUs }) : summarise(profile);
  const span = inside
    ? `the measured ${o.seconds} s window alone (${((window.fromUs - profile.startTime) / 1e6).toFixed(1)} s to ${((window.toUs - profile.startTime) / 1e6).toFixed(1)} s of the profile)`
    : 'the whole profile (start-up, seeding and warm-up included: the measured window could not be placed in it)';
  const problems = window.problems.length ? `\nFLAGGED: ${window.problems.join('; ')}` : '';
  const cpu = `server CPU ${window.cpuUsPerRequest.toFixed(0)} µs/request under the profiler (it adds its own cost), ${window.load.responses} responses`;
  const text = `${s.name}: ${cpu}\nprofile: ${relative(process.cwd(), file)}\nspan: ${span}\n${formatSummary(summary, o.top)}${problems}`;
  const markdown = `Profile of **${s.name}** (\`--profile ${s.short}\`): ${cpu}; top ${o.top} by self time over ${span}; shares of all samples (idle, GC and program included).${problems}\n\n${markdownSummary(summary, o.top)}`;
  return { scenario: s.name, file, window, summary, span, text, markdown };
}
