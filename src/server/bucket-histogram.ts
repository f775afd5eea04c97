/**
 * A Prometheus histogram without labels whose observe() is a bucket search and
 * three additions, for the per-message path (metrics.ts registers it with the
 * prom-client registry, which reads it through the same get() protocol as its
 * own metrics). prom-client's Histogram.observe() builds a closure and a label
 * object and hashes the labels on every call: about a microsecond per message
 * on a busy server, for a figure read once per scrape.
 */
import type { Registry } from 'prom-client';

interface ExportedValue {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
}

export class BucketHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /** counts[i]: observations in (bounds[i-1], bounds[i]]; the last slot is above every bound. */
  private counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
    // The registry only calls get() and reset() on a metric; its type describes what get() returns.
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  observe(value: number): void {
    const { bounds } = this;
    let slot = 0;
    while (slot < bounds.length && value > bounds[slot]!) slot++;
    this.counts[slot]!++;
    this.sum += value;
    this.count++;
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: ExportedValue[] }> {
    const bucket = `${this.name}_bucket`;
    const values: ExportedValue[] = [];
    let cumulative = 0;
    this.bounds.forEach((le, i) => {
      cumulative += this.counts[i]!;
      values.push({ value: cumulative, labels: { le }, metricName: bucket });
    });
    values.push({ value: this.count, labels: { le: '+Inf' }, metricName: bucket });
    values.push({ value: this.sum, labels: {}, metricName: `${this.name}_sum` });
    values.push({ value: this.count, labels: {}, metricName: `${this.name}_count` });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.counts = new Float64Array(this.bounds.length + 1);
    this.sum = 0;
    this.count = 0;
  }
}
