/**
 * The ramp scenario: R rooms × 2 members, 64-character bodies. The offered
 * rate rises step by step (× growth) until a step fails — p99 end-to-end
 * latency above the limit (100 ms), more than 0.1 % of messages lost after
 * the drain, error frames, or the generator unable to offer the rate; a failed
 * step is measured again (--retries) before it counts — then bisects between
 * the last good and the first failed rate. Reported: the
 * highest sustainable delivered rate, p50/p99 at half of it, and server CPU µs
 * per delivered message both there and at a common rate shared by every target.
 */
import type { BenchContext } from '../context.js';
import { round, sleep } from '../context.js';
import { Histogram } from '../histogram.js';
import type { StepResult } from '../ipc.js';
import { CpuMeter } from '../proc-stats.js';
import type { RunningTarget } from '../targets.js';

export type StepVerdict = 'ok' | 'latency' | 'loss' | 'errors' | 'generator';

export interface StepFigures {
  label: string;
  offeredRate: number;
  /** Messages the generators actually sent per second. */
  sentRate: number;
  /** Messages that reached the other member, per second of the send window. */
  deliveredRate: number;
  sent: number;
  received: number;
  lossRatio: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU µs per delivered message: server (relay or Hush instances) + redis-server. */
  cpuUsPerMsg: number;
  hushCpuUsPerMsg: number;
  redisCpuUsPerMsg: number | null;
  /** Average cores busy, server side (Hush + Redis), over the step. */
  serverCores: number;
  /** Average cores busy in the generator processes. */
  generatorCores: number;
  generatorCpuUsPerMsg: number;
  errorFrames: number;
  sendFailures: number;
  firstError?: string;
  verdict: StepVerdict;
}

export interface RampResult {
  target: string;
  rooms: number;
  steps: StepFigures[];
  /** The passing step with the highest delivered rate. */
  sustainable: StepFigures | null;
  /** Why the ramp stopped at that rate. */
  limitedBy: StepVerdict | 'max-steps' | 'none';
  half: StepFigures | null;
  common: StepFigures | null;
  /** The common rate was above this target's sustainable rate. */
  commonAboveSustainable: boolean;
}

