/**
 * Turns a run's results into its two records: one JSON line (appended to the
 * results file) and a Markdown report with ratios to the relay and the
 * issue's targets marked met or missed. docs/benchmarks.md quotes the latter.
 */
import type { BenchOptions } from './options.js';
import type { FanoutResult } from './scenarios/fanout.js';
import { IDLE_PING_INTERVAL_MS, type IdleResult } from './scenarios/idle.js';
import type { CommonRateFigures, CommonRateResult } from './scenarios/common-rate.js';
import type { RampResult } from './scenarios/ramp.js';
import type { StepFigures } from './scenarios/step.js';
import type { StormFigures } from './scenarios/storm.js';
import { round } from './context.js';
import { TARGET_LABELS, type TargetName } from './targets.js';

export interface Outcome<T> {
  target: TargetName;
  result?: T;
  skipped?: string;
}

export interface Machine {
  nproc: number;
  cpuModel: string;
  memGiB: number;
  node: string;
  redis: string;
  os: string;
}

export interface BenchReport {
  kind: 'hush-bench';
  version: 1;
  startedAt: string;
  finishedAt: string;
  durationS: number;
  command: string;
  gitCommit: string;
  machine: Machine;
  /** 1-minute load average before and after, and the busiest other processes at the start. */
  load: { before: number; after: number; note: string };
  options: BenchOptions;
  hushEnv: Readonly<Record<string, string>>;
  ramp: Array<Outcome<RampResult>>;
  /** CPU per message at the common rate, every target interleaved; targets that could not start are listed. */
  cpu: { result?: CommonRateResult; skipped: Array<{ target: TargetName; reason: string }> } | undefined;
  idle: Array<Outcome<IdleResult>>;
  storm: Array<Outcome<StormFigures>>;
  fanout: { result?: FanoutResult; skipped?: string } | undefined;
  checks: Check[];
}

export interface Check {
  name: string;
  target: string;
  measured: string;
  met: boolean | null;
}

export const fmt = (value: number | null | undefined, digits = 3): string =>
  value === null || value === undefined || !Number.isFinite(value) ? '—' : String(round(value, digits));
const int = (value: number | null | undefined): string =>
  value === null || value === undefined || !Number.isFinite(value) ? '—' : Math.round(value).toLocaleString('en-US');
export const ratio = (value: number | undefined, base: number | undefined): number | undefined =>
  value !== undefined && base !== undefined && base > 0 && Number.isFinite(value) ? value / base : undefined;

export function rampOf(report: BenchReport, target: TargetName): RampResult | undefined {
  return report.ramp.find((outcome) => outcome.target === target)?.result;
}

export function cpuOf(report: BenchReport, target: TargetName): CommonRateFigures | undefined {
  return report.cpu?.result?.targets.find((figures) => figures.target === target);
}

/** The common rate was above the target's sustainable rate (when both were measured). */
function aboveSustainable(report: BenchReport, target: TargetName): boolean {
  const sustainable = rampOf(report, target)?.sustainable?.deliveredRate;
  return report.cpu?.result !== undefined && sustainable !== undefined && report.cpu.result.rate > sustainable;
}

