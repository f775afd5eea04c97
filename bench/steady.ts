/**
 * A steady load for looking inside one target while it works: starts the
 * relay and the named targets, gives each the same rooms, and runs the same
 * offered rate on them in turn, step after step, printing each step's figures
 * (and, with --perf, the syscalls each server process made per delivered
 * message, counted by `perf stat`). A developer's tool, not a report: it prints
 * on stderr and saves nothing; use `npm run bench` for figures that go in docs/.
 * A step's "others" is the CPU every other process on the machine used in it
 * (mean, and the busiest quarter second).
 *
 *   npx tsx bench/steady.ts --targets memory,redis1 --rate 11000 --steps 3 --step-ms 5000 [--perf] [--perf-record DIR]
 *
 * --variant K=V,K2=V2 (repeatable) also runs every Hush target with those extra settings (with --compare,
 * on both builds).
 * --compare REV also runs every Hush target as built from git revision REV, interleaved with
 * the working tree's, so a change is measured against its baseline in the same minutes.
 * --cpu-profile DIR writes a V8 CPU profile of the first server process of each Hush target over
 * step 1 only (--profile-step N: step N) through its inspector, to DIR/<target>.cpuprofile; read it with
 * bench/profile-summary.ts. --heap-profile DIR does the same with V8's sampling heap profiler: the objects
 * allocated during the step that are still in the heap at its end (--heap-collected major: and those a
 * mark-compact freed — promoted objects that died, but also young garbage that a mark-compact swept instead
 * of a scavenge, so a process with more mark-compacts shows more of everything; all: every allocation),
 * to DIR/<target>.heapprofile.
 * --pauses prints, for each server process and step, its longest event-loop stall and (Hush) its
 * garbage collections (count, time, how many over 10 and 100 ms), from its own /metrics.
 * --sched records the scheduler's events in every step (`perf sched record`, all but the step's last second) and
 * prints how long the server's main thread, redis-server and the load generators waited for a core once runnable: the
 * longest wait, and the time spent waiting in all per second. A stall the server spends waiting is the
 * machine's; one it spends running is its own.
 * --hiccups runs a hiccup meter on every CPU (bench/hiccups.ts) and prints, for each step, how late its 1 ms sleeps
 * woke at worst and how much lateness the guest's scheduler did not count as waiting for a core ("unaccounted"): a
 * server's stall that the meters did not see was the server's own work, not the machine stopping. The meters count
 * among "others".
 * --gc-bytes runs every Hush process with --trace-gc-nvp and prints, for each step, the bytes its collector saw
 * allocated and promoted per delivered message, and its scavenges and mark-compacts (bench/gc-trace.ts).
 * --perf-record DIR samples the first server process of each target during step 1 (or --profile-step), all but
 * its last second (`perf record -g`, JS names from --perf-basic-prof), into DIR/<target>.perf.data; read them
 * with bench/perf-summary.ts.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchContext } from './context.js';
import { round } from './context.js';
import { GeneratorPool } from './generator-pool.js';
import { HiccupMeters, type CpuHiccups } from './hiccups.js';
import { connectInspector, type Inspector } from './inspector.js';
import { freePort } from '../test/support/free-port.js';
import { parseOptions } from './options.js';
import { bytesPerMessage, GcTrace } from './gc-trace.js';
import { describeGcBetween, readPauses } from './server-pauses.js';
import { measureStep, ourPids } from './scenarios/step.js';
import { buildHushRevision, ensureHushBuild, redisCommand, REFERENCE_TARGETS, startTarget, TARGET_NAMES, type RunningTarget, type TargetName } from './targets.js';

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: 'memory' },
    rate: { type: 'string', default: '11000' },
    rooms: { type: 'string', default: '500' },
    steps: { type: 'string', default: '3' },
    'step-ms': { type: 'string', default: '5000' },
    perf: { type: 'boolean', default: false },
    'perf-record': { type: 'string' },
    'cpu-profile': { type: 'string' },
    'heap-profile': { type: 'string' },
    'heap-collected': { type: 'string', default: 'none' },
    'profile-step': { type: 'string', default: '1' },
    compare: { type: 'string' },
    variant: { type: 'string', multiple: true, default: [] },
    pauses: { type: 'boolean', default: false },
    'gc-bytes': { type: 'boolean', default: false },
    sched: { type: 'boolean', default: false },
    hiccups: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  // The usage is this file's opening comment, so it cannot drift from a copy.
  const opening = /^\/\*\*\n([\s\S]*?)\n \*\//.exec(readFileSync(new URL(import.meta.url), 'utf8'))?.[1] ?? '';
  process.stdout.write(`${opening.replace(/^ \* ?/gm, '')}\n`);
  process.exit(0);
}

const names = ['relay', ...values.targets.split(',').filter((name) => name !== 'relay')] as TargetName[];
for (const name of names) if (!(TARGET_NAMES as readonly string[]).includes(name)) throw new Error(`unknown target ${name}`);
const rate = Number(values.rate);
const stepMs = Number(values['step-ms']);
/** The step that --cpu-profile, --heap-profile and --perf-record look at: a later one sees a room's history full. */
const profiledStep = Number(values['profile-step']);
const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Runs `perf` with `args` and resolves what it wrote on `output` (perf stat reports on stderr, perf sched
 * timehist on stdout), or null when perf is missing or failed.
 */
