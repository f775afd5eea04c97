/**
 * bench/hiccups.ts (bench/steady.ts --hiccups) tells a stall of the machine from a server's own, by
 * splitting a meter's lateness into what the guest's scheduler counted as waiting for a core and the
 * rest ("unaccounted").
 * - A meter stopped with SIGSTOP is, to the scheduler, not waiting at all — as a virtual machine that is
 *   not running looks from inside — so its lateness must come out unaccounted.
 * - A meter kept off its CPU by a busier process is waiting, so its lateness must not.
 * Each fails if the split is wrong either way (no subtraction, or the wrong schedstat field).
 */
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schedstatField } from '../../bench/hiccup-record.js';
import { HiccupMeters } from '../../bench/hiccups.js';

const HELD_MS = 300;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('schedstatField', () => {
  it('reads the time on a CPU and the time waiting for one from the bytes of /proc/<pid>/schedstat', () => {
    const line = Buffer.from('1234567 89012 345\n');
    expect(schedstatField(line, line.length, 0)).toBe(1234567);
    expect(schedstatField(line, line.length, 1)).toBe(89012);
    expect(schedstatField(line, 7, 1)).toBeNaN(); // cut before the second field
  });
});

describe('hiccup meters (bench/steady.ts --hiccups)', () => {
  let meters: HiccupMeters;
  beforeAll(async () => {
    meters = await HiccupMeters.start(2);
  }, 60_000);
  afterAll(async () => {
    await meters?.stop();
  });

  it('counts a meter held off its CPU as unaccounted, and the other meter goes on reporting', async () => {
    const [held] = meters.pids;
    const from = Date.now();
    process.kill(held!, 'SIGSTOP');
    await pause(HELD_MS);
    process.kill(held!, 'SIGCONT');
    await pause(500);
    const [first, second] = await meters.between(from, Date.now());
    expect(first!.schedstat).toBe(true);
    expect(first!.longestLateMs).toBeGreaterThanOrEqual(HELD_MS * 0.8);
    expect(first!.longestUnaccountedMs).toBeGreaterThanOrEqual(HELD_MS * 0.8);
    expect(first!.unaccountedMs).toBeGreaterThanOrEqual(first!.longestUnaccountedMs);
    expect(first!.complete).toBe(true);
    // About eight windows of 100 ms went by; a busy test machine may delay one.
    expect(second!.windows).toBeGreaterThanOrEqual(4);
    expect(second!.longestUnaccountedMs).toBeLessThan(HELD_MS * 0.8);
  }, 30_000);

  it("does not count a meter's wait behind a busier process on its CPU as unaccounted", async (context) => {
    if (!meters.pinned) context.skip(); // without taskset there is no CPU to share
    const [meter] = meters.pids;
    // The meter at the lowest priority (for good: raising it back needs privileges), sharing its CPU with a
    // process that never sleeps.
    setPriority(meter!, 19);
    const hog = spawn('taskset', ['-c', String(meters.cpus[0]), process.execPath, '-e', 'const end = Date.now() + 2000; while (Date.now() < end);'], { stdio: 'ignore' });
    try {
      await pause(300); // the hog under way
      const from = Date.now();
      await pause(1200);
      const [waiting] = await meters.between(from, Date.now());
      expect(waiting!.longestLateMs).toBeGreaterThanOrEqual(2);
      expect(waiting!.longestUnaccountedMs).toBeLessThan(waiting!.longestLateMs / 2);
    } finally {
      hog.kill('SIGKILL');
    }
  }, 30_000);
});
