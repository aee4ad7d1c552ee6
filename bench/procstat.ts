/**
 * CPU time of any process (Azurite, the machine as a whole) from /proc, to show what bounds a figure:
 * on a 2-core machine the load generator, the app and Azurite share two cores. Linux only; elsewhere
 * these read as undefined and the report leaves the columns out.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on every Linux this runs on

export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime + stime
  } catch {
    return undefined;
  }
}

/** Busy CPU time of the whole machine, all cores summed. */
export function machineBusyMs(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return (total - v[3]! - v[4]!) * TICK_MS; // minus idle and iowait
  } catch {
    return undefined;
  }
}

/**
 * CPU time of every thread of a process in nanoseconds (the scheduler's own account in
 * /proc/<pid>/task/<tid>/schedstat), for figures too small for /proc/<pid>/stat's 10 ms ticks.
 */
export function processCpuNs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    let total = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // the thread ended while we looked
      }
    }
    return total;
  } catch {
    return undefined;
  }
}
