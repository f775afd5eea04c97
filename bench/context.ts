/**
 * What every scenario gets from bench/run.ts: the options, the generator
 * processes, and a progress logger (stderr, so stdout stays the report).
 */
import type { GeneratorPool } from './generator-pool.js';
import type { BenchOptions } from './options.js';

export interface BenchContext {
  readonly options: BenchOptions;
  readonly pool: GeneratorPool;
  log(line: string): void;
}

/** Rounds for reports: 3 significant digits, no trailing noise. */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const scale = 10 ** (digits - 1 - Math.floor(Math.log10(Math.abs(value))));
  return Math.round(value * scale) / scale;
}