function runPerf(args: string[], output: 'stdout' | 'stderr' | 'none' = 'none'): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn('perf', args, { stdio: ['ignore', output === 'stdout' ? 'pipe' : 'ignore', output === 'stderr' ? 'pipe' : 'ignore'] });
    let text = '';
    (output === 'stdout' ? child.stdout : child.stderr)?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code === 0 ? text : null));
  });
}

/** Counts the syscalls of `pids` for `ms` with perf (tracepoints), or resolves null when perf is unavailable. */
async function countSyscalls(pids: number[], ms: number): Promise<Map<string, number> | null> {
  const events = ['raw_syscalls:sys_enter', 'syscalls:sys_enter_writev', 'syscalls:sys_enter_write', 'syscalls:sys_enter_read', 'syscalls:sys_enter_epoll_wait'];
  const text = await runPerf(['stat', '-x', ',', '-e', events.join(','), '-p', pids.join(','), '--', 'sleep', String(ms / 1000)], 'stderr');
  const counts = new Map<string, number>();
  for (const line of text?.split('\n') ?? []) {
    const [value, , event] = line.split(',');
    if (event && Number.isFinite(Number(value))) counts.set(event.replace(/^.*:(sys_enter_)?/, ''), Number(value));
  }
  return counts.size > 0 ? counts : null;
}

/** Samples `pid` with `perf record` for `ms` into `file` (needs the target started with --perf-basic-prof for JS names). */
async function recordProfile(pid: number, ms: number, file: string): Promise<void> {
  await runPerf(['record', '-F', '1999', '-g', '-o', file, '-p', String(pid), '--', 'sleep', String(ms / 1000)]);
}

/** One wait for a core, from `perf sched timehist`: whose it was, and how long. */
interface CoreWait {
  pid: number;
  /** The process's main thread (else one of its other threads: V8's collector helpers, libuv's pool). */
  mainThread: boolean;
  delayMs: number;
}

/**
 * Records the scheduler's events on every CPU for `ms` (`perf sched record`), then reads how long each
 * thread waited for a core once runnable (`perf sched timehist`'s "sch delay" column, which also counts
 * the wait of a thread preempted while running). Resolves null when perf cannot record them here.
 */
async function recordCoreWaits(ms: number): Promise<CoreWait[] | null> {
  const file = `${tmpdir()}/hush-steady-${process.pid}.sched.data`;
  try {
    if ((await runPerf(['sched', 'record', '-o', file, '--', 'sleep', String(ms / 1000)])) === null) return null;
    const text = await runPerf(['sched', 'timehist', '-i', file], 'stdout');
    if (text === null) return null;
    const waits: CoreWait[] = [];
    for (const line of text.split('\n')) {
      // Lines: time, cpu, task name[tid] (a main thread) or name[tid/pid] (another thread), wait time, sch delay, run time (ms).
      const match = /\[(\d+)(?:\/(\d+))?\]\s+[\d.]+\s+([\d.]+)\s+[\d.]+\s*$/.exec(line);
      if (match) waits.push({ pid: Number(match[2] ?? match[1]), mainThread: match[2] === undefined, delayMs: Number(match[3]) });
    }
    return waits;
  } finally {
    rmSync(file, { force: true });
  }
}

