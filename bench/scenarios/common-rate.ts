/**
 * CPU per delivered message at a common rate: every target runs at the same
 * time (each on its own processes, with its own rooms), and the same offered
 * rate is measured on each in turn, round after round; each target's figure
 * is the median of its rounds. Interleaving means a busy minute on the shared
 * machine touches every target alike, which makes this the steadiest
 * comparison the benchmark has. A target above its sustainable rate builds a
 * backlog, so each round waits (bounded) for it to drain before the next.
 */
import type { BenchContext } from '../context.js';
import { bytesPerMessage, type GcTrace } from '../gc-trace.js';
import type { RunningTarget, TargetName } from '../targets.js';
import { addTargetRooms, connectRooms, measureStep, ourPids, type StepFigures } from './step.js';

export interface CommonRateFigures {
  target: TargetName;
  rounds: StepFigures[];
  /** Medians over the rounds. */
  cpuUsPerMsg: number;
  hushCpuUsPerMsg: number;
  redisCpuUsPerMsg: number | null;
  p50Ms: number;
  p99Ms: number;
  /** Worst round's loss (a target above its sustainable rate may not drain in time). */
  maxLossRatio: number;
  errorFrames: number;
  /**
   * Hush targets: bytes V8's young generation allocated, and scavenges promoted, per delivered
   * message (medians; from the processes' --trace-gc-nvp lines, bench/gc-trace.ts). Null for the
   * reference targets, and when no round saw enough collections to be read.
   */
  allocatedBytesPerMsg: number | null;
  promotedBytesPerMsg: number | null;
}

export interface CommonRateResult {
  rate: number;
  rounds: number;
  roundMs: number;
  targets: CommonRateFigures[];
}

/** `collectors`: a GcTrace fed by each Hush target's processes (run with --trace-gc-nvp), by target name. */
export async function runCommonRate(
  ctx: BenchContext,
  targets: readonly RunningTarget[],
  collectors: ReadonlyMap<TargetName, GcTrace> = new Map(),
): Promise<CommonRateResult> {
  const { options } = ctx;
  for (const target of targets) await addTargetRooms(ctx, target);
  await connectRooms(ctx);

  const ours = ourPids(ctx, targets);
  const samples = new Map<TargetName, StepFigures[]>(targets.map((target) => [target.name, []]));
  const collected = new Map<TargetName, Array<{ allocated: number; promoted: number }>>();
  // Warm-up, not reported.
  for (const target of targets) await measureStep(ctx, target, { label: 'warm-up', rate: options.commonRate / 2, durationMs: 1000, ours });
  for (let round = 1; round <= options.commonRounds; round++) {
    for (const target of targets) {
      const collector = collectors.get(target.name);
      collector?.take(); // what came before this round
      const figures = await measureStep(ctx, target, {
        label: `round ${round}`,
        rate: options.commonRate,
        durationMs: options.measureMs,
        // A backlog above the sustainable rate is waited for, so CPU per delivered message covers the work.
        drainMs: Math.max(options.drainMs, options.measureMs * 3),
        ours,
      });
      samples.get(target.name)!.push(figures);
      if (collector) {
        // Includes the drain after the round: the work of the messages the round delivered. Each collection
        // reports what was allocated since the one before, so a round needs a few of them to be read at all.
        const gc = collector.take();
        if (gc.scavenges >= MIN_SCAVENGES_PER_ROUND) collected.set(target.name, [...(collected.get(target.name) ?? []), bytesPerMessage(gc, figures.received)]);
      }
    }
  }
  return {
    rate: options.commonRate,
    rounds: options.commonRounds,
    roundMs: options.measureMs,
    targets: targets.map((target) => {
      const rounds = samples.get(target.name)!;
      const redis = rounds.map((round) => round.redisCpuUsPerMsg);
      const gc = collectors.has(target.name) ? collected.get(target.name) : undefined;
      return {
        target: target.name,
        rounds,
        cpuUsPerMsg: median(rounds.map((round) => round.cpuUsPerMsg)),
        hushCpuUsPerMsg: median(rounds.map((round) => round.hushCpuUsPerMsg)),
        redisCpuUsPerMsg: redis.every((value) => value === null) ? null : median(redis.map((value) => value ?? Number.NaN)),
        p50Ms: median(rounds.map((round) => round.p50Ms)),
        p99Ms: median(rounds.map((round) => round.p99Ms)),
        maxLossRatio: Math.max(...rounds.map((round) => round.lossRatio)),
        errorFrames: rounds.reduce((sum, round) => sum + round.errorFrames, 0),
        allocatedBytesPerMsg: gc ? median(gc.map((one) => one.allocated)) : null,
        promotedBytesPerMsg: gc ? median(gc.map((one) => one.promoted)) : null,
      };
    }),
  };
}

/** Fewer collections than this in a round (tiny --smoke rounds) and its bytes per message are not read. */
const MIN_SCAVENGES_PER_ROUND = 3;

function median(values: number[]): number {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
