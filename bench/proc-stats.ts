/**
 * Reads what the kernel knows about a process — CPU time (utime + stime from
 * /proc/<pid>/stat) and resident memory (VmRSS from /proc/<pid>/status) — so
 * the benchmark measures servers from outside, without instrumenting them.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** The fields of /proc/<pid>/stat after the command name: state, ppid, … (fields 3 onwards, from index 0). */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; fields after it are counted from its closing parenthesis.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The parent of a process, or undefined if it is gone. */
export function parentPid(pid: number): number | undefined {
  try {
    return Number(statFields(pid)[1]);
  } catch {
    return undefined;
  }
}

/** User + system CPU time the process has used so far, in µs (resolution one clock tick, usually 10 ms). */
export function cpuMicros(pid: number): number {
  const fields = statFields(pid);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1_000_000) / clockTicks();
}

/** Sum of cpuMicros over several processes; a process that is gone counts 0. */
export function totalCpuMicros(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += cpuMicros(pid);
    } catch {
      // exited
    }
  }
  return total;
}

/** Resident set size in KiB. */
export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

/** The soft and hard open-file limits of a process. */
export function openFileLimit(pid: number | 'self' = 'self'): { soft: number; hard: number } {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
  const parse = (value: string | undefined) => (value === undefined || value === 'unlimited' ? Number.POSITIVE_INFINITY : Number(value));
  return { soft: parse(match?.[1]), hard: parse(match?.[2]) };
}

/** Snapshot of several processes' CPU, to take a difference later. */
export class CpuMeter {
  private readonly start: number;
  private readonly startedAt = process.hrtime.bigint();

  constructor(private readonly pids: readonly number[]) {
    this.start = totalCpuMicros(pids);
  }

  /** CPU µs used since construction, and the wall-clock µs elapsed. */
  read(): { cpuMicros: number; wallMicros: number } {
    return {
      cpuMicros: totalCpuMicros(this.pids) - this.start,
      wallMicros: Number(process.hrtime.bigint() - this.startedAt) / 1000,
    };
  }
}

/** CPU time the whole machine has spent busy (all CPUs: user, nice, system, irq, softirq, steal), in µs. */
export function machineBusyMicros(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 1_000_000) / clockTicks();
}

/**
 * Measures how busy the rest of the machine is: CPU used by every process
 * except `ours`, in cores, over the time since construction. Other people's
 * test suites on a shared machine show up here.
 */
export class OtherLoadMeter {
  private readonly machineStart = machineBusyMicros();
  private readonly ours: CpuMeter;

  constructor(ours: readonly number[]) {
    this.ours = new CpuMeter(ours);
  }

  /** Cores used by other processes since construction. */
  read(): number {
    const { cpuMicros, wallMicros } = this.ours.read();
    return Math.max(0, machineBusyMicros() - this.machineStart - cpuMicros) / wallMicros;
  }
}