/** The issue's targets, from the figures of this run. */
export function evaluateChecks(report: BenchReport): Check[] {
  const checks: Check[] = [];
  const relay = rampOf(report, 'relay');
  const rateRatio = (target: TargetName) => ratio(rampOf(report, target)?.sustainable?.deliveredRate, relay?.sustainable?.deliveredRate);
  const cpuRatio = (target: TargetName) => ratio(cpuOf(report, target)?.cpuUsPerMsg, cpuOf(report, 'relay')?.cpuUsPerMsg);
  const add = (name: string, value: number | undefined, limit: number, atLeast: boolean, unit = '×', note = '') => {
    checks.push({
      name,
      target: `${atLeast ? '≥' : '≤'} ${limit}${unit === '×' ? '×' : ` ${unit}`}`,
      measured: value === undefined || !Number.isFinite(value) ? 'not measured' : `${fmt(value)}${unit === '×' ? '×' : ` ${unit}`}${note}`,
      met: value === undefined || !Number.isFinite(value) ? null : atLeast ? value >= limit : value <= limit,
    });
  };
  const aboveNote = (target: TargetName) => (aboveSustainable(report, target) ? ' (common rate above its sustainable rate)' : '');
  if (report.ramp.length > 0) {
    add('Memory: sustainable rate / relay', rateRatio('memory'), 0.75, true);
    add('Redis, 1 instance: sustainable rate / relay', rateRatio('redis1'), 0.45, true);
  }
  if (report.cpu?.result) {
    add('Memory: CPU per message at the common rate / relay', cpuRatio('memory'), 1.5, false, '×', aboveNote('memory'));
    add('Redis, 1 instance: CPU per message (Hush + Redis) at the common rate / relay', cpuRatio('redis1'), 2.5, false, '×', aboveNote('redis1'));
  }
  if (report.ramp.length > 0) {
    add('Memory: p99 at half the sustainable rate', rampOf(report, 'memory')?.half?.p99Ms, 10, false, 'ms');
    add('Redis, 1 instance: p99 at half the sustainable rate', rampOf(report, 'redis1')?.half?.p99Ms, 10, false, 'ms');
  }
  for (const outcome of report.idle) {
    if (!outcome.result || outcome.target === 'relay') continue;
    add(`${TARGET_LABELS[outcome.target]}: idle RSS per connection`, outcome.result.kibPerConnection, 12, false, 'KiB');
    add(`${TARGET_LABELS[outcome.target]}: ${int(outcome.result.connections)} connections, errors`, outcome.result.errors + (outcome.result.connections - outcome.result.open), 0, false, 'errors');
  }
  for (const outcome of report.storm) {
    if (!outcome.result || outcome.target === 'relay') continue;
    add(`${TARGET_LABELS[outcome.target]}: storm of ${int(outcome.result.clients)} clients, failures`, outcome.result.failures, 0, false, 'failures');
  }
  return checks;
}

/**
 * Each Hush target as a ratio to its Socket.IO counterpart measured in the same run: memory mode
 * against the Socket.IO chat, the Redis targets against it on Socket.IO's Redis adapter.
 */
function socketIoComparison(report: BenchReport): string[] {
  const pairs = [
    ['memory', 'socketio'],
    ['redis1', 'socketio-redis'],
    ['redis2', 'socketio-redis'],
  ] as const;
  const rows: string[] = [];
  for (const [hush, reference] of pairs) {
    const rate = ratio(rampOf(report, hush)?.sustainable?.deliveredRate, rampOf(report, reference)?.sustainable?.deliveredRate);
    const cpu = ratio(cpuOf(report, hush)?.cpuUsPerMsg, cpuOf(report, reference)?.cpuUsPerMsg);
    if (rate !== undefined || cpu !== undefined) rows.push(`| ${TARGET_LABELS[hush]} | ${TARGET_LABELS[reference]} | ${fmt(rate)} | ${fmt(cpu)} |`);
  }
  if (rows.length === 0) return [];
  return [
    '### Against Socket.IO, same run',
    '',
    '| target | against | sustainable rate × it | CPU per message at the common rate × it |',
    '|---|---|---:|---:|',
    ...rows,
    '',
    'Above 1 in the first column, or below 1 in the second, Hush is ahead — with its guarantees on (validation, history, ordering, exactly-once sends), which the Socket.IO chat does not have.',
    '',
  ];
}

function stepCell(step: StepFigures | null | undefined): string {
  return step ? `${fmt(step.p50Ms)} / ${fmt(step.p99Ms)}` : '—';
}

/** Bytes the collector saw allocated / promoted per delivered message (Hush targets of runs that recorded it). */
function gcCell(figures: Pick<CommonRateFigures, 'allocatedBytesPerMsg' | 'promotedBytesPerMsg'>): string {
  if (figures.allocatedBytesPerMsg === null || figures.promotedBytesPerMsg === null) return '—';
  return `${int(figures.allocatedBytesPerMsg)} / ${int(figures.promotedBytesPerMsg)}`;
}

function cpuCell(figures: Pick<StepFigures, 'cpuUsPerMsg' | 'hushCpuUsPerMsg' | 'redisCpuUsPerMsg'> | null | undefined): string {
  if (!figures) return '—';
  if (figures.redisCpuUsPerMsg === null) return fmt(figures.cpuUsPerMsg);
  return `${fmt(figures.cpuUsPerMsg)} (${fmt(figures.hushCpuUsPerMsg)} + ${fmt(figures.redisCpuUsPerMsg)})`;
}

const meanOf = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);

