/**
 * One hiccup meter, started by bench/hiccups.ts (one per CPU, pinned to it): sleeps 1 ms at a time
 * and measures how late it wakes. Part of a late wake-up the guest's scheduler counts as this thread
 * waiting for a core (field 2 of /proc/thread-self/schedstat); the rest — "unaccounted" — is time in
 * which the guest did not run it although it was due and no other thread had its CPU: the virtual
 * machine itself not running, the CPU held with interrupts off, or an unusually slow wake-up. Only
 * wake-ups more than UNACCOUNTED_FLOOR_MS unaccounted are counted, so the sum is a lower bound.
 *
 * The sleep is Atomics.wait, off any event loop, and a wake-up reads schedstat into one reused buffer,
 * so the meter's own collector has next to nothing to do. Every REPORT_EVERY_MS it prints one JSON
 * line (a HiccupRecord).
 */
import { openSync, readSync } from 'node:fs';
import { emptyWindow, REPORT_EVERY_MS, schedstatField, UNACCOUNTED_FLOOR_MS, type HiccupRecord } from './hiccup-record.js';

const SLEEP_MS = 1;

const statBuffer = Buffer.alloc(128);

function openSchedstat(): number | undefined {
  try {
    const fd = openSync('/proc/thread-self/schedstat', 'r');
    // Where the kernel keeps no scheduler statistics the file reads zeros; a running thread has run for some ns.
    const length = readSync(fd, statBuffer, 0, statBuffer.length, 0);
    return schedstatField(statBuffer, length, 0) > 0 ? fd : undefined;
  } catch {
    return undefined;
  }
}

/** Nanoseconds this thread has spent runnable but waiting for a core, or 0 without schedstat. */
function waitedNs(schedstat: number | undefined): number {
  if (schedstat === undefined) return 0;
  return schedstatField(statBuffer, readSync(schedstat, statBuffer, 0, statBuffer.length, 0), 1);
}

const schedstat = openSchedstat();
const cell = new Int32Array(new SharedArrayBuffer(4));
let windowStart = performance.now();
let window: HiccupRecord = emptyWindow(Date.now(), schedstat !== undefined);
let waited = waitedNs(schedstat);
for (;;) {
  const before = performance.now();
  Atomics.wait(cell, 0, 0, SLEEP_MS);
  const after = performance.now();
  const nowWaited = waitedNs(schedstat);
  const late = after - before - SLEEP_MS;
  const unaccounted = late - (nowWaited - waited) / 1e6;
  waited = nowWaited;
  window.wakes++;
  window.longestLateMs = Math.max(window.longestLateMs, late);
  if (unaccounted > UNACCOUNTED_FLOOR_MS) {
    window.unaccountedMs += unaccounted;
    window.longestUnaccountedMs = Math.max(window.longestUnaccountedMs, unaccounted);
  }
  if (after - windowStart >= REPORT_EVERY_MS) {
    window.t = Date.now();
    // A pipe: written synchronously on Linux, so no event loop is needed.
    process.stdout.write(`${JSON.stringify(window)}\n`);
    windowStart = after;
    window = emptyWindow(window.t, window.schedstat);
  }
}
