/**
 * What bench/perf-summary.ts and bench/perf-stretches.ts share in reading the `perf record` files of
 * bench/steady.ts --perf-record: the JIT symbol maps cleaned first, and how V8's collector is named.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dropSupersededEntries } from './jit-map.js';

/** Symbols of V8's garbage collector (scavenger, marker, sweeper, compactor and their bookkeeping). */
export const COLLECTOR_SYMBOL = /Scaveng|Marking|Sweep|Evacuat|Compact|RememberedSet|MemoryChunk|Marker|GCTracer|v8::internal::Heap/;

/**
 * Cleans the JIT symbol maps of the processes in `file` (see jit-map.ts) so that perf names JavaScript by the
 * code that was there last. Right for a recording of the process's last busy seconds: steady.ts records one
 * step, after which the server compiles little more.
 */
export function cleanJitMaps(file: string): void {
  const text = execFileSync('perf', ['report', '-i', file, '--sort', 'pid', '--stdio', '-g', 'none'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  for (const [, id] of text.matchAll(/^\s+[\d.]+%\s+(?:[\d.]+%\s+)?(\d+):/gm)) {
    const map = `/tmp/perf-${id}.map`;
    if (existsSync(map)) {
      const dropped = dropSupersededEntries(map);
      if (dropped > 0) process.stderr.write(`${map}: dropped ${dropped} symbols that later code replaced\n`);
    }
  }
}
