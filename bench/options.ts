/**
 * Command-line options of `npm run bench`, with the sizes of each mode
 * (full, --quick, --smoke). Every loop in the benchmark is bounded by these.
 */
import { parseArgs } from 'node:util';
import { TARGET_NAMES, type TargetName } from './targets.js';

export const SCENARIO_NAMES = ['ramp', 'cpu', 'idle', 'storm', 'fanout'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];
export type Mode = 'full' | 'quick' | 'smoke';
export const RAMP_ORDERS = ['interleaved', 'sequential'] as const;
export type RampOrder = (typeof RAMP_ORDERS)[number];

export interface BenchOptions {
  mode: Mode;
  scenarios: ScenarioName[];
  targets: TargetName[];
  /** Load-generator processes. */
  generators: number;
  // ramp
  rooms: number;
  startRate: number;
  growth: number;
  maxSteps: number;
  refineSteps: number;
  /** Times a failed step is measured again before the ramp accepts the failure. */
  retries: number;
  stepMs: number;
  drainMs: number;
  /** Duration of the half-rate and common-rate measurements. */
  measureMs: number;
  commonRate: number;
  /** Rounds of the common-rate measurement (each target once per round). */
  commonRounds: number;
  p99LimitMs: number;
  lossLimit: number;
  /** Before each ramp step, wait up to this long for other processes to leave the CPUs mostly idle. */
  quietWaitMs: number;
  /** Ramp every target at once, their steps in turn (interleaved), or one target after another. */
  rampOrder: RampOrder;
  // idle
  idleConnections: number;
  idleHoldMs: number;
  // storm
  stormClients: number;
  // fanout
  fanoutRooms: number;
  fanoutRate: number;
  fanoutMs: number;
  /** JSON-lines file to append to; the Markdown report goes next to it as latest.md. */
  out: string | undefined;
  /** Directory for V8 CPU profiles of the server processes (node --cpu-prof), if asked for. */
  profileDir: string | undefined;
}

const SIZES: Record<Mode, Omit<BenchOptions, 'mode' | 'scenarios' | 'targets' | 'out' | 'profileDir' | 'rampOrder'>> = {
  full: {
    generators: 2,
    rooms: 500,
    startRate: 4000,
    growth: 1.25,
    maxSteps: 16,
    refineSteps: 2,
    retries: 1,
    stepMs: 5000,
    drainMs: 2000,
    measureMs: 10_000,
    commonRate: 11_000,
    commonRounds: 3,
    p99LimitMs: 100,
    lossLimit: 0.001,
    quietWaitMs: 60_000,
    idleConnections: 10_000,
    idleHoldMs: 5000,
    stormClients: 2000,
    fanoutRooms: 1000,
    fanoutRate: 5000,
    fanoutMs: 10_000,
  },
  quick: {
    generators: 2,
    rooms: 100,
    startRate: 2000,
    growth: 1.6,
    maxSteps: 5,
    refineSteps: 0,
    retries: 0,
    stepMs: 1000,
    drainMs: 1000,
    measureMs: 1500,
    commonRate: 4000,
    commonRounds: 1,
    p99LimitMs: 100,
    lossLimit: 0.001,
    quietWaitMs: 0,
    idleConnections: 1000,
    idleHoldMs: 1000,
    stormClients: 200,
    fanoutRooms: 100,
    fanoutRate: 1000,
    fanoutMs: 2000,
  },
  smoke: {
    generators: 2,
    rooms: 10,
    startRate: 400,
    growth: 2,
    maxSteps: 2,
    refineSteps: 0,
    retries: 0,
    stepMs: 500,
    drainMs: 1000,
    measureMs: 500,
    commonRate: 400,
    commonRounds: 1,
    p99LimitMs: 100,
    lossLimit: 0.001,
    quietWaitMs: 0,
    idleConnections: 100,
    idleHoldMs: 300,
    stormClients: 20,
    fanoutRooms: 20,
    fanoutRate: 200,
    fanoutMs: 500,
  },
};

