/**
 * Prints the headline figures of every run in a results file (default
 * bench/results/results.jsonl) as one Markdown table, to show how much they
 * move from run to run (and from one machine to another: the CPU column). Usage: npx tsx bench/history.ts [FILE] [--mode full]
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { cpuOf, fmt, rampOf, ratio, type BenchReport } from './report.js';
import { REPO_ROOT, type TargetName } from './targets.js';

const args = process.argv.slice(2);
const modeIndex = args.indexOf('--mode');
const mode = modeIndex >= 0 ? args[modeIndex + 1] : undefined;
const file = resolve(REPO_ROOT, args.find((arg, i) => !arg.startsWith('--') && (modeIndex < 0 || i !== modeIndex + 1)) ?? 'bench/results/results.jsonl');
const reports = readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as BenchReport)
  .filter((report) => !mode || report.options.mode === mode);

const lines = [
  '| run (UTC) | commit | CPU | load before | ramp | relay msgs/s | memory × relay | Redis ×1 × relay | Redis ×2 × relay | common rate msgs/s | CPU/msg at common rate, memory × relay | Redis ×1 × relay | p99 at half, memory / Redis ×1 (ms) | Socket.IO: rate / CPU × relay | Socket.IO + Redis: rate / CPU × relay |',
  '|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
];
for (const report of reports) {
  const rate = (target: TargetName) => rampOf(report, target)?.sustainable?.deliveredRate;
  const half = (target: TargetName) => rampOf(report, target)?.half?.p99Ms;
  const cpu = (target: TargetName) => cpuOf(report, target)?.cpuUsPerMsg;
  const relayRate = rate('relay');
  const relayCpu = cpu('relay');
  /** A reference target's rate and CPU per message as ratios to the relay, or a dash when it was not run. */
  const reference = (target: TargetName) =>
    rate(target) === undefined && cpu(target) === undefined ? '—' : `${fmt(ratio(rate(target), relayRate))} / ${fmt(ratio(cpu(target), relayCpu))}`;
  lines.push(
    `| ${report.startedAt.slice(0, 16).replace('T', ' ')} | ${report.gitCommit.split(' ')[0]} | ${report.machine.cpuModel} | ${fmt(report.load.before, 2)} | ${rampOrderOf(report)} | ${fmt(relayRate)} | ` +
      `${fmt(ratio(rate('memory'), relayRate))} | ${fmt(ratio(rate('redis1'), relayRate))} | ${fmt(ratio(rate('redis2'), relayRate))} | ` +
      `${report.cpu?.result ? fmt(report.options.commonRate) : '—'} | ${fmt(ratio(cpu('memory'), relayCpu))} | ${fmt(ratio(cpu('redis1'), relayCpu))} | ${fmt(half('memory'))} / ${fmt(half('redis1'))} | ` +
      `${reference('socketio')} | ${reference('socketio-redis')} |`,
  );
}
/** How the run's ramps shared the machine; runs from before the option ramped one target after another. */
function rampOrderOf(report: BenchReport): string {
  if (report.ramp.length === 0) return '—';
  return report.options.rampOrder === 'interleaved' ? 'interleaved' : 'sequential';
}

process.stdout.write(`${lines.join('\n')}\n`);
