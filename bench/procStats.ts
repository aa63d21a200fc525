// What the benchmark reads from Linux's /proc about the processes under test: CPU time (utime + stime of
// /proc/<pid>/stat, in clock ticks) and memory (VmRSS, VmHWM of /proc/<pid>/status). Nothing here changes a process.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's times (`getconf CLK_TCK`; 100 on every Linux the bench has met). */
export const CLOCK_TICKS_PER_SECOND: number = (() => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    if (Number.isInteger(n) && n > 0) return n;
  } catch {
    // no getconf: Linux's USER_HZ, which the kernel reports /proc times in, is 100
  }
  return 100;
})();

/** The fields after `(comm)`: the name may hold spaces and parentheses, so it is cut at the last ')'. */
function statFields(pid: number): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime of `pid`, in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuTicks(pid: number): number {
  const f = statFields(pid); // f[0] is field 3 (state)
  return Number(f[11]) + Number(f[12]);
}

/**
 * CPU time of every process whose /proc/<pid>/comm starts with `postgres` (the server, its backends and background
 * workers), in clock ticks: their utime + stime, plus cutime + cstime (what their exited children used: a backend
 * that ends between two readings moves its time into the postmaster's cutime rather than losing it). It covers all
 * database activity on the machine, not only the bench's.
 */
export function postgresTicks(): number {
  let total = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!readFileSync(`/proc/${name}/comm`, 'utf8').startsWith('postgres')) continue;
      const f = statFields(Number(name));
      total += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      // it exited between the listing and the read: its time is in its parent's cutime from now on
    }
  }
  return total;
}

export interface Memory {
  /** Resident set size now, in KiB. */
  readonly rssKiB: number;
  /** The highest resident set size since the process started (VmHWM), in KiB. */
  readonly hwmKiB: number;
}

export function memory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (!match) throw new Error(`no ${name} in /proc/${pid}/status`);
    return Number(match[1]);
  };
  return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
}

/**
 * Samples VmRSS of `pid` now and every `everyMs` until stopped, and once more when stopped; the samples, in KiB.
 * `onSample` is told of each as it is taken, with the seconds since the first.
 */
export function sampleRss(pid: number, everyMs: number, onSample?: (kib: number, secondsIn: number) => void): { stop(): number[] } {
  const samples: number[] = [];
  const t0 = performance.now();
  const take = () => {
    let kib: number;
    try {
      kib = memory(pid).rssKiB;
    } catch {
      return; // the process is gone: the caller sees that it exited
    }
    samples.push(kib);
    onSample?.(kib, (performance.now() - t0) / 1000);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

export const mib = (kib: number) => kib / 1024;