export const USAGE = `npm run bench -- [options]

  --scenario ramp|cpu|idle|storm|fanout|all
                                           scenarios to run, comma-separated (default all); cpu is
                                           CPU per message at the common rate, all targets interleaved
  --targets relay,memory,redis1,redis2,socketio,socketio-redis
                                           targets to run (default all; relay is always added);
                                           socketio is a minimal Socket.IO chat, socketio-redis the
                                           same on Socket.IO's Redis adapter: reference points
                                           (ramp and cpu only)
  --quick                                  small sizes, under two minutes (default targets relay,
                                           memory,redis1,redis2)
  --smoke                                  tiny sizes for CI (default targets relay,memory)
  --generators N                           load-generator processes (default 2)
  --rooms N                                ramp: rooms of two members (default 500)
  --start-rate N  --growth X               ramp: first offered rate (msgs/s) and factor per step
  --step-ms N  --max-steps N               ramp: duration and number of steps
  --retries N                              ramp: times a failed step is measured again (default 1; quick 0)
  --ramp-order interleaved|sequential      ramp: every target at once, one step of each in turn, so that
                                           all ramps share the same minutes (default); or one target
                                           after another, each alone
  --common-rate N  --rounds N              cpu: rate at which CPU per message is compared (default 11000)
                                           and rounds per target (default 3; the median is reported)
  --quiet-wait S                           ramp: before each step, wait up to S seconds for other processes
                                           to leave the CPUs mostly idle (default 60; quick 0)
  --connections N                          idle: open member connections (default 10000)
  --storm-clients N                        storm: clients (default 2000)
  --fanout-rooms N  --fanout-rate N        fanout: busy rooms and total msgs/s
  --out FILE                               JSON-lines file to append to (default bench/results/results.jsonl)
  --no-save                                print only; write no file
  --profile DIR                            write a V8 CPU profile of every server process to DIR
                                           (summarise one with: npx tsx bench/profile-summary.ts FILE)
`;

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string' },
      targets: { type: 'string' },
      quick: { type: 'boolean' },
      smoke: { type: 'boolean' },
      generators: { type: 'string' },
      rooms: { type: 'string' },
      'start-rate': { type: 'string' },
      growth: { type: 'string' },
      'step-ms': { type: 'string' },
      'max-steps': { type: 'string' },
      retries: { type: 'string' },
      'ramp-order': { type: 'string' },
      'common-rate': { type: 'string' },
      'quiet-wait': { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      'storm-clients': { type: 'string' },
      'fanout-rooms': { type: 'string' },
      'fanout-rate': { type: 'string' },
      out: { type: 'string' },
      'no-save': { type: 'boolean' },
      profile: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const mode: Mode = values.smoke ? 'smoke' : values.quick ? 'quick' : 'full';
  const sizes = { ...SIZES[mode] };

  const scenarioText = values.scenario ?? 'all';
  const scenarios = scenarioText === 'all' ? [...SCENARIO_NAMES] : scenarioText.split(',').map((name) => name.trim());
  for (const name of scenarios) if (!(SCENARIO_NAMES as readonly string[]).includes(name)) throw new Error(`unknown scenario "${name}"`);

  // The quick run leaves out the Socket.IO references, which would take it past two minutes.
  const defaultTargets = { smoke: 'relay,memory', quick: 'relay,memory,redis1,redis2', full: TARGET_NAMES.join(',') }[mode];
  const targetText = values.targets ?? defaultTargets;
  const targets = targetText.split(',').map((name) => name.trim());
  for (const name of targets) if (!(TARGET_NAMES as readonly string[]).includes(name)) throw new Error(`unknown target "${name}"`);
  // Everything is reported as a ratio to the relay measured in the same run.
  if (!targets.includes('relay')) targets.unshift('relay');

  const number = (flag: string | undefined, fallback: number, min: number, max: number, name: string): number => {
    if (flag === undefined) return fallback;
    const value = Number(flag);
    if (!Number.isFinite(value) || value < min || value > max) throw new Error(`--${name} must be a number from ${min} to ${max}`);
    return value;
  };
  const rampOrder = values['ramp-order'] ?? 'interleaved';
  if (!(RAMP_ORDERS as readonly string[]).includes(rampOrder)) throw new Error(`--ramp-order must be one of ${RAMP_ORDERS.join(', ')}`);
  const rooms = number(values.rooms, sizes.rooms, 1, 50_000, 'rooms');
  const connections = number(values.connections, sizes.idleConnections, 2, 18_000, 'connections');
  return {
    ...sizes,
    mode,
    scenarios: SCENARIO_NAMES.filter((name) => scenarios.includes(name)),
    targets: TARGET_NAMES.filter((name) => targets.includes(name)),
    generators: Math.round(number(values.generators, sizes.generators, 1, 8, 'generators')),
    rooms: Math.round(rooms),
    startRate: number(values['start-rate'], sizes.startRate, 10, 1_000_000, 'start-rate'),
    growth: number(values.growth, sizes.growth, 1.05, 4, 'growth'),
    stepMs: number(values['step-ms'], sizes.stepMs, 200, 120_000, 'step-ms'),
    maxSteps: Math.round(number(values['max-steps'], sizes.maxSteps, 1, 40, 'max-steps')),
    retries: Math.round(number(values.retries, sizes.retries, 0, 3, 'retries')),
    commonRate: number(values['common-rate'], sizes.commonRate, 10, 1_000_000, 'common-rate'),
    commonRounds: Math.round(number(values.rounds, sizes.commonRounds, 1, 9, 'rounds')),
    rampOrder: rampOrder as RampOrder,
    quietWaitMs: number(values['quiet-wait'], sizes.quietWaitMs / 1000, 0, 600, 'quiet-wait') * 1000,
    idleConnections: Math.round(connections / 2) * 2,
    stormClients: Math.round(number(values['storm-clients'], sizes.stormClients, 2, 10_000, 'storm-clients') / 2) * 2,
    fanoutRooms: Math.round(number(values['fanout-rooms'], sizes.fanoutRooms, 2, 10_000, 'fanout-rooms')),
    fanoutRate: number(values['fanout-rate'], sizes.fanoutRate, 10, 1_000_000, 'fanout-rate'),
    out: values['no-save'] ? undefined : (values.out ?? 'bench/results/results.jsonl'),
    profileDir: values.profile,
  };
}
