/**
 * bench/options.ts: how `npm run bench` reads its flags. The ramp order decides whether the
 * targets' ratios come from the same minutes (interleaved, the default) or from one target's
 * minutes after another's (sequential), so a typo must be refused, not run as the default.
 */
import { describe, expect, it } from 'vitest';
import { parseOptions, type BenchOptions } from '../../bench/options.js';

function parsed(argv: string[]): BenchOptions {
  const options = parseOptions(argv);
  if (options === 'help') throw new Error('expected options, got help');
  return options;
}

describe('bench options: --ramp-order', () => {
  it('interleaves the ramps unless told otherwise, in every mode', () => {
    for (const mode of [[], ['--quick'], ['--smoke']]) expect(parsed(mode).rampOrder).toBe('interleaved');
  });

  it('ramps one target after another with --ramp-order sequential', () => {
    expect(parsed(['--ramp-order', 'sequential']).rampOrder).toBe('sequential');
  });

  it('refuses an order it does not know, naming the ones it does', () => {
    expect(() => parseOptions(['--ramp-order', 'sequental'])).toThrow(/--ramp-order must be one of interleaved, sequential/);
  });
});