export function toMarkdown(report: BenchReport): string {
  const lines: string[] = [];
  const { machine, options } = report;
  lines.push(`Run ${report.startedAt} (${Math.round(report.durationS)} s), commit ${report.gitCommit}: \`${report.command}\``);
  lines.push('');
  lines.push(
    `Machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memGiB} GiB RAM, Node ${machine.node}, redis-server ${machine.redis}, ${machine.os}. ` +
      `Load average (1 min) ${fmt(report.load.before)} before, ${fmt(report.load.after)} after. ${report.load.note}`,
  );
  lines.push('');

  const relay = rampOf(report, 'relay');
  if (report.ramp.length > 0) {
    lines.push(
      `### Ramp — ${int(options.rooms)} rooms × 2 members, 64-character bodies, ${options.generators} generator processes, ` +
        `${options.stepMs / 1000} s steps, ` +
        // Runs before the option existed ramped one target after another.
        (options.rampOrder === 'interleaved' ? 'every target ramped at once, their steps in turn' : 'one target ramped after another'),
    );
    lines.push('');
    lines.push(
      '| target | sustainable delivered msgs/s | × relay | stopped by | p50 / p99 ms at half | p99 ms at half, first pass after the ramp | CPU µs/msg at sustainable | × relay | server cores at sustainable | generator cores at sustainable | other processes, cores (mean / peak ¼ s) |',
    );
    lines.push('|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const outcome of report.ramp) {
      const label = TARGET_LABELS[outcome.target];
      const result = outcome.result;
      if (!result) {
        lines.push(`| ${label} | skipped: ${outcome.skipped ?? '?'} | | | | | | | | | |`);
        continue;
      }
      const best = result.sustainable;
      const measured = [...result.steps, ...(result.half ? [result.half] : [])];
      const others = measured.map((step) => step.otherCores ?? 0);
      const peaks = measured.map((step) => step.otherCoresPeak ?? 0);
      lines.push(
        `| ${label} | ${int(best?.deliveredRate)} | ${fmt(ratio(best?.deliveredRate, relay?.sustainable?.deliveredRate))} | ${result.limitedBy} | ` +
          `${stepCell(result.half)} | ${fmt(result.steps.find((step) => step.label === 'settle')?.p99Ms)} | ${cpuCell(best)} | ${fmt(ratio(best?.cpuUsPerMsg, relay?.sustainable?.cpuUsPerMsg))} | ` +
          `${fmt(best?.serverCores)} | ${fmt(best?.generatorCores)} | ${fmt(meanOf(others), 2)} / ${fmt(Math.max(0, ...peaks), 2)} |`,
      );
    }
    lines.push('');
    lines.push('CPU for Redis targets is Hush + redis-server (the split in brackets). "stopped by": what failed at the next rate — latency (p99 > ' +
      `${options.p99LimitMs} ms), loss (> ${options.lossLimit * 100} %), errors, or generator (the generators could not offer the rate). ` +
      '"other processes": CPU used by everything else on the machine during the steps (other people\'s test suites) — the noise. ' +
      '"first pass after the ramp": the untimed settle pass at the half rate that follows the overloaded steps.');
    lines.push('');
  }

  if (report.cpu) {
    const cpu = report.cpu.result;
    lines.push(
      `### CPU per delivered message at a common rate — ${int(options.commonRate)} msgs/s, ${int(options.rooms)} rooms per target, ` +
        `every target running, measured in turn, ${options.commonRounds} round(s) of ${options.measureMs / 1000} s; medians`,
    );
    lines.push('');
    if (!cpu) lines.push(`Not measured: ${report.cpu.skipped.map((skip) => `${skip.target}: ${skip.reason}`).join('; ') || '?'}`);
    else {
      const base = cpu.targets.find((figures) => figures.target === 'relay')?.cpuUsPerMsg;
      lines.push(
        '| target | CPU µs per delivered message | × relay | rounds (µs/msg) | p50 / p99 ms | worst loss | other processes, cores (mean) | Hush: bytes allocated / promoted per message |',
      );
      lines.push('|---|---:|---:|---|---:|---:|---:|---:|');
      for (const figures of cpu.targets) {
        const note = aboveSustainable(report, figures.target) ? ' (above its sustainable rate)' : '';
        lines.push(
          `| ${TARGET_LABELS[figures.target]}${note} | ${cpuCell(figures)} | ${fmt(ratio(figures.cpuUsPerMsg, base))} | ` +
            `${figures.rounds.map((round) => fmt(round.cpuUsPerMsg)).join(', ')} | ${fmt(figures.p50Ms)} / ${fmt(figures.p99Ms)} | ` +
            `${fmt(figures.maxLossRatio * 100)} % | ${fmt(meanOf(figures.rounds.map((round) => round.otherCores)), 2)} | ${gcCell(figures)} |`,
        );
      }
      for (const skip of report.cpu.skipped) lines.push(`| ${TARGET_LABELS[skip.target]} | skipped: ${skip.reason} | | | | | | |`);
      lines.push('');
      lines.push(
        'Bytes per message: what the Hush processes\' collector saw allocated in the young generation and promoted out of it, per delivered message ' +
          '(their `--trace-gc-nvp` lines, medians over the rounds, each round with its drain).',
      );
    }
    lines.push('');
  }

  if (report.idle.length > 0) {
    lines.push(`### Idle — ${int(options.idleConnections)} member connections in ${int(options.idleConnections / 2)} rooms`);
    lines.push('');
    lines.push(
      `| target | open | errors | KiB RSS per connection | incl. rooms and seats | Redis KiB per connection | connect time ms | server \`ulimit -n\` | longest event-loop stall ms (pings every ${IDLE_PING_INTERVAL_MS / 1000} s) |`,
    );
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const outcome of report.idle) {
      const r = outcome.result;
      if (!r) lines.push(`| ${TARGET_LABELS[outcome.target]} | skipped: ${outcome.skipped ?? '?'} | | | | | | | |`);
      else {
        lines.push(
          `| ${TARGET_LABELS[outcome.target]} | ${int(r.open)} | ${r.errors} | ${fmt(r.kibPerConnection)} | ${fmt(r.kibPerConnectionWithRooms)} | ` +
            `${fmt(r.redisKibPerConnection)} | ${int(r.connectMs)} | ${int(r.serverOpenFileLimit)} | ${fmt(r.maxLoopStallMs ?? null)} |`,
        );
      }
    }
    lines.push('');
  }

  if (report.storm.length > 0) {
    lines.push(`### Storm — ${int(options.stormClients)} clients at once (create / join / connect)`);
    lines.push('');
    lines.push('| target | clients in | failures | time until all in ms | p50 / p99 per client ms | server CPU ms |');
    lines.push('|---|---:|---:|---:|---:|---:|');
    for (const outcome of report.storm) {
      const r = outcome.result;
      if (!r) lines.push(`| ${TARGET_LABELS[outcome.target]} | skipped: ${outcome.skipped ?? '?'} | | | | |`);
      else lines.push(`| ${TARGET_LABELS[outcome.target]} | ${int(r.ok)} | ${r.failures} | ${int(r.totalMs)} | ${fmt(r.p50Ms)} / ${fmt(r.p99Ms)} | ${int(r.serverCpuMs)} |`);
    }
    lines.push('');
  }

  if (report.fanout) {
    lines.push(
      `### Fan-out — Redis, 2 instances, ${int(options.fanoutRooms)} busy rooms (A alone holds ${int(options.fanoutRooms - 1)}; A and B share 1), ${int(options.fanoutRate)} msgs/s for ${options.fanoutMs / 1000} s`,
    );
    lines.push('');
    const r = report.fanout.result;
    if (!r) lines.push(`Skipped: ${report.fanout.skipped ?? '?'}`);
    else {
      lines.push('| instance | rooms | messages in its rooms | pub/sub pushes from Redis | bytes from Redis | bytes to Redis | subscriptions |');
      lines.push('|---|---:|---:|---:|---:|---:|---:|');
      for (const i of r.instances) {
        lines.push(`| ${i.instance} | ${int(i.rooms)} | ${int(i.ownMessages)} | ${int(i.pushesFromRedis)} | ${int(i.bytesFromRedis)} | ${int(i.bytesToRedis)} | ${int(i.subscriptions)} |`);
      }
      lines.push('');
      const a = r.instances.find((instance) => instance.instance === 'A');
      lines.push(
        `${int(r.sent)} messages sent in all, ${int(r.received)} delivered; B received ${fmt(r.quietShareOfTraffic * 100)} % of them as pushes ` +
          `(1 room of ${int(r.rooms)} = ${fmt(100 / r.rooms)} %). A received ${int(a?.pushesFromRedis ?? 0)} pushes: the shared room's; ` +
          `the rooms it alone holds come back in its append replies, not as pushes.`,
      );
    }
    lines.push('');
  }

  if (report.checks.length > 0) {
    lines.push('### Targets from issue 6');
    lines.push('');
    lines.push('| check | target | measured | met |');
    lines.push('|---|---:|---:|---|');
    for (const check of report.checks) lines.push(`| ${check.name} | ${check.target} | ${check.measured} | ${check.met === null ? 'n/a' : check.met ? 'yes' : '**no**'} |`);
    lines.push('');
  }
  lines.push(...socketIoComparison(report));
  return lines.join('\n');
}
