/**
 * bench/jit-map.ts: perf names a JIT address by the code V8 put there last, not by code that was
 * freed before it (which perf would otherwise pick, and which misnamed the profiles).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dropSupersededEntries } from '../../bench/jit-map.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function mapFile(lines: string[]): string {
  dir = mkdtempSync(join(tmpdir(), 'hush-jit-map-'));
  const path = join(dir, 'perf-1.map');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('dropSupersededEntries', () => {
  it('keeps only the newest code at every address, whatever the overlap, and the entries nothing replaced', () => {
    const path = mapFile([
      '1000 100 JS:^ old module body', // replaced in part by the two below
      '2000 10 JS:~ untouched',
      '1080 40 JS:* newer, straddling the old one’s end',
      '1010 8 JS:* newer, inside the old one',
      '3000 20 JS:~ replaced exactly',
      '3000 20 JS:* same place, last',
      '1090 4 JS:* newest, inside the straddling one', // which is therefore dropped too
    ]);
    expect(dropSupersededEntries(path)).toBe(3);
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean)).toEqual([
      '2000 10 JS:~ untouched',
      '1010 8 JS:* newer, inside the old one',
      '3000 20 JS:* same place, last',
      '1090 4 JS:* newest, inside the straddling one',
    ]);
    // Cleaning again changes nothing.
    expect(dropSupersededEntries(path)).toBe(0);
  });
});
