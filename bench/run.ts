/**
 * `npm run bench`: starts the load generators, then for each scenario runs
 * every target in turn — each on a fresh process — with the same generator,
 * and reports the figures with ratios to the relay measured in the same run.
 * Progress goes to stderr; the Markdown report to stdout, and (unless
 * --no-save) a JSON line to the results file and the Markdown next to it.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { BenchContext } from './context.js';
import { GcTrace } from './gc-trace.js';
import { GeneratorPool } from './generator-pool.js';
import { parseOptions, USAGE, type BenchOptions } from './options.js';
import { evaluateChecks, toMarkdown, type BenchReport, type Machine, type Outcome } from './report.js';
import { runCommonRate } from './scenarios/common-rate.js';
import { runFanout } from './scenarios/fanout.js';
import { IDLE_PING_INTERVAL_MS, runIdle } from './scenarios/idle.js';
import { runRamp, runRamps, type RampResult } from './scenarios/ramp.js';
import { runStorm } from './scenarios/storm.js';
import {
  ensureHushBuild,
  HUSH_BENCH_ENV,
  redisServerVersion,
  REFERENCE_TARGETS,
  REPO_ROOT,
  startTarget,
  TARGET_LABELS,
  type RunningTarget,
  type TargetName,
  type TargetOptions,
} from './targets.js';
import { freePort } from '../test/support/free-port.js';

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describeMachine(): Machine {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    nproc: os.availableParallelism(),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    redis: redisServerVersion(),
    os: `${os.type()} ${os.release()}`,
  };
}

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** What else is using the CPU when the run starts (other people's test suites share the machine). */
function busiestProcesses(): string {
  const lines = run('ps', ['-eo', 'pcpu,comm', '--sort=-pcpu', '--no-headers']).split('\n').slice(0, 4);
  const busy = lines.map((line) => line.trim().split(/\s+/)).filter(([cpu]) => Number(cpu) >= 5);
  return busy.length > 0 ? `Busiest processes at the start: ${busy.map(([cpu, name]) => `${name} ${cpu} %`).join(', ')}.` : '';
}

const isRedis = (name: TargetName) => name === 'redis1' || name === 'redis2';
/** Targets that start their own redis-server: Hush's Redis targets and Socket.IO on its Redis adapter. */
const usesRedis = (name: TargetName) => isRedis(name) || name === 'socketio-redis';
/** Targets of the idle and storm scenarios: not redis2 (one instance holds every connection), not the Socket.IO references (message path only). */
const holdsConnections = (name: TargetName) => name !== 'redis2' && name !== 'socketio' && name !== 'socketio-redis';

