/**
 * The ramp scenario: R rooms × 2 members, 64-character bodies. The offered
 * rate rises step by step (× growth) until a step fails — p99 end-to-end
 * latency above the limit (100 ms), more than 0.1 % of messages lost after
 * the drain, error frames, or the generator unable to offer the rate; a failed
 * step is measured again (--retries) before it counts — then bisects between
 * the last good and the first failed rate. Reported: the highest
 * sustainable delivered rate with the server CPU µs per delivered message
 * there, and p50/p99 at half of it. (CPU at a common rate: common-rate.ts.)
 *
 * Every target's ramp runs at the same time, its steps taken in turn with the
 * others' (runRamps): the relay's ceiling and a target's rate then come from
 * the same minutes, so a slow spell of the shared machine touches them alike
 * instead of deciding a ratio. `--ramp-order sequential` ramps one target
 * after another, each alone on the machine, as the benchmark did before.
 */
import type { BenchContext } from '../context.js';
import type { RunningTarget } from '../targets.js';
import { addTargetRooms, connectRooms, isNoisy, measureStep, targetPids, type StepFigures, type StepVerdict } from './step.js';

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

/** A ramp that failed (its target died, its rooms could not be set up): the others go on. */
export interface RampFailure {
  target: string;
  error: unknown;
}

/** One target's ramp on its own: rooms, then every step, then the half rate. */
export async function runRamp(ctx: BenchContext, target: RunningTarget): Promise<RampResult> {
  await addTargetRooms(ctx, target);
  await connectRooms(ctx);
  const ramp = rampSteps(ctx, target);
  for (;;) {
    const next = await ramp.next();
    if (next.done) return next.value;
  }
}

/**
 * Every target's ramp at once, one measured turn of each in a fixed order, round after round (a
 * turn is one step, or the settle pass with the half-rate step after it), so the steps of a target
 * are evenly spaced while others go on. The other targets' processes are stopped (SIGSTOP) while a
 * step's traffic runs, so their timers (pings, leases) take nothing from it; before it, the wait for
 * a quiet machine counts them as other load, so leftover work of theirs (a backlog, a collection)
 * is waited for. A failed step's retry comes in the target's next turn. Rooms are connected target
 * by target, so one target that cannot be set up fails only its own ramp.
 */
export async function runRamps(ctx: BenchContext, targets: readonly RunningTarget[]): Promise<Array<RampResult | RampFailure>> {
  const outcomes: Array<RampResult | RampFailure | undefined> = targets.map(() => undefined);
  const ramps: Array<{ index: number; steps: AsyncGenerator<void, RampResult> }> = [];
  for (const [index, target] of targets.entries()) {
    const others = targetPids(targets.filter((other) => other !== target));
    try {
      await addTargetRooms(ctx, target);
      await connectRooms(ctx);
      ramps.push({ index, steps: rampSteps(ctx, target, others) });
    } catch (error) {
      outcomes[index] = { target: target.name, error };
    }
  }
  while (ramps.length > 0) {
    for (const ramp of [...ramps]) {
      let next: IteratorResult<void, RampResult> | { error: unknown };
      try {
        next = await ramp.steps.next();
      } catch (error) {
        next = { error };
      }
      if ('error' in next) outcomes[ramp.index] = { target: targets[ramp.index]!.name, error: next.error };
      else if (next.done) outcomes[ramp.index] = next.value;
      else continue;
      ramps.splice(ramps.indexOf(ramp), 1);
    }
  }
  return outcomes.map((outcome) => outcome!);
}

/** The ramp of one target whose rooms are connected, yielding after each turn: a step, or the settle pass and the half-rate step. */
async function* rampSteps(ctx: BenchContext, target: RunningTarget, paused: readonly number[] = []): AsyncGenerator<void, RampResult> {
  const { options } = ctx;
  const measure = (label: string, rate: number, durationMs: number) => measureStep(ctx, target, { label, rate, durationMs, paused });

  // Warm-up (JIT, buffers); not reported.
  await measure('warm-up', options.startRate / 2, Math.min(2000, options.stepMs));
  yield;

  const steps: StepFigures[] = [];
  let rate = options.startRate;
  let best: StepFigures | null = null;
  let failed: StepFigures | null = null;
  // A failed step is measured again before it counts (--retries), and up to twice more while other
  // processes were busy during it: other work on a shared machine can spoil a step.
  async function* stepWithRetry(label: string, stepRate: number): AsyncGenerator<void, StepFigures> {
    let step = await measure(label, stepRate, options.stepMs);
    for (let attempt = 1; step.verdict !== 'ok'; attempt++) {
      const noisy = isNoisy(step);
      if (attempt > options.retries + (noisy ? 2 : 0)) break;
      steps.push(step);
      yield;
      step = await measure(`${label} again`, stepRate, options.stepMs);
    }
    return step;
  }
  for (let i = 0; i < options.maxSteps; i++) {
    const step = yield* stepWithRetry(`step ${i + 1}`, rate);
    steps.push(step);
    yield;
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
      const step = yield* stepWithRetry(`refine ${i + 1}`, mid);
      steps.push(step);
      yield;
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
  // that happen first (it stays in `steps`, labelled "settle"), and the half step follows it at once.
  // The half step is measured again (at most twice) while other processes were busy during it; the
  // attempt with the least outside load counts — chosen by the noise, never by the result.
  let half: StepFigures | null = null;
  if (best) {
    steps.push(await measure('settle', best.deliveredRate / 2, options.measureMs));
    for (let attempt = 0; attempt < 3 && (!half || isNoisy(half)); attempt++) {
      if (attempt > 0) yield;
      const figures = await measure(attempt === 0 ? 'half' : 'half again', best.deliveredRate / 2, options.measureMs);
      if (!half || figures.otherCoresPeak + figures.otherCores < half.otherCoresPeak + half.otherCores) half = figures;
    }
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
