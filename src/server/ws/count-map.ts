/**
 * Counts per key, where a key exists while its count is above zero: the
 * bookkeeping of "how many hold this" (a socket's sends awaiting an ack, a
 * client's open connections) without a zero left behind for every key seen.
 */
export class CountMap<K> {
  private readonly counts = new Map<K, number>();

  count(key: K): number {
    return this.counts.get(key) ?? 0;
  }

  increment(key: K): void {
    this.counts.set(key, this.count(key) + 1);
  }

  /** One less for `key`; a key at zero, or absent, is gone. */
  decrement(key: K): void {
    const left = this.count(key) - 1;
    if (left > 0) this.counts.set(key, left);
    else this.counts.delete(key);
  }

  /** Forgets `key` whatever its count; true if it was there. */
  delete(key: K): boolean {
    return this.counts.delete(key);
  }
}
