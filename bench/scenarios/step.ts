/**
 * One measured step of traffic, shared by the ramp and the common-rate
 * scenarios: every generator offers its share of a rate to one target's rooms
 * for a while, then waits for the deliveries; the step's figures come from
 * the generators (counts, latency) and from /proc (CPU of the target's
 * processes, of the generators, and of everything else on the machine).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from '../context.js';
import { round } from '../context.js';
import { Histogram } from '../histogram.js';
import { CpuMeter, OtherLoadMeter, parentPid } from '../proc-stats.js';
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
  /** Cores other processes on the machine used during the step (noise), on average… */
  otherCores: number;
  /** …and in the busiest quarter-second of it: a short burst is enough to spoil a p99. */
  otherCoresPeak: number;
  /** Seconds spent waiting for the machine to be quiet before the step. */
  waitedForQuietS: number;
  verdict: StepVerdict;
}

/** Other processes using less than this many cores count as a quiet machine. */
const QUIET_OTHER_CORES = 0.25;
/** A quarter-second in which other processes used more than this many cores makes a step noisy. */
const NOISY_PEAK_CORES = 0.6;

/** Whether outside load may have spoiled the step (its failure is then measured again). */
export function isNoisy(step: Pick<StepFigures, 'otherCores' | 'otherCoresPeak'>): boolean {
  return step.otherCores > QUIET_OTHER_CORES || step.otherCoresPeak > NOISY_PEAK_CORES;
}

/** Our own processes: the parent, the generators, and every running target's servers and redis-server. */
export function ourPids(ctx: BenchContext, targets: readonly RunningTarget[]): number[] {
  return [process.pid, ...ctx.pool.pids, ...targetPids(targets)];
}

/** The targets' processes: their servers and redis-servers. */
export function targetPids(targets: readonly RunningTarget[]): number[] {
  return targets.flatMap((target) => [...target.serverPids, ...target.redisPids]);
}

/**
 * Creates `target`'s rooms of two members for the message scenarios (ramp, cpu); their sockets connect
 * with connectRooms. With two instances every room spans both, so every message crosses Redis.
 */
export async function addTargetRooms(ctx: BenchContext, target: RunningTarget): Promise<void> {
  const [first, second] = target.endpoints;
  const prepared = await ctx.pool.addRooms(target.name, ctx.options.rooms, { create: first!, a: first!, b: second ?? first! });
  if (prepared.failures > 0) throw new Error(`${target.name}: setup failed for ${prepared.failures} rooms: ${prepared.firstError}`);
}

/** Connects every member of the rooms added since the last connect, then lets the joins settle. */
export async function connectRooms(ctx: BenchContext): Promise<void> {
  const connected = await ctx.pool.connectAll();
  if (connected.failures > 0) throw new Error(`setup failed for ${connected.failures} members: ${connected.firstError}`);
  await sleep(300);
}

/** Waits (in 1 s looks, at most --quiet-wait seconds) until other processes leave the CPUs mostly idle; returns seconds waited. */
async function waitForQuiet(ctx: BenchContext, ours: readonly number[]): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ctx.options.quietWaitMs) {
    const meter = new OtherLoadMeter(ours);
    await sleep(1000);
    if (meter.read() <= QUIET_OTHER_CORES) break;
  }
  const waited = (Date.now() - started) / 1000;
  return waited >= 1.5 ? waited : 0;
}

export interface StepRequest {
  label: string;
  rate: number;
  durationMs: number;
  drainMs?: number;
  /** Every process of ours (default: the generators and this target's), to tell other processes' load apart. */
  ours?: readonly number[];
  /**
   * Processes stopped (SIGSTOP) while the step's traffic runs and drains, continued after it: the other
   * targets' when their ramps share the machine's minutes, so that each step has the machine to itself
   * as in a ramp of one target after another.
   */
  paused?: readonly number[];
}

let nextStep = 0;

/** Waits for a quiet machine, runs one step on `target`'s rooms (group = target name), logs and returns its figures. */
export async function measureStep(ctx: BenchContext, target: RunningTarget, request: StepRequest): Promise<StepFigures> {
  const ours = request.ours ?? ourPids(ctx, [target]);
  const waitedForQuietS = await waitForQuiet(ctx, ours);
  const paused = request.paused ?? [];
  let figures: StepFigures;
  try {
    signalChildren(paused, 'SIGSTOP');
    figures = await runStep(ctx, target, request.label, nextStep++, request.rate, request.durationMs, request.drainMs ?? ctx.options.drainMs, ours);
  } finally {
    signalChildren(paused, 'SIGCONT');
  }
  figures.waitedForQuietS = waitedForQuietS;
  ctx.log(
    `  ${target.name.padEnd(7)} ${request.label.padEnd(8)} offered ${Math.round(request.rate)}/s → delivered ${Math.round(figures.deliveredRate)}/s, ` +
      `p50 ${round(figures.p50Ms)} ms, p99 ${round(figures.p99Ms)} ms, loss ${round(figures.lossRatio * 100)} %, ` +
      `${round(figures.cpuUsPerMsg)} µs CPU/msg, server ${round(figures.serverCores)} cores, generator ${round(figures.generatorCores)} cores, ` +
      `others ${round(figures.otherCores, 2)} cores (peak ${round(figures.otherCoresPeak, 2)})${waitedForQuietS > 0 ? ` (waited ${Math.round(waitedForQuietS)} s for quiet)` : ''} → ${figures.verdict}`,
  );
  await sleep(300);
  return figures;
}

/**
 * Sends `signal` to each process of `pids` that is still a child of this one: a target that died
 * has been reaped, and its pid may since belong to some other process on the machine.
 */
function signalChildren(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    if (parentPid(pid) !== process.pid) continue;
    try {
      process.kill(pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}

/** One step: every generator sends its share of `rate` for `durationMs`, then drains for up to `drainMs`. */
async function runStep(
  ctx: BenchContext,
  target: RunningTarget,
  label: string,
  stepIndex: number,
  rate: number,
  durationMs: number,
  drainMs: number,
  ours: readonly number[],
): Promise<StepFigures> {
  const { options, pool } = ctx;
  const others = new OtherLoadMeter(ours);
  let otherCoresPeak = 0;
  let window = new OtherLoadMeter(ours);
  const sampler = setInterval(() => {
    otherCoresPeak = Math.max(otherCoresPeak, window.read());
    window = new OtherLoadMeter(ours);
  }, 250);
  const hushMeter = new CpuMeter(target.serverPids);
  const redisMeter = new CpuMeter(target.redisPids);
  const generatorMeter = new CpuMeter(pool.pids);
  const results = await pool.step(target.name, stepIndex, rate, durationMs, drainMs);
  clearInterval(sampler);
  const otherCores = others.read();
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
    otherCores,
    otherCoresPeak,
    waitedForQuietS: 0,
    verdict,
  };
  if (firstError) figures.firstError = firstError;
  return figures;
}