export async function runRamp(ctx: BenchContext, target: RunningTarget): Promise<RampResult> {
  const { options, pool, log } = ctx;
  const [first, second] = target.endpoints;
  // With two instances every room spans both, so every message crosses Redis.
  const placement = { create: first!, a: first!, b: second ?? first! };
  const prepared = await pool.addRooms(options.rooms, placement);
  const connected = await pool.connectAll();
  if (prepared.failures + connected.failures > 0) {
    throw new Error(`setup failed for ${prepared.failures + connected.failures} rooms/members: ${prepared.firstError ?? connected.firstError}`);
  }
  await sleep(300);

  let stepIndex = 0;
  const measure = async (label: string, rate: number, durationMs: number): Promise<StepFigures> => {
    const figures = await runStep(ctx, target, label, stepIndex++, rate, durationMs);
    log(
      `  ${target.name.padEnd(7)} ${label.padEnd(8)} offered ${Math.round(rate)}/s → delivered ${Math.round(figures.deliveredRate)}/s, ` +
        `p50 ${round(figures.p50Ms)} ms, p99 ${round(figures.p99Ms)} ms, loss ${round(figures.lossRatio * 100)} %, ` +
        `${round(figures.cpuUsPerMsg)} µs CPU/msg, server ${round(figures.serverCores)} cores, generator ${round(figures.generatorCores)} cores → ${figures.verdict}`,
    );
    await sleep(300);
    return figures;
  };

  // Warm-up (JIT, buffers); not reported.
  await measure('warm-up', options.startRate / 2, Math.min(2000, options.stepMs));

  const steps: StepFigures[] = [];
  let rate = options.startRate;
  let best: StepFigures | null = null;
  let failed: StepFigures | null = null;
  // A failed step is measured once more before it counts: other work on a shared machine can spoil one step.
  const stepWithRetry = async (label: string, stepRate: number): Promise<StepFigures> => {
    let step = await measure(label, stepRate, options.stepMs);
    for (let retry = 1; retry <= options.retries && step.verdict !== 'ok'; retry++) {
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

  const half = best ? await measure('half', best.deliveredRate / 2, options.measureMs) : null;
  const common = await measure('common', options.commonRate, options.measureMs);
  return {
    target: target.name,
    rooms: options.rooms,
    steps,
    sustainable: best,
    limitedBy: failed ? failed.verdict : best ? 'max-steps' : 'none',
    half,
    common,
    commonAboveSustainable: !best || options.commonRate > best.deliveredRate,
  };
}

function pickBest(best: StepFigures | null, step: StepFigures): StepFigures {
  return !best || step.deliveredRate > best.deliveredRate ? step : best;
}

/** One step: every generator sends its share of `rate` for `durationMs`, then drains. */
export async function runStep(ctx: BenchContext, target: RunningTarget, label: string, stepIndex: number, rate: number, durationMs: number): Promise<StepFigures> {
  const { options, pool } = ctx;
  const totalRooms = pool.rooms.reduce((sum, rooms) => sum + rooms, 0);
  const hushMeter = new CpuMeter(target.serverPids);
  const redisMeter = new CpuMeter(target.redisPid ? [target.redisPid] : []);
  const generatorMeter = new CpuMeter(pool.pids);
  const results = await pool.all<StepResult>(
    (i) =>
      pool.rooms[i]! > 0
        ? { type: 'step', step: stepIndex, rate: (rate * pool.rooms[i]!) / totalRooms, durationMs, drainMs: options.drainMs }
        : undefined,
    durationMs + options.drainMs + 60_000,
  );
  const hush = hushMeter.read();
  const redis = redisMeter.read();
  const generator = generatorMeter.read();

  const latency = new Histogram();
  let sent = 0;
  let received = 0;
  let errorFrames = 0;
  let sendFailures = 0;
  let firstError: string | undefined;
  for (const result of results) {
    sent += result.sent;
    received += result.received;
    errorFrames += result.errorFrames;
    sendFailures += result.sendFailures;
    firstError ??= result.firstError;
    latency.merge(Histogram.fromSparse(result.latency));
  }
  const seconds = durationMs / 1000;
  const lossRatio = sent === 0 ? 1 : (sent - received) / sent;
  const p99Ms = latency.percentileMs(0.99);
  const perMessage = (micros: number) => (received > 0 ? micros / received : Number.NaN);
  let verdict: StepVerdict = 'ok';
  if (sent / seconds < rate * 0.95) verdict = 'generator';
  else if (errorFrames > 0 || sendFailures > 0) verdict = 'errors';
  else if (lossRatio > options.lossLimit) verdict = 'loss';
  else if (!(p99Ms <= options.p99LimitMs)) verdict = 'latency';
  const figures: StepFigures = {
    label,
    offeredRate: rate,
    sentRate: sent / seconds,
    deliveredRate: received / seconds,
    sent,
    received,
    lossRatio,
    p50Ms: latency.percentileMs(0.5),
    p99Ms,
    maxMs: latency.max / 1000,
    cpuUsPerMsg: perMessage(hush.cpuMicros + redis.cpuMicros),
    hushCpuUsPerMsg: perMessage(hush.cpuMicros),
    redisCpuUsPerMsg: target.redisPid ? perMessage(redis.cpuMicros) : null,
    serverCores: (hush.cpuMicros + redis.cpuMicros) / hush.wallMicros,
    generatorCores: generator.cpuMicros / generator.wallMicros,
    generatorCpuUsPerMsg: perMessage(generator.cpuMicros),
    errorFrames,
    sendFailures,
    verdict,
  };
  if (firstError) figures.firstError = firstError;
  return figures;
}
