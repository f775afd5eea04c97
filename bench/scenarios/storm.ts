/**
 * The storm scenario: C clients at once, in rooms of two: one client of each
 * pair creates the room, then both join and connect. Reports the time until
 * every client has its `welcome`, per-client percentiles, and failures
 * (target: zero). Each client has its own time bound; nothing retries.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from '../context.js';
import { Histogram } from '../histogram.js';
import type { StormResult } from '../ipc.js';
import { CpuMeter } from '../proc-stats.js';
import type { RunningTarget } from '../targets.js';

export interface StormFigures {
  target: string;
  clients: number;
  ok: number;
  failures: number;
  firstError?: string;
  /** From the start to the last client in. */
  totalMs: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuMs: number;
}

const STORM_CLIENT_TIMEOUT_MS = 30_000;

export async function runStorm(ctx: BenchContext, target: RunningTarget): Promise<StormFigures> {
  const { options, pool, log } = ctx;
  await sleep(500);
  const shares = pool.split(options.stormClients / 2);
  const meter = new CpuMeter([...target.serverPids, ...target.redisPids]);
  const results = await pool.all<StormResult>(
    (i) => (shares[i]! > 0 ? { type: 'storm', pairs: shares[i]!, endpoint: target.endpoints[0]!, timeoutMs: STORM_CLIENT_TIMEOUT_MS } : undefined),
    STORM_CLIENT_TIMEOUT_MS * 3 + 10_000,
  );
  const cpu = meter.read();
  const perClient = new Histogram();
  let ok = 0;
  let failures = 0;
  let firstError: string | undefined;
  let totalMs = 0;
  for (const result of results) {
    ok += result.ok;
    failures += result.failures;
    firstError ??= result.firstError;
    totalMs = Math.max(totalMs, result.elapsedMs);
    perClient.merge(Histogram.fromSparse(result.perClient));
  }
  const figures: StormFigures = {
    target: target.name,
    clients: options.stormClients,
    ok,
    failures,
    totalMs,
    p50Ms: perClient.percentileMs(0.5),
    p99Ms: perClient.percentileMs(0.99),
    serverCpuMs: cpu.cpuMicros / 1000,
  };
  if (firstError) figures.firstError = firstError;
  log(`  ${target.name.padEnd(7)} storm: ${ok}/${options.stormClients} in after ${Math.round(totalMs)} ms, ${failures} failures${firstError ? ` (${firstError})` : ''}`);
  return figures;
}
