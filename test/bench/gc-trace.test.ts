/**
 * bench/gc-trace.ts reads V8's --trace-gc-nvp lines (bench/steady.ts --gc-bytes). Fed the real
 * output of a Node process that allocates and keeps some of it, through the same line listener
 * the bench uses, it must count that process's collections and bytes; if V8's line format or the
 * parser drifted, the figures would read zero.
 */
import { describe, expect, it } from 'vitest';
import { GcTrace, type GcFigures } from '../../bench/gc-trace.js';
import { spawnManaged } from '../../bench/targets.js';

// Allocates about 200 MB of short-lived arrays while keeping every 50th (about 4 MB), then exits.
const ALLOCATE = `
const kept = [];
for (let i = 0; i < 200_000; i++) {
  const garbage = new Array(120).fill(i);
  if (i % 50 === 0) kept.push(garbage);
}
globalThis.kept = kept;
`;

/**
 * Runs ALLOCATE in a Node process with `nodeArgs` and --trace-gc-nvp, feeding its lines to a GcTrace the way the
 * bench does, and sums what the trace read until the process has exited and `enough` holds (at most 30 s:
 * its last lines may still be in the pipe when it exits).
 */
async function traceOf(name: string, nodeArgs: string[], enough: (figures: GcFigures) => boolean): Promise<{ figures: GcFigures; trace: GcTrace; exited: boolean }> {
  const trace = new GcTrace();
  const child = spawnManaged(name, process.execPath, [...nodeArgs, '--trace-gc-nvp', '-e', ALLOCATE], { onLine: (line) => trace.feed(line) });
  const deadline = Date.now() + 30_000;
  const figures = trace.take();
  while (!(child.exited && enough(figures)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const more = trace.take();
    for (const key of Object.keys(figures) as Array<keyof GcFigures>) figures[key] += more[key];
  }
  return { figures, trace, exited: child.exited };
}

describe('GcTrace (bench/steady.ts --gc-bytes)', () => {
  it("sums a real process's scavenges, allocation and promotion from its --trace-gc-nvp lines", async () => {
    const { figures, trace, exited } = await traceOf('gc-trace', [], (sum) => sum.allocatedBytes > 50_000_000);
    expect(exited).toBe(true);
    expect(figures.scavenges).toBeGreaterThan(3);
    expect(figures.allocatedBytes).toBeGreaterThan(50_000_000);
    // Every 50th array survives: some of it is promoted, far from all of what was allocated.
    expect(figures.promotedBytes).toBeGreaterThan(500_000);
    expect(figures.promotedBytes).toBeLessThan(figures.allocatedBytes / 4);
    expect(figures.scavengeMs).toBeGreaterThan(0);
    // Taking resets.
    expect(trace.take().scavenges).toBe(0);
  });

  it('counts minor mark-compacts (--minor-mc) as young-generation collections, not as full ones', async () => {
    const { figures } = await traceOf('gc-trace-minor-mc', ['--minor-mc'], (sum) => sum.scavenges > 3);
    expect(figures.scavenges).toBeGreaterThan(3);
    expect(figures.markCompacts).toBeLessThan(figures.scavenges);
  });

  it('ignores lines that are not the collector’s', () => {
    const tally = new GcTrace();
    tally.feed('{"level":40,"msg":"pause=1 mutator=2 gc=s allocated=5 promoted=7 (a log line quoting the collector)"}');
    tally.feed('listening on 127.0.0.1:3000');
    expect(tally.take()).toEqual({ allocatedBytes: 0, promotedBytes: 0, scavenges: 0, scavengeMs: 0, markCompacts: 0, markCompactMs: 0 });
  });
});