/** The longest wait of the main threads (or of the other threads) of `pids`, and their waits in all per second of `ms`. */
function waitsOf(waits: CoreWait[], pids: number[], mainThread: boolean, ms: number): { longestMs: number; waitingMsPerSecond: number } {
  const delays = waits.filter((wait) => wait.mainThread === mainThread && pids.includes(wait.pid)).map((wait) => wait.delayMs);
  return { longestMs: Math.max(0, ...delays), waitingMsPerSecond: delays.reduce((sum, delay) => sum + delay, 0) / (ms / 1000) };
}

/** Stops an inspector profiler with `stopMethod`, writes its profile to `file` and closes the session. */
async function saveProfile(session: Inspector, stopMethod: string, file: string, what: string): Promise<void> {
  const { profile } = await session.call<{ profile: unknown }>(stopMethod);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(profile));
  session.close();
  log(`          ${what}: ${file}`);
}

/** Calls per command so far, from INFO commandstats. */
async function commandCounts(port: number): Promise<Map<string, number>> {
  const text = await redisCommand(port, 'INFO', 'commandstats');
  return new Map([...text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map((match) => [match[1]!, Number(match[2])]));
}

/**
 * "cpu0: latest wake-up 12 ms late, longest unaccounted 2.1 ms, 5 ms unaccounted in all; cpu1: …" — the
 * longest lateness and the longest unaccounted part may come from different wake-ups.
 */
function describeHiccups(cpus: CpuHiccups[]): string {
  return cpus
    .map((cpu) => {
      const name = cpu.pinned ? `cpu${cpu.cpu}` : `meter ${cpu.cpu} (unpinned)`;
      if (cpu.windows === 0) return `${name}: not heard from`;
      const caveats = [...(cpu.schedstat ? [] : ['no schedstat: all lateness unaccounted']), ...(cpu.complete ? [] : ['its last report still due'])];
      return (
        `${name}: latest wake-up ${round(cpu.longestLateMs)} ms late, longest unaccounted ${round(cpu.longestUnaccountedMs)} ms, ` +
        `${round(cpu.unaccountedMs)} ms unaccounted in all${caveats.length > 0 ? ` (${caveats.join('; ')})` : ''}`
      );
    })
    .join('; ');
}

function quartiles(values: number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))]!;
  return [at(0.25), at(0.5), at(0.75)];
}

