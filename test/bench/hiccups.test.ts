/**
 * bench/hiccups.ts (bench/steady.ts --hiccups) tells a stall of the machine from a server's own. A
 * meter stopped with SIGSTOP for 300 ms is, to the guest's scheduler, not waiting for a core at all —
 * exactly what a virtual machine that is not running looks like from inside — so the meter must report
 * that much lateness as unexplained, in the window that held it, and no window may go missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HiccupMeters } from '../../bench/hiccups.js';

const STOPPED_MS = 300;

describe('hiccup meters (bench/steady.ts --hiccups)', () => {
  let meters: HiccupMeters;
  beforeAll(async () => {
    meters = await HiccupMeters.start(2);
  }, 60_000);
  afterAll(async () => {
    await meters?.stop();
  });

  it('reports a meter held off its CPU, and not as waiting for a core', async () => {
    const [stopped] = meters.pids;
    const from = Date.now();
    process.kill(stopped!, 'SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, STOPPED_MS));
    process.kill(stopped!, 'SIGCONT');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [first, second] = await meters.between(from, Date.now());
    // The stopped meter's sleep woke at least STOPPED_MS late, and the scheduler had not counted that as a wait.
    expect(first!.longestOversleepMs).toBeGreaterThanOrEqual(STOPPED_MS * 0.8);
    expect(first!.longestUnexplainedMs).toBeGreaterThanOrEqual(STOPPED_MS * 0.8);
    expect(first!.unexplainedMs).toBeGreaterThanOrEqual(first!.longestUnexplainedMs);
    // The other meter went on reporting a window every 100 ms while the first was stopped.
    expect(second!.windows).toBeGreaterThanOrEqual(5);
    expect(second!.longestUnexplainedMs).toBeLessThan(STOPPED_MS * 0.8);
  }, 30_000);
});
