/**
 * The machine's hiccups while bench/steady.ts runs: one bench/hiccup-meter.ts process per CPU this
 * process may use, pinned to it with `taskset` (unpinned where taskset is missing), each reporting
 * every 100 ms how late its 1 ms sleeps woke and how much of that the guest's scheduler cannot account
 * for. Read between two times, they say whether a server's stall in those seconds was the machine's (a
 * meter saw it too) or the server's own. Two meters took 0.057 core in all over 10 s on the benchmark
 * machine (a thousand wake-ups a second each), so they are for steady.ts, not for the figures of a full run.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPORT_EVERY_MS, type HiccupRecord } from './hiccup-record.js';
import { REPO_ROOT, spawnManaged, type ManagedProcess } from './targets.js';

export interface CpuHiccups {
  /** The CPU the meter is pinned to, or its index when unpinned. */
  cpu: number;
  pinned: boolean;
  /** Windows that overlap the interval (0: the meter was not heard from). */
  windows: number;
  /** Whether the meter's reports reached the end of the interval (false: it was still late, or gone). */
  complete: boolean;
  /** False if the meter could not read its waits for a core: all its lateness then counts as unaccounted. */
  schedstat: boolean;
  longestLateMs: number;
  longestUnaccountedMs: number;
  unaccountedMs: number;
}

/** The CPUs this process may run on (Cpus_allowed_list in /proc/self/status), or 0…n-1 where that cannot be read. */
function allowedCpus(): number[] {
  try {
    const list = /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (list) {
      return list.split(',').flatMap((range) => {
        const [first, last = first] = range.split('-').map(Number);
        return Array.from({ length: last! - first! + 1 }, (_, i) => first! + i);
      });
    }
  } catch {
    // not Linux: fall through
  }
  return Array.from({ length: availableParallelism() }, (_, i) => i);
}

const canPin = () => spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;

export class HiccupMeters {
  private constructor(
    private readonly meters: ManagedProcess[],
    /** The CPU each meter is pinned to (in the order of `pids`). */
    readonly cpus: number[],
    readonly pinned: boolean,
    private readonly records: HiccupRecord[][],
  ) {}

  /** Starts a meter on each of the first `count` allowed CPUs and resolves once each has reported a first window. */
  static async start(count = Number.POSITIVE_INFINITY, log: (line: string) => void = () => undefined): Promise<HiccupMeters> {
    const cpus = allowedCpus().slice(0, count);
    const pinned = canPin();
    if (!pinned) log('hiccup meters: taskset is missing, so the meters are not pinned to a CPU each');
    const records: HiccupRecord[][] = cpus.map(() => []);
    const meters = cpus.map((cpu, i) => {
      const node = [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'bench/hiccup-meter.ts')];
      const [command, ...args] = pinned ? ['taskset', '-c', String(cpu), ...node] : node;
      return spawnManaged(`hiccup-meter-${cpu}`, command!, args, {
        onLine: (line) => {
          if (!line.startsWith('{')) return;
          try {
            records[i]!.push(JSON.parse(line) as HiccupRecord);
          } catch {
            // a line cut short as the meter was stopped
          }
        },
      });
    });
    const meterSet = new HiccupMeters(meters, cpus, pinned, records);
    const deadline = Date.now() + 30_000;
    while (records.some((own) => own.length === 0)) {
      const dead = meters.find((meter) => meter.exited);
      if (dead || Date.now() > deadline) {
        await meterSet.stop();
        throw new Error(`hiccup meter did not start: ${dead?.output().slice(-500) ?? 'no report in 30 s'}`);
      }
      await sleep(50);
    }
    return meterSet;
  }

  get pids(): number[] {
    return this.meters.map((meter) => meter.pid);
  }

  /**
   * What each meter saw in the windows that overlap `fromMs`…`toMs` (Date.now() values), once every meter has
   * reported past `toMs` or a second has gone by (a meter still late then is marked incomplete).
   */
  async between(fromMs: number, toMs: number): Promise<CpuHiccups[]> {
    const deadline = Date.now() + 10 * REPORT_EVERY_MS;
    const reachedEnd = (own: HiccupRecord[]) => (own.at(-1)?.t ?? 0) >= toMs;
    while (!this.records.every(reachedEnd) && Date.now() < deadline) await sleep(REPORT_EVERY_MS / 4);
    return this.records.map((own, i) => {
      const windows = own.filter((record) => record.from < toMs && record.t > fromMs);
      return {
        cpu: this.pinned ? this.cpus[i]! : i,
        pinned: this.pinned,
        windows: windows.length,
        complete: reachedEnd(own),
        schedstat: windows.every((record) => record.schedstat),
        longestLateMs: Math.max(0, ...windows.map((record) => record.longestLateMs)),
        longestUnaccountedMs: Math.max(0, ...windows.map((record) => record.longestUnaccountedMs)),
        unaccountedMs: windows.reduce((sum, record) => sum + record.unaccountedMs, 0),
      };
    });
  }

  /** Forgets windows that ended before `beforeMs`, so a long run does not keep them all. */
  forget(beforeMs: number): void {
    for (const own of this.records) {
      const keep = own.findIndex((record) => record.t >= beforeMs);
      own.splice(0, keep < 0 ? own.length : keep);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.meters.map((meter) => meter.stop()));
  }
}
