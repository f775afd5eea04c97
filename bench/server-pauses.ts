/**
 * Reads a Hush instance's own view of its pauses from GET /metrics (prom-client's
 * default metrics): the longest event-loop stall since the previous scrape (a
 * lower bound; the gauge resets on every scrape) and its garbage collections so far, by kind.
 * Two readings around a step say whether a latency tail came with a stall, and
 * whether the collector was in it.
 */

import { EVENT_LOOP_SAMPLING_MS } from '../src/server/metrics.js';

export interface GcTally {
  count: number;
  seconds: number;
  /** Collections that took longer than 10 ms and 100 ms (the histogram's bucket bounds); NaN if a bucket is missing. */
  over10ms: number;
  over100ms: number;
}

export interface PauseReading {
  /**
   * Longest event-loop stall since the previous reading, ms: the longest interval between two samples
   * minus the sampling interval. A lower bound: a stall that began between samples may have been up
   * to one sampling interval longer.
   */
  loopStallMs: number;
  /** Since the process started, by kind: major, minor, incremental, weakcb. */
  gc: Map<string, GcTally>;
}

export async function readPauses(http: string): Promise<PauseReading> {
  const response = await fetch(`${http}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status} (is METRICS_TOKEN set?)`);
  const text = await response.text();
  const lag = /^hush_nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text);
  if (!lag) throw new Error('no hush_nodejs_eventloop_lag_max_seconds in /metrics');
  const gc = new Map<string, GcTally>();
  // Over-10/100 ms counts start as NaN and become numbers only when their bucket is there.
  const tally = (kind: string) => gc.get(kind) ?? gc.set(kind, { count: 0, seconds: 0, over10ms: Number.NaN, over100ms: Number.NaN }).get(kind)!;
  for (const [, le, kind, value] of text.matchAll(/^hush_nodejs_gc_duration_seconds_bucket\{le="([^"]+)",kind="([^"]+)"\} (\S+)$/gm)) {
    // Cumulative buckets: "over 10 ms" is the total minus those at or under 0.01 s.
    if (le === '0.01') tally(kind!).over10ms = -Number(value);
    if (le === '0.1') tally(kind!).over100ms = -Number(value);
  }
  for (const [, kind, value] of text.matchAll(/^hush_nodejs_gc_duration_seconds_count\{kind="([^"]+)"\} (\S+)$/gm)) {
    const entry = tally(kind!);
    entry.count = Number(value);
    entry.over10ms += entry.count;
    entry.over100ms += entry.count;
  }
  for (const [, kind, value] of text.matchAll(/^hush_nodejs_gc_duration_seconds_sum\{kind="([^"]+)"\} (\S+)$/gm)) tally(kind!).seconds = Number(value);
  return { loopStallMs: Math.max(0, Number(lag[1]) * 1000 - EVENT_LOOP_SAMPLING_MS), gc };
}

/** "major 3 (12 ms, 1 over 10 ms), minor 140 (95 ms)": the collections between two readings. */
export function describeGcBetween(before: PauseReading, after: PauseReading): string {
  if (after.gc.size === 0) return 'not reported'; // the relay reports only its stalls
  const parts: string[] = [];
  for (const [kind, end] of after.gc) {
    const start = before.gc.get(kind) ?? { count: 0, seconds: 0, over10ms: 0, over100ms: 0 };
    const count = end.count - start.count;
    if (count === 0) continue;
    const over10 = end.over10ms - start.over10ms;
    const over100 = end.over100ms - start.over100ms;
    const long = Number.isNaN(over10) || Number.isNaN(over100)
      ? ', long ones not reported'
      : over100 > 0 ? `, ${over10} over 10 ms, ${over100} over 100 ms` : over10 > 0 ? `, ${over10} over 10 ms` : '';
    parts.push(`${kind} ${count} (${Math.round((end.seconds - start.seconds) * 1000)} ms${long})`);
  }
  return parts.length > 0 ? parts.join(', ') : 'none';
}
