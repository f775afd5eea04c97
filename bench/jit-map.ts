/**
 * V8's `--perf-basic-prof` appends a line to /tmp/perf-<pid>.map for every piece of code it makes
 * and never removes one, so an address whose code was freed and reused later appears under two
 * names, and perf reports the older one: in a profile of memory mode, optimized message-path code
 * showed up as fast-uri's module body and as MemberSocket.start (which runs once per connection).
 * dropSupersededEntries keeps, for every address, only the latest code there.
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** The address range of one kept entry. */
interface Range {
  start: number;
  end: number;
}

/** Rewrites `path` without the entries that later entries overlap; returns how many it dropped. Run it once the process has exited. */
export function dropSupersededEntries(path: string): number {
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  // Sorted by start, disjoint: the entries kept so far, walking from the newest line back.
  const kept: Range[] = [];
  const survivors: string[] = [];
  for (let i = lines.length - 1; i >= 0; i--) {
    const [address, size] = lines[i]!.split(' ', 2);
    const start = Number.parseInt(address!, 16);
    const end = start + Number.parseInt(size!, 16);
    // The first kept entry that ends after this one starts: it overlaps if it also starts before this one ends.
    let low = 0;
    let high = kept.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (kept[middle]!.end <= start) low = middle + 1;
      else high = middle;
    }
    if (low < kept.length && kept[low]!.start < end) continue;
    kept.splice(low, 0, { start, end });
    survivors.push(lines[i]!);
  }
  writeFileSync(path, `${survivors.reverse().join('\n')}\n`);
  return lines.length - survivors.length;
}
