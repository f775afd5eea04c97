/**
 * The ramp scenario: R rooms × 2 members, 64-character bodies. The offered
 * rate rises step by step (× growth) until a step fails — p99 end-to-end
 * latency above the limit (100 ms), more than 0.1 % of messages lost after
 * the drain, error frames, or the generator unable to offer the rate; a failed
 * step is measured again (--retries) before it counts — then bisects between
 * the last good and the first failed rate. Reported: the highest
 * sustainable delivered rate with the server CPU µs per delivered message
 * there, and p50/p99 at half of it. (CPU at a common rate: common-rate.ts.)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from '../context.js';
import type { RunningTarget } from '../targets.js';
import { isNoisy, measureStep, type StepFigures, type StepVerdict } from './step.js';

export interface RampResult {
  target: string;
  rooms: number;
  steps: StepFigures[];
  /** The passing step with the highest delivered rate. */
  sustainable: StepFigures | null;
  /** Why the ramp stopped at that rate. */
  limitedBy: StepVerdict | 'max-steps' | 'none';
  half: StepFigures | null;
}

export async function runRamp(ctx: BenchContext, target: RunningTarget): Promise<RampResult> {
  const { options, pool } = ctx;
  const [first, second] = target.endpoints;
  // With two instances every room spans both, so every message crosses Redis.
  const placement = { create: first!, a: first!, b: second ?? first! };
  const prepared = await pool.addRooms(target.name, options.rooms, placement);
  const connected = await pool.connectAll();
  if (prepared.failures + connected.failures > 0) {
    throw new Error(`setup failed for ${prepared.failures + connected.failures} rooms/members: ${prepared.firstError ?? connected.firstError}`);
  }
  await sleep(300);

  const measure = (label: string, rate: number, durationMs: number) => measureStep(ctx, target, { label, rate, durationMs });

  // Warm-up (JIT, buffers); not reported.
  await measure('warm-up', options.startRate / 2, Math.min(2000, options.stepMs));

  const steps: StepFigures[] = [];
  let rate = options.startRate;
  let best: StepFigures | null = null;
  let failed: StepFigures | null = null;
  // A failed step is measured again before it counts (--retries), and up to twice more while other
  // processes were busy during it: other work on a shared machine can spoil a step.
  const stepWithRetry = async (label: string, stepRate: number): Promise<StepFigures> => {
    let step = await measure(label, stepRate, options.stepMs);
    for (let attempt = 1; step.verdict !== 'ok'; attempt++) {
      const noisy = isNoisy(step);
      if (attempt > options.retries + (noisy ? 2 : 0)) break;
      steps.push(step);
      step = await measure(`${label} again`, stepRate, options.stepMs);
    }
    return step;
  };
  for (let i = 0; i < options.maxSteps; i++) {
    const step = await stepWithRetry(`step ${i + 1}`, rate);
    steps.push(step);
    if (step.verdict !== 'ok') {
      failed = step;
      // The very first rate was already too much: look below it instead.
      if (best || i >= 3) break;
      rate /= options.growth ** 2;
      continue;
    }
    best = pickBest(best, step);
    if (failed) break; // recovered below a failure: the bisection below refines it
    rate *= options.growth;
  }
  if (best && failed && failed.offeredRate > best.offeredRate) {
    let low = best.offeredRate;
    let high = failed.offeredRate;
    for (let i = 0; i < options.refineSteps; i++) {
      const mid = (low + high) / 2;
      const step = await stepWithRetry(`refine ${i + 1}`, mid);
      steps.push(step);
      if (step.verdict === 'ok') {
        best = pickBest(best, step);
        low = mid;
      } else {
        failed = step;
        high = mid;
      }
    }
  }

  // Half the sustainable rate, for latency. The ramp has just overloaded the target, and the garbage
  // that overload promoted is collected in the next seconds; one untimed pass at the half rate lets
  // that happen first (it stays in `steps`, labelled "settle"). Then the half step, measured again
  // (at most twice) while other processes were busy during it; the attempt with the least outside
  // load counts — chosen by the noise, never by the result.
  if (best) steps.push(await measure('settle', best.deliveredRate / 2, options.measureMs));
  let half: StepFigures | null = null;
  for (let attempt = 0; best && attempt < 3 && (!half || isNoisy(half)); attempt++) {
    const figures = await measure(attempt === 0 ? 'half' : 'half again', best.deliveredRate / 2, options.measureMs);
    if (!half || figures.otherCoresPeak + figures.otherCores < half.otherCoresPeak + half.otherCores) half = figures;
  }
  return {
    target: target.name,
    rooms: options.rooms,
    steps,
    sustainable: best,
    limitedBy: failed ? failed.verdict : best ? 'max-steps' : 'none',
    half,
  };
}

function pickBest(best: StepFigures | null, step: StepFigures): StepFigures {
  return !best || step.deliveredRate > best.deliveredRate ? step : best;
}