async function main(): Promise<void> {
  let parsed: BenchOptions | 'help';
  try {
    parsed = parseOptions(process.argv.slice(2));
  } catch (error) {
    log(`bench: ${messageOf(error)}\n\n${USAGE}`);
    process.exit(2);
  }
  if (parsed === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const options: BenchOptions = parsed;
  const startedAt = new Date();
  const machine = describeMachine();
  const loadBefore = os.loadavg()[0]!;
  const busyNote = busiestProcesses();
  log(`hush bench (${options.mode}): scenarios ${options.scenarios.join(', ')}; targets ${options.targets.join(', ')}`);
  log(`machine: ${machine.nproc} × ${machine.cpuModel}, ${machine.memGiB} GiB, Node ${machine.node}, redis ${machine.redis}; load ${loadBefore.toFixed(2)}. ${busyNote}`);

  // Only the reference servers run without the Hush build (fan-out runs only when a Redis target is selected).
  if (options.targets.some((name) => !REFERENCE_TARGETS.has(name))) ensureHushBuild(log);
  const pool = GeneratorPool.start(options.generators);
  const ctx: BenchContext = { options, pool, log };
  /** Clears the generators' rooms and connections after a scenario; a failure is logged, not thrown. */
  const resetPool = () => pool.reset().catch((error: unknown) => log(`  generator reset failed: ${String(error)}`));
  let redisUnavailable: string | undefined;

  /** Starts a target, or says why not (a target on Redis that cannot start marks Redis unavailable for the rest of the run). */
  async function start(name: TargetName, startOptions: TargetOptions): Promise<RunningTarget | string> {
    if (usesRedis(name) && redisUnavailable) return redisUnavailable;
    try {
      const nodeArgs = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(options.profileDir, name)}`] : [];
      return await startTarget(name, { ...startOptions, nodeArgs: [...nodeArgs, ...(startOptions.nodeArgs ?? [])] });
    } catch (error) {
      const reason = `could not start: ${messageOf(error)}`;
      if (usesRedis(name)) {
        redisUnavailable = `Redis not available (${reason})`;
        log(`  ${name}: skipped — ${redisUnavailable}`);
        return redisUnavailable;
      }
      log(`  ${name}: ${reason}`);
      return reason;
    }
  }

  /** Logs why a target's (or a scenario's) run failed and returns that reason, as the report gives it. */
  function failure(name: string, error: unknown): string {
    const reason = `failed: ${messageOf(error)}`;
    log(`  ${name}: ${reason}`);
    return reason;
  }

  /**
   * Starts every selected target at once (for scenarios that interleave them), runs `scenario` on those
   * that started (with those that did not, and why), then clears the generators and stops them all.
   */
  async function withAllTargets<T>(
    optionsOf: (name: TargetName) => TargetOptions,
    scenario: (running: RunningTarget[], skipped: Array<{ target: TargetName; reason: string }>) => Promise<T>,
  ): Promise<T> {
    const running: RunningTarget[] = [];
    const skipped: Array<{ target: TargetName; reason: string }> = [];
    try {
      for (const name of options.targets) {
        const target = await start(name, optionsOf(name));
        if (typeof target === 'string') skipped.push({ target: name, reason: target });
        else running.push(target);
      }
      return await scenario(running, skipped);
    } finally {
      await resetPool();
      await Promise.all(running.map((target) => target.stop()));
    }
  }

  async function withTarget<T>(name: TargetName, startOptions: TargetOptions, scenario: (target: RunningTarget) => Promise<T>): Promise<Outcome<T>> {
    const target = await start(name, startOptions);
    if (typeof target === 'string') return { target: name, skipped: target };
    try {
      return { target: name, result: await scenario(target) };
    } catch (error) {
      return { target: name, skipped: failure(name, error) };
    } finally {
      await resetPool();
      await target.stop();
    }
  }

  const report: BenchReport = {
    kind: 'hush-bench',
    version: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: '',
    durationS: 0,
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    gitCommit: `${run('git', ['rev-parse', '--short', 'HEAD'])}${run('git', ['status', '--porcelain', '--', 'src/server', 'src/shared', 'bench', ':!bench/results']) ? ' + uncommitted changes' : ''}`,
    machine,
    load: { before: loadBefore, after: 0, note: busyNote },
    options,
    hushEnv: HUSH_BENCH_ENV,
    ramp: [],
    cpu: undefined,
    idle: [],
    storm: [],
    fanout: undefined,
    checks: [],
  };

  try {
    for (const scenario of options.scenarios) {
      log(`— ${scenario}`);
      if (scenario === 'ramp' && options.rampOrder === 'sequential') {
        for (const name of options.targets) report.ramp.push(await withTarget(name, {}, (target) => runRamp(ctx, target)));
      } else if (scenario === 'ramp') {
        report.ramp = await withAllTargets(
          () => ({}),
          async (running, skipped) => {
            const outcomes = await runRamps(ctx, running);
            return options.targets.map((name): Outcome<RampResult> => {
              const outcome = outcomes.find((one) => one.target === name);
              if (!outcome) return { target: name, skipped: skipped.find((one) => one.target === name)!.reason };
              return 'error' in outcome ? { target: name, skipped: failure(name, outcome.error) } : { target: name, result: outcome };
            });
          },
        );
      } else if (scenario === 'cpu') {
        // Hush's processes also report their collector (bytes allocated and promoted per message).
        const collectors = new Map<TargetName, GcTrace>();
        const collectorOf = (name: TargetName): TargetOptions => {
          if (REFERENCE_TARGETS.has(name)) return {};
          const collector = new GcTrace();
          collectors.set(name, collector);
          return { nodeArgs: ['--trace-gc-nvp'], onHushLine: (line) => collector.feed(line) };
        };
        report.cpu = await withAllTargets(collectorOf, async (running, skipped) => {
          try {
            return { result: await runCommonRate(ctx, running, collectors), skipped };
          } catch (error) {
            const reason = failure('cpu', error);
            return { skipped: [...skipped, ...running.map((target) => ({ target: target.name, reason }))] };
          }
        });
      } else if (scenario === 'idle') {
        // One instance holds every connection; redis2 would only halve it.
        for (const name of options.targets.filter(holdsConnections)) {
          const startOptions = { connections: options.idleConnections, inspectPort: await freePort(), env: { PING_INTERVAL_MS: String(IDLE_PING_INTERVAL_MS) } };
          report.idle.push(await withTarget(name, startOptions, (target) => runIdle(ctx, target)));
        }
      } else if (scenario === 'storm') {
        for (const name of options.targets.filter(holdsConnections)) {
          report.storm.push(await withTarget(name, { connections: options.stormClients }, (target) => runStorm(ctx, target)));
        }
      } else if (scenario === 'fanout') {
        if (!options.targets.some(isRedis)) report.fanout = { skipped: 'no Redis target selected' };
        else if (redisUnavailable) report.fanout = { skipped: redisUnavailable };
        else {
          try {
            report.fanout = { result: await runFanout(ctx) };
          } catch (error) {
            const reason = `failed: ${messageOf(error)}`;
            log(`  fan-out: ${reason}`);
            report.fanout = { skipped: reason };
          }
        }
      }
    }
  } finally {
    pool.close();
  }

  const finishedAt = new Date();
  report.finishedAt = finishedAt.toISOString();
  report.durationS = (finishedAt.getTime() - startedAt.getTime()) / 1000;
  report.load.after = os.loadavg()[0]!;
  report.checks = evaluateChecks(report);
  const markdown = toMarkdown(report);
  process.stdout.write(`${markdown}\n`);
  if (options.out) {
    const out = resolve(REPO_ROOT, options.out);
    mkdirSync(dirname(out), { recursive: true });
    appendFileSync(out, `${JSON.stringify(report)}\n`);
    writeFileSync(join(dirname(out), 'latest.md'), `${markdown}\n`);
    log(`results appended to ${out}; Markdown in ${join(dirname(out), 'latest.md')}`);
  }
  for (const skipped of [...report.ramp, ...report.idle, ...report.storm].filter((outcome) => outcome.skipped)) {
    log(`note: ${TARGET_LABELS[skipped.target]} skipped — ${skipped.skipped}`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
