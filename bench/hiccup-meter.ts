/**
 * One hiccup meter, started by bench/hiccups.ts (one per CPU, pinned to it): sleeps 1 ms at a time
 * and measures how late it wakes. Part of a late wake-up the guest's scheduler counts as this thread
 * waiting for a core (field 2 of /proc/thread-self/schedstat); the rest — "unexplained" — is time in
 * which the guest did not run it although it was due: the virtual machine itself not running, or the
 * CPU held with interrupts off. A server's event-loop stall that comes with neither is its own work.
 *
 * The sleep is Atomics.wait, off any event loop and allocating nothing, so the meter's own collector
 * does not show up as a hiccup. Every REPORT_EVERY_MS it prints one JSON line (a HiccupRecord).
 */
import { openSync, readSync } from 'node:fs';

export interface HiccupRecord {
  /** Date.now() at the end of the window. */
  t: number;
  wakes: number;
  /** The latest wake-up of the window, ms past its due time. */
  longestOversleepMs: number;
  /** The largest part of one wake-up's lateness the scheduler did not count as waiting for a core, ms. */
  longestUnexplainedMs: number;
  /** The window's unexplained lateness in all, counting only wake-ups with more than UNEXPLAINED_FLOOR_MS of it. */
  unexplainedMs: number;
  /** False where schedstat cannot be read: all lateness then counts as unexplained. */
  schedstat: boolean;
}

export const REPORT_EVERY_MS = 100;
const SLEEP_MS = 1;
/** A wake-up is normally some 0.05–0.2 ms late (timer slack, the wake-up itself); that is not a hiccup. */
const UNEXPLAINED_FLOOR_MS = 1;

function openSchedstat(): number | undefined {
  try {
    return openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return undefined;
  }
}

const statBuffer = Buffer.alloc(128);

/** Nanoseconds this thread has spent runnable but waiting for a core, or 0 without schedstat. */
function waitedNs(schedstat: number | undefined): number {
  if (schedstat === undefined) return 0;
  const length = readSync(schedstat, statBuffer, 0, statBuffer.length, 0);
  // "<run ns> <wait ns> <timeslices>\n"
  const first = statBuffer.indexOf(32);
  const second = statBuffer.indexOf(32, first + 1);
  return Number(statBuffer.toString('latin1', first + 1, second < 0 || second > length ? length : second));
}

function run(): never {
  const schedstat = openSchedstat();
  const cell = new Int32Array(new SharedArrayBuffer(4));
  let windowStart = performance.now();
  let record = { wakes: 0, longestOversleepMs: 0, longestUnexplainedMs: 0, unexplainedMs: 0 };
  let waited = waitedNs(schedstat);
  for (;;) {
    const before = performance.now();
    Atomics.wait(cell, 0, 0, SLEEP_MS);
    const after = performance.now();
    const nowWaited = waitedNs(schedstat);
    const oversleep = after - before - SLEEP_MS;
    const unexplained = oversleep - (nowWaited - waited) / 1e6;
    waited = nowWaited;
    record.wakes++;
    record.longestOversleepMs = Math.max(record.longestOversleepMs, oversleep);
    if (unexplained > UNEXPLAINED_FLOOR_MS) {
      record.unexplainedMs += unexplained;
      record.longestUnexplainedMs = Math.max(record.longestUnexplainedMs, unexplained);
    }
    if (after - windowStart >= REPORT_EVERY_MS) {
      const line: HiccupRecord = { t: Date.now(), ...record, schedstat: schedstat !== undefined };
      process.stdout.write(`${JSON.stringify(line)}\n`);
      windowStart = after;
      record = { wakes: 0, longestOversleepMs: 0, longestUnexplainedMs: 0, unexplainedMs: 0 };
    }
  }
}

// Only when started as a program: bench/hiccups.ts imports the types and REPORT_EVERY_MS.
if (process.argv[1]?.endsWith('hiccup-meter.ts')) run();