async function main(): Promise<void> {
  const options = { ...(parseOptions(['--rooms', values.rooms, '--quiet-wait', '0']) as Exclude<ReturnType<typeof parseOptions>, 'help'>) };
  ensureHushBuild(log);
  const pool = GeneratorPool.start(options.generators);
  const ctx: BenchContext = { options, pool, log };
  const targets: RunningTarget[] = [];
  let meters: HiccupMeters | undefined;
  try {
    // With --compare REV, every Hush target also runs as built from REV, in the same steps (A/B).
    const baselineEntry = values.compare ? buildHushRevision(values.compare, log) : undefined;
    // With --variant KEY=VALUE[,KEY=VALUE…], every Hush target also runs with those settings.
    const settings = values.variant.map((text) => Object.fromEntries(text.split(',').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)])));
    const variants: Array<{ name: TargetName; label: string; entry?: string; env?: Record<string, string> }> = [];
    const gcTraces = new Map<string, GcTrace>();
    const gcPerMessage = new Map<string, Array<{ allocated: number; promoted: number }>>();
    for (const name of names) {
      if (baselineEntry && !REFERENCE_TARGETS.has(name)) variants.push({ name, label: `${name}@${values.compare}`, entry: baselineEntry });
      variants.push({ name, label: name });
      if (REFERENCE_TARGETS.has(name)) continue;
      values.variant.forEach((text, i) => {
        // A variant runs on both builds, so that a setting (say, a V8 trace) can be read on each side of an A/B.
        if (baselineEntry) variants.push({ name, label: `${name}@${values.compare}[${text}]`, entry: baselineEntry, env: settings[i]! });
        variants.push({ name, label: `${name}[${text}]`, env: settings[i]! });
      });
    }
    for (const { name, label, entry, env } of variants) {
      // A variant's NODE_ARGS are Node.js options of the server processes (V8 flags cannot go in NODE_OPTIONS).
      const { NODE_ARGS: extraNodeArgs, ...settings } = env ?? {};
      const traceGc = values['gc-bytes'] && !REFERENCE_TARGETS.has(name);
      const nodeArgs = [
        // --perf-basic-prof also turns on V8's log, which would land in the repository as isolate-*-v8.log.
        ...(values['perf-record'] ? ['--perf-basic-prof', '--no-logfile-per-isolate', `--logfile=${tmpdir()}/hush-v8-%p.log`] : []),
        ...(traceGc ? ['--trace-gc-nvp'] : []),
        ...(extraNodeArgs ? extraNodeArgs.split(' ') : []),
      ];
      const inspectPort = values['cpu-profile'] || values['heap-profile'] ? await freePort() : undefined;
      const trace = traceGc ? new GcTrace() : undefined;
      const target = await startTarget(name, {
        nodeArgs,
        ...(entry ? { entry } : {}),
        env: settings,
        ...(inspectPort ? { inspectPort } : {}),
        ...(trace ? { onHushLine: (line: string) => trace.feed(line) } : {}),
      });
      if (trace) gcTraces.set(label, trace);
      // The generators group rooms by target name; a variant gets its own group.
      target.name = label as TargetName;
      targets.push(target);
      const [first, second] = target.endpoints;
      const prepared = await pool.addRooms(label, options.rooms, { create: first!, a: first!, b: second ?? first! });
      if (prepared.failures > 0) throw new Error(`${label}: ${prepared.firstError}`);
      log(`${label}: pids ${[...target.serverPids, ...target.redisPids].join(' ')}`);
    }
    await pool.connectAll();
    meters = values.hiccups ? await HiccupMeters.start(Number.POSITIVE_INFINITY, log) : undefined;
    const ours = ourPids(ctx, targets);
    for (const target of targets) await measureStep(ctx, target, { label: 'warm-up', rate: rate / 2, durationMs: 1000, ours });
    const ratios = new Map<string, number[]>(targets.map((target) => [target.name, []]));
    const cpu = new Map<string, number[]>(targets.map((target) => [target.name, []]));
    if (values['perf-record']) mkdirSync(values['perf-record'], { recursive: true });
    for (let step = 1; step <= Number(values.steps); step++) {
      // The order rotates every step, so no target always runs right after the same one.
      const order = targets.map((_, i) => targets[(i + step - 1) % targets.length]!);
      const stepCpu = new Map<string, number>();
      for (const target of order) {
        const counting = values.perf ? countSyscalls([...target.serverPids, ...target.redisPids], stepMs - 500) : Promise.resolve(null);
        const commandsBefore = values.perf && target.redisPort ? await commandCounts(target.redisPort) : undefined;
        const scheduling = values.sched ? recordCoreWaits(stepMs - 1000) : Promise.resolve(null);
        const recording = values['perf-record'] && step === profiledStep
          ? recordProfile(target.serverPids[0]!, stepMs - 1000, `${values['perf-record']}/${target.name}.perf.data`)
          : Promise.resolve();
        const profiler = values['cpu-profile'] && step === profiledStep && target.inspectPort ? await connectInspector(target.inspectPort) : undefined;
        await profiler?.call('Profiler.enable');
        await profiler?.call('Profiler.setSamplingInterval', { interval: 200 });
        await profiler?.call('Profiler.start');
        // Objects allocated during the step and still in the heap at its end, plus those freed by the collections --heap-collected names.
        const heapProfiler = values['heap-profile'] && step === profiledStep && target.inspectPort ? await connectInspector(target.inspectPort) : undefined;
        await heapProfiler?.call('HeapProfiler.startSampling', {
          samplingInterval: 512,
          includeObjectsCollectedByMajorGC: values['heap-collected'] !== 'none',
          includeObjectsCollectedByMinorGC: values['heap-collected'] === 'all',
        });
        const pausesBefore = values.pauses ? await Promise.all(target.endpoints.map((endpoint) => readPauses(endpoint.http))) : undefined;
        const gcTrace = gcTraces.get(target.name);
        gcTrace?.take(); // what came before this step
        const stepStart = Date.now();
        const figures = await measureStep(ctx, target, { label: `step ${step}`, rate, durationMs: stepMs, ours });
        if (meters) log(`          machine: ${describeHiccups(await meters.between(stepStart, Date.now()))}`);
        meters?.forget(stepStart);
        if (gcTrace) {
          const gc = gcTrace.take();
          const perMessage = bytesPerMessage(gc, figures.received);
          gcPerMessage.set(target.name, [...(gcPerMessage.get(target.name) ?? []), perMessage]);
          log(
            `          collector: ${round(perMessage.allocated)} bytes allocated and ${round(perMessage.promoted)} promoted per delivered message; ` +
              `${gc.scavenges} scavenges (${round(gc.scavengeMs)} ms), ${gc.markCompacts} mark-compacts (${round(gc.markCompactMs)} ms)`,
          );
        }
        if (pausesBefore) {
          const pausesAfter = await Promise.all(target.endpoints.map((endpoint) => readPauses(endpoint.http)));
          pausesAfter.forEach((after, i) =>
            log(`          instance ${i + 1}: longest event-loop stall ${round(after.loopStallMs)} ms; GC: ${describeGcBetween(pausesBefore[i]!, after)}`),
          );
        }
        await recording;
        const waits = await scheduling;
        if (waits) {
          const describe = (pids: number[], mainThread: boolean) => {
            const { longestMs, waitingMsPerSecond } = waitsOf(waits, pids, mainThread, stepMs - 1000);
            return `longest ${round(longestMs)} ms, ${round(waitingMsPerSecond)} ms/s in all`;
          };
          log(
            `          waiting for a core once runnable: server main thread ${describe(target.serverPids, true)}; its other threads ${describe(target.serverPids, false)}; ` +
              `${target.redisPids.length > 0 ? `redis-server ${describe(target.redisPids, true)}; ` : ''}generators ${describe(ctx.pool.pids, true)}`,
          );
        }
        if (heapProfiler) await saveProfile(heapProfiler, 'HeapProfiler.stopSampling', `${values['heap-profile']}/${target.name}.heapprofile`, `heap profile of step ${step} (objects still in the heap)`);
        if (profiler) await saveProfile(profiler, 'Profiler.stop', `${values['cpu-profile']}/${target.name}.cpuprofile`, `CPU profile of step ${step}`);
        stepCpu.set(target.name, figures.cpuUsPerMsg);
        if (figures.redisCpuUsPerMsg !== null) log(`          Hush ${round(figures.hushCpuUsPerMsg)} + redis-server ${round(figures.redisCpuUsPerMsg)} µs per delivered message`);
        if (commandsBefore && target.redisPort) {
          const after = await commandCounts(target.redisPort);
          const perMessage = [...after].map(([name, calls]) => [name, (calls - (commandsBefore.get(name) ?? 0)) / figures.received] as const);
          log(`          Redis commands per delivered message: ${perMessage.filter(([, n]) => n >= 0.001).map(([name, n]) => `${name} ${round(n)}`).join(', ')}`);
        }
        const counts = await counting;
        if (counts) {
          const perMessage = [...counts].map(([event, count]) => `${event} ${round(count / (figures.deliveredRate * ((stepMs - 500) / 1000)))}`);
          log(`          syscalls per delivered message: ${perMessage.join(', ')}`);
        }
      }
      for (const [name, value] of stepCpu) {
        cpu.get(name)!.push(value);
        ratios.get(name)!.push(value / stepCpu.get('relay')!);
      }
    }
    // Medians over the steps, and each target's ratio to the relay measured in the same step.
    log('\nCPU µs per delivered message (median, quartiles) and × relay in the same step (median, quartiles):');
    for (const target of targets) {
      const [q1, median, q3] = quartiles(cpu.get(target.name)!);
      const [r1, ratio, r3] = quartiles(ratios.get(target.name)!);
      log(`  ${target.name.padEnd(28)} ${round(median!)} (${round(q1!)}–${round(q3!)})  ×${round(ratio!)} (${round(r1!)}–${round(r3!)})`);
    }
    if (gcPerMessage.size > 0) {
      log('\nBytes per delivered message (median over the steps): allocated, promoted:');
      for (const [name, steps] of gcPerMessage) {
        const [, allocated] = quartiles(steps.map((one) => one.allocated));
        const [, promoted] = quartiles(steps.map((one) => one.promoted));
        log(`  ${name.padEnd(28)} ${round(allocated!)}  ${round(promoted!)}`);
      }
    }
  } finally {
    pool.close();
    await Promise.all([...targets.map((target) => target.stop()), meters?.stop()]);
  }
}

main().catch((error: unknown) => {
  log(String(error instanceof Error ? error.stack : error));
  process.exit(1);
});
