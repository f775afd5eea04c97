/**
 * The machine's hiccups while bench/steady.ts runs: one bench/hiccup-meter.ts process per CPU, pinned to
 * it with `taskset` (unpinned where taskset is missing), each reporting every 100 ms how late its
 * 1 ms sleeps woke and how much of that the guest's scheduler cannot account for. Read between two
 * times, they say whether a server's stall in those seconds was the machine's (a meter saw it too) or
 * the server's own. Two meters took 0.057 core in all over 10 s on the benchmark machine (a thousand
 * wake-ups a second each), so they are for steady.ts, not for the figures of a full run.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPORT_EVERY_MS, type HiccupRecord } from './hiccup-meter.js';
import { REPO_ROOT, spawnManaged, type ManagedProcess } from './targets.js';

export interface CpuHiccups {
  cpu: number;
  /** Windows reported in the interval (0: the meter was not running or not heard from). */
  windows: number;
  longestOversleepMs: number;
  longestUnexplainedMs: number;
  unexplainedMs: number;
}

const hasTaskset = () => spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;

export class HiccupMeters {
  private readonly records: HiccupRecord[][];

  private constructor(private readonly meters: ManagedProcess[], records: HiccupRecord[][]) {
    this.records = records;
  }

  /** Starts a meter on every CPU and resolves once each has reported a first window. */
  static async start(cpus = availableParallelism()): Promise<HiccupMeters> {
    const pin = hasTaskset();
    const records: HiccupRecord[][] = Array.from({ length: cpus }, () => []);
    const meters = records.map((own, cpu) => {
      const node = [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'bench/hiccup-meter.ts')];
      const [command, ...args] = pin ? ['taskset', '-c', String(cpu), ...node] : node;
      return spawnManaged(`hiccup-meter-${cpu}`, command!, args, {
        onLine: (line) => {
          if (line.startsWith('{')) own.push(JSON.parse(line) as HiccupRecord);
        },
      });
    });
    const meterSet = new HiccupMeters(meters, records);
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
   * What each meter saw in the windows that ended between `fromMs` and `toMs` (Date.now() values), once
   * the window holding `toMs` has been reported (at most about REPORT_EVERY_MS later).
   */
  async between(fromMs: number, toMs: number): Promise<CpuHiccups[]> {
    const deadline = Date.now() + 5 * REPORT_EVERY_MS;
    while (this.records.some((own) => (own.at(-1)?.t ?? 0) < toMs) && Date.now() < deadline) await sleep(REPORT_EVERY_MS / 4);
    return this.records.map((own, cpu) => {
      // A window that ends after toMs began before it: it is the one holding toMs.
      const windows = own.filter((record) => record.t > fromMs && record.t - REPORT_EVERY_MS < toMs);
      return {
        cpu,
        windows: windows.length,
        longestOversleepMs: Math.max(0, ...windows.map((record) => record.longestOversleepMs)),
        longestUnexplainedMs: Math.max(0, ...windows.map((record) => record.longestUnexplainedMs)),
        unexplainedMs: windows.reduce((sum, record) => sum + record.unexplainedMs, 0),
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
