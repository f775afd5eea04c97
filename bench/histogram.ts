/**
 * A latency histogram in microseconds with logarithmic buckets (2 % wide), so
 * generator processes can record every sample cheaply and the parent can
 * merge them and read percentiles. Used by bench/generator.ts and the scenarios.
 */

const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);
/** 1.02^1000 µs ≈ 400 s: far beyond any step's drain period. */
const BUCKETS = 1000;

export class Histogram {
  readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  max = 0;

  record(micros: number): void {
    const bucket = micros <= 1 ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(micros) / LOG_GROWTH));
    this.counts[bucket]!++;
    this.count++;
    if (micros > this.max) this.max = micros;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.count += other.count;
    this.max = Math.max(this.max, other.max);
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.max = 0;
  }

  /** The upper bound of the bucket holding the q-quantile, in ms (NaN when empty). */
  percentileMs(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(GROWTH ** i, this.max) / 1000;
    }
    return this.max / 1000;
  }

  /** Sparse form for IPC: [bucket, count] pairs. */
  toSparse(): { buckets: Array<[number, number]>; max: number } {
    const buckets: Array<[number, number]> = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]! > 0) buckets.push([i, this.counts[i]!]);
    return { buckets, max: this.max };
  }

  static fromSparse(sparse: { buckets: Array<[number, number]>; max: number }): Histogram {
    const histogram = new Histogram();
    for (const [bucket, count] of sparse.buckets) {
      histogram.counts[bucket] = count;
      histogram.count += count;
    }
    histogram.max = sparse.max;
    return histogram;
  }
}
