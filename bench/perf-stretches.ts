/**
 * A server's event-loop stalls as perf saw them: the longest stretches in which its main thread
 * worked without once being sampled in epoll_wait (waiting for something to do), from a file of
 * bench/steady.ts --perf-record, and what filled each one.
 *
 * For each stretch: how long it lasted, how many of the samples perf would take of a thread that
 * ran throughout it did land (a stretch sampled far below 100 % was spent partly off a CPU — waiting
 * for one, or the machine not running; a fully sampled one is the server's own work), the longest
 * gap between two samples, the share of samples in V8's collector, and the leaf symbols sampled most.
 *
 *   npx tsx bench/steady.ts --targets memory --rate 12000 --steps 1 --step-ms 6000 --pauses --perf-record /tmp/pr
 *   npx tsx bench/perf-stretches.ts /tmp/pr/memory.perf.data [--top 3]
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { cleanJitMaps, COLLECTOR_SYMBOL } from './perf-data.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '3' } } });
if (positionals.length !== 1) {
  process.stderr.write('usage: npx tsx bench/perf-stretches.ts FILE.perf.data [--top N]\n');
  process.exit(2);
}
const [file] = positionals as [string];

interface Sample {
  pid: number;
  tid: number;
  ms: number;
  /** Leaf first. */
  frames: string[];
}

function readSamples(): Sample[] {
  cleanJitMaps(file);
  const text = execFileSync('perf', ['script', '-i', file, '-F', 'pid,tid,time,ip,sym'], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  const samples: Sample[] = [];
  // One block per sample: "pid/tid time:" then one "address symbol" line per frame.
  for (const block of text.split('\n\n')) {
    const [head, ...frames] = block.trim().split('\n');
    const match = /^(\d+)\/(\d+)\s+([\d.]+):/.exec(head ?? '');
    if (match) samples.push({ pid: Number(match[1]), tid: Number(match[2]), ms: Number(match[3]) * 1000, frames: frames.map((line) => line.trim().replace(/^[0-9a-f]+\s+/, '')) });
  }
  return samples;
}

function sampleFrequency(): number {
  const text = execFileSync('perf', ['evlist', '-F', '-i', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const frequency = Number(/sample_freq=(\d+)/.exec(text)?.[1]);
  if (!(frequency > 0)) throw new Error(`${file}: no sampling frequency in perf evlist -F (recorded with a period instead?)`);
  return frequency;
}

const samples = readSamples();
const frequency = sampleFrequency();
// The process is the pid with the most samples; its main thread has tid = pid.
const perPid = new Map<number, number>();
for (const sample of samples) perPid.set(sample.pid, (perPid.get(sample.pid) ?? 0) + 1);
const [pid] = [...perPid].sort((a, b) => b[1] - a[1])[0] ?? [];
const main = samples.filter((sample) => sample.tid === pid).sort((a, b) => a.ms - b.ms);
if (main.length < 2) throw new Error(`${file}: too few samples of a main thread`);
const waiting = (sample: Sample) => sample.frames.some((frame) => /epoll_wait|epoll_pwait/.test(frame));

// Busy stretches: from the first sample after a wait to the next sample in one.
const stretches: Array<{ from: number; to: number }> = [];
let start = -1;
main.forEach((sample, i) => {
  if (!waiting(sample) && start < 0) start = i;
  if (waiting(sample) && start >= 0) {
    stretches.push({ from: start, to: i });
    start = -1;
  }
});
const lasting = ({ from, to }: { from: number; to: number }) => main[to]!.ms - main[from]!.ms;
stretches.sort((a, b) => lasting(b) - lasting(a));

const first = main[0]!.ms;
const seconds = (main.at(-1)!.ms - first) / 1000;
process.stdout.write(
  `${file}: process ${pid}, main thread ${main.length} samples over ${seconds.toFixed(1)} s at ${frequency} Hz; ` +
    `${stretches.filter((stretch) => lasting(stretch) > 10).length} busy stretches over 10 ms\n`,
);
for (const stretch of stretches.slice(0, Number(values.top))) {
  const inside = main.slice(stretch.from, stretch.to);
  const ms = lasting(stretch);
  let longestGap = 0;
  for (let i = stretch.from + 1; i <= stretch.to; i++) longestGap = Math.max(longestGap, main[i]!.ms - main[i - 1]!.ms);
  const collector = inside.filter((sample) => sample.frames.some((frame) => COLLECTOR_SYMBOL.test(frame))).length;
  const leaves = new Map<string, number>();
  for (const sample of inside) {
    const leaf = (sample.frames[0] ?? '?').replace(/file:\/\/\/.*?(hush-bench\/dist\/|node_modules\/)/, '$1').slice(0, 100);
    leaves.set(leaf, (leaves.get(leaf) ?? 0) + 1);
  }
  process.stdout.write(
    `\nbusy ${ms.toFixed(1)} ms from ${(main[stretch.from]!.ms - first).toFixed(0)} ms: ${inside.length} samples, ` +
      `${((100 * inside.length) / ((ms / 1000) * frequency)).toFixed(0)} % of a thread on a CPU throughout; longest gap ${longestGap.toFixed(1)} ms; ` +
      `collector in ${((100 * collector) / inside.length).toFixed(0)} % of samples\n`,
  );
  for (const [leaf, count] of [...leaves].sort((a, b) => b[1] - a[1]).slice(0, 8)) process.stdout.write(`  ${String(count).padStart(4)}  ${leaf}\n`);
}
