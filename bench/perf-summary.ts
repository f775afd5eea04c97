/**
 * Where a server process's CPU went, by kind of code, from the `perf record`
 * files that bench/steady.ts --perf-record writes (one per target, the same
 * step length and offered rate): the kernel, the server's own JavaScript, the
 * `ws` package, Node's JavaScript, V8's builtins, runtime and collector, Node's
 * C++, libuv and libc. With two files, the second column and the difference
 * say where one target spends more than the other.
 *
 * Unlike a V8 CPU profile, which charges whatever native code runs under a
 * call (system calls, the allocator, the runtime) to the JavaScript function
 * that made it, perf samples every thread of the process where it really is.
 *
 *   npx tsx bench/steady.ts --targets memory --rate 8000 --steps 3 --profile-step 3 --perf-record /tmp/pr
 *   npx tsx bench/perf-summary.ts /tmp/pr/relay.perf.data /tmp/pr/memory.perf.data [--messages N] [--top 25]
 *
 * Figures are CPU time (perf's period for its cpu-clock samples), in ms; --messages N (the messages
 * delivered in the recorded step: rate × recorded seconds) turns them into µs per message; --top lists
 * the symbols with the most CPU time in the last file.
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { cleanJitMaps, COLLECTOR_SYMBOL } from './perf-data.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { messages: { type: 'string' }, top: { type: 'string', default: '25' } },
});
if (positionals.length < 1 || positionals.length > 2) {
  process.stderr.write('usage: npx tsx bench/perf-summary.ts A.perf.data [B.perf.data] [--messages N] [--top N]\n');
  process.exit(2);
}

interface Sample {
  /** CPU time in the symbol, ns (perf's period for the cpu-clock event). */
  nanos: number;
  dso: string;
  symbol: string;
}

/** The order categories are printed in, and the first rule that matches a symbol decides its category. */
const CATEGORIES: Array<[string, (sample: Sample) => boolean]> = [
  ['kernel', ({ dso }) => dso.includes('kernel')],
  ['JavaScript: the server itself', ({ symbol }) => /JS:.*(hush-bench\/dist\/|\/src\/server\/|bench\/relay\.ts|bench\/socketio-chat\.ts)/.test(symbol)],
  ['JavaScript: ws', ({ symbol }) => /JS:.*node_modules\/ws\//.test(symbol)],
  ['JavaScript: other packages', ({ symbol }) => /JS:.*node_modules\//.test(symbol)],
  ['JavaScript: Node.js', ({ symbol }) => /JS:.*node:/.test(symbol)],
  ['V8: collector', ({ symbol }) => COLLECTOR_SYMBOL.test(symbol)],
  ['V8: builtins (inline caches, Map lookups, calls)', ({ symbol }) => symbol.startsWith('Builtins_')],
  ['V8: runtime (JSON, property lookups, strings)', ({ symbol }) => symbol.includes('v8::')],
  ['libuv', ({ symbol }) => /\buv_|\buv__/.test(symbol)],
  ['Node.js C++', ({ symbol }) => symbol.includes('node::')],
  ['libc (system call stubs, malloc, memcpy)', ({ dso }) => dso.startsWith('libc')],
  ['other', () => true],
];

function readSamples(file: string): Sample[] {
  cleanJitMaps(file);
  const text = execFileSync('perf', ['report', '-i', file, '--no-children', '--sort', 'dso,sym', '--stdio', '-F', 'period,dso,sym'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s+(\d+)\s+(\S+(?: tid \d+)?)\s+\[[.k]\]\s+(.*)$/.exec(line);
    if (match) samples.push({ nanos: Number(match[1]), dso: match[2]!, symbol: match[3]!.trim() });
  }
  return samples;
}

function byCategory(samples: Sample[]): Map<string, number> {
  const totals = new Map<string, number>(CATEGORIES.map(([name]) => [name, 0]));
  for (const sample of samples) {
    const [name] = CATEGORIES.find(([, matches]) => matches(sample))!;
    totals.set(name, totals.get(name)! + sample.nanos);
  }
  return totals;
}

const files = positionals;
const tables = files.map((file) => readSamples(file));
const categories = tables.map(byCategory);
const totals = tables.map((samples) => samples.reduce((sum, sample) => sum + sample.nanos, 0));
const messages = values.messages ? Number(values.messages) : undefined;
const show = (nanos: number) => (messages ? `${(nanos / 1000 / messages).toFixed(1).padStart(7)} µs` : `${(nanos / 1e6).toFixed(0).padStart(7)} ms`);

const unit = messages ? 'µs per message' : 'ms of CPU';
const header = files.map((file) => file.replace(/^.*\//, '').replace(/\.perf\.data$/, '').padStart(10)).join(' ');
process.stdout.write(`${unit} by kind of code\n${''.padEnd(50)} ${header}${files.length === 2 ? '  difference' : ''}\n`);
for (const [name] of CATEGORIES) {
  const counts = categories.map((totalsOf) => totalsOf.get(name)!);
  if (counts.every((count) => count === 0)) continue;
  const difference = files.length === 2 ? `  ${show(counts[1]! - counts[0]!)}` : '';
  process.stdout.write(`${name.padEnd(50)} ${counts.map((count) => show(count).padStart(10)).join(' ')}${difference}\n`);
}
process.stdout.write(`${'all'.padEnd(50)} ${totals.map((count) => show(count).padStart(10)).join(' ')}${files.length === 2 ? `  ${show(totals[1]! - totals[0]!)}` : ''}\n`);

const last = tables.at(-1)!;
process.stdout.write(`\nsymbols with the most CPU time in ${files.at(-1)}\n`);
for (const sample of [...last].sort((a, b) => b.nanos - a.nanos).slice(0, Number(values.top))) {
  process.stdout.write(`${show(sample.nanos)}  ${sample.symbol.replace(/file:\/\/\/.*?(hush-bench\/dist\/|node_modules\/)/, '$1')}\n`);
}
