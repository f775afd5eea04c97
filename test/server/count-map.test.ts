import { describe, expect, it } from 'vitest';
import { CountMap } from '../../src/server/ws/count-map.js';

/** The behaviour CountMap must have, written the plain way: a Map without zeros. */
class ModelCountMap {
  readonly counts = new Map<string, number>();
  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }
  increment(key: string): void {
    this.counts.set(key, this.count(key) + 1);
  }
  decrement(key: string): void {
    const left = this.count(key) - 1;
    if (left > 0) this.counts.set(key, left);
    else this.counts.delete(key);
  }
  delete(key: string): boolean {
    return this.counts.delete(key);
  }
}

describe('CountMap', () => {
  it('counts a key up and down, and forgets it at zero', () => {
    const counts = new CountMap<string>();
    counts.increment('a');
    counts.increment('a');
    expect(counts.count('a')).toBe(2);
    counts.decrement('a');
    expect(counts.count('a')).toBe(1);
    counts.decrement('a');
    expect(counts.count('a')).toBe(0);
    expect(counts.delete('a')).toBe(false);
  });

  it('keeps several keys apart, whichever of them came first', () => {
    const counts = new CountMap<string>();
    counts.increment('first');
    counts.increment('second');
    counts.increment('second');
    counts.increment('third');
    expect([counts.count('first'), counts.count('second'), counts.count('third')]).toEqual([1, 2, 1]);
    // The first key leaves; a key counted before it left must not be counted twice afterwards.
    counts.decrement('first');
    counts.increment('second');
    expect([counts.count('first'), counts.count('second'), counts.count('third')]).toEqual([0, 3, 1]);
    expect(counts.delete('second')).toBe(true);
    expect(counts.count('second')).toBe(0);
    counts.decrement('third');
    expect(counts.count('third')).toBe(0);
  });

  it('delete forgets a key whatever its count, and says whether it was there', () => {
    const counts = new CountMap<string>();
    counts.increment('a');
    counts.increment('a');
    counts.increment('b');
    expect(counts.delete('a')).toBe(true);
    expect(counts.delete('a')).toBe(false);
    expect(counts.count('a')).toBe(0);
    expect(counts.count('b')).toBe(1);
    expect(counts.delete('never')).toBe(false);
  });

  it('decrementing an absent key leaves it absent', () => {
    const counts = new CountMap<string>();
    counts.decrement('ghost');
    expect(counts.count('ghost')).toBe(0);
    counts.increment('ghost');
    expect(counts.count('ghost')).toBe(1);
  });

  it('agrees with a plain Map over long random sequences of operations', () => {
    // A fixed-seed xorshift generator: a failure is reproducible, and its low bits are as good as its high ones.
    let state = 0x9e3779b9;
    const random = (below: number) => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % below;
    };
    let mostKeysHeld = 0;
    const operationsSeen = new Set<number>();
    for (let run = 0; run < 50; run++) {
      const counts = new CountMap<string>();
      const model = new ModelCountMap();
      const keys = ['a', 'b', 'c', 'd'].slice(0, 1 + random(4));
      for (let step = 0; step < 400; step++) {
        const key = keys[random(keys.length)]!;
        const operation = random(4);
        operationsSeen.add(operation);
        if (operation <= 1) {
          counts.increment(key);
          model.increment(key);
        } else if (operation === 2) {
          counts.decrement(key);
          model.decrement(key);
        } else {
          expect(counts.delete(key)).toBe(model.delete(key));
        }
        for (const other of keys) expect(counts.count(other)).toBe(model.count(other));
        mostKeysHeld = Math.max(mostKeysHeld, model.counts.size);
      }
    }
    // The sequences did reach what matters: every operation, and several keys held at once (the Map beside the fields).
    expect([...operationsSeen].sort()).toEqual([0, 1, 2, 3]);
    expect(mostKeysHeld).toBeGreaterThanOrEqual(3);
  });
});
