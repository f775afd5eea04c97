/**
 * Counts per key, where a key exists while its count is above zero: the
 * bookkeeping of "how many hold this" (a socket's sends awaiting an ack, a
 * client's open connections) without a zero left behind for every key seen.
 *
 * One key is held in fields and only further keys in a Map: a socket's sends come
 * and go one at a time, and a Map that goes from empty to one entry and back
 * allocates a new table each time — in old space, once the Map lives there,
 * where only a mark-compact (a pause of tens of milliseconds) frees it.
 */
export class CountMap<K> {
  private soleKey: K | undefined;
  /** soleKey's count; 0 when no key is held in the fields. */
  private soleCount = 0;
  private others: Map<K, number> | undefined;

  count(key: K): number {
    return this.holdsSole(key) ? this.soleCount : (this.others?.get(key) ?? 0);
  }

  increment(key: K): void {
    if (this.holdsSole(key)) {
      this.soleCount++;
    } else if (this.soleCount === 0 && !this.others?.has(key)) {
      this.soleKey = key;
      this.soleCount = 1;
    } else {
      const others = (this.others ??= new Map());
      others.set(key, (others.get(key) ?? 0) + 1);
    }
  }

  /** One less for `key`; a key at zero, or absent, is gone. */
  decrement(key: K): void {
    if (this.holdsSole(key)) {
      if (--this.soleCount === 0) this.soleKey = undefined;
      return;
    }
    const left = (this.others?.get(key) ?? 0) - 1;
    if (left > 0) this.others!.set(key, left);
    else this.others?.delete(key);
  }

  /** Forgets `key` whatever its count; true if it was there. */
  delete(key: K): boolean {
    if (!this.holdsSole(key)) return this.others?.delete(key) ?? false;
    this.soleKey = undefined;
    this.soleCount = 0;
    return true;
  }

  private holdsSole(key: K): boolean {
    return this.soleCount > 0 && this.soleKey === key;
  }
}
