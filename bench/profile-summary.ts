/**
 * Summarises a V8 CPU profile written by `npm run bench -- --profile DIR`
 * (node --cpu-prof) or bench/steady.ts --cpu-profile: the functions with the
 * most self time, self time per package or source directory, and the functions
 * with the most total time (their callees included).
 * Usage: npx tsx bench/profile-summary.ts FILE [TOP]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function place(url: string): string {
  const build = /hush-bench\/dist\/(.+)\/[^/]+$/.exec(url);
  if (build) return `hush ${build[1]}`;
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  if (url.startsWith('node:')) return url;
  return url === '' ? '(native / V8)' : url.replace(/^.*\/(bench\/)/, '$1');
}

function main(): void {
  const [file, topText] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [TOP]\n');
    process.exit(2);
  }
  const top = Number(topText ?? 30);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  let total = 0;
  let idle = 0;
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const keyOf = (frame: ProfileNode['callFrame']) =>
    `${frame.functionName || '(anonymous)'}  ${frame.url.replace(/^.*\/(node_modules|dist)\//, '') || place(frame.url)}:${frame.lineNumber + 1}`;
  const inclusive = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const frame = byId.get(id)!.callFrame;
    total += micros;
    if (frame.functionName === '(idle)') {
      idle += micros;
      continue;
    }
    const key = keyOf(frame);
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
    // Every function on the stack, once, gets the sample's time.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const outer = keyOf(byId.get(at)!.callFrame);
      if (seen.has(outer)) continue;
      seen.add(outer);
      inclusive.set(outer, (inclusive.get(outer) ?? 0) + micros);
    }
    const where = frame.functionName.startsWith('(') ? frame.functionName : place(frame.url);
    byPlace.set(where, (byPlace.get(where) ?? 0) + micros);
  }
  const busy = total - idle;
  const print = (title: string, entries: Map<string, number>, count: number) => {
    process.stdout.write(`\n${title}\n`);
    for (const [name, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, count)) {
      process.stdout.write(`${((100 * micros) / busy).toFixed(1).padStart(6)} %  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}\n`);
    }
  };
  process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (percentages are of busy time)\n`);
  print('self time by package / directory', byPlace, 25);
  print('self time by function', byFunction, top);
  print('total time by function (callees included)', inclusive, top);
}

main();
