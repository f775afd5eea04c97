import { describe, expect, it } from 'vitest';
import { ReadSlots } from '../../src/server/room/read-slots.js';

/** A read that settles when the test says so. */
function pendingRead() {
  let settle!: (ok: boolean) => void;
  const done = new Promise<string>((resolve, reject) => {
    settle = (ok) => (ok ? resolve('read') : reject(new Error('store failed')));
  });
  return { read: () => done, settle };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ReadSlots', () => {
  it('runs at most `limit` reads of one client at once, the rest in the order they came, and frees every slot', async () => {
    const slots = new ReadSlots(2);
    const reads = Array.from({ length: 5 }, () => pendingRead());
    const started: number[] = [];
    let running = 0;
    let mostRunning = 0;
    const results = reads.map((read, i) =>
      slots.run('client-a', async () => {
        started.push(i);
        mostRunning = Math.max(mostRunning, ++running);
        try {
          return await read.read();
        } finally {
          running--;
        }
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect(slots.pending('client-a')).toEqual({ inFlight: 2, waiting: 3 });
    // Another client is not held up by this one's queue.
    const other = pendingRead();
    const otherResult = slots.run('client-b', other.read);
    expect(slots.pending('client-b')).toEqual({ inFlight: 1, waiting: 0 });
    other.settle(true);
    await expect(otherResult).resolves.toBe('read');

    reads[1]!.settle(true);
    await tick();
    expect(started).toEqual([0, 1, 2]); // the freed slot went to the first waiter
    // A read that fails frees its slot all the same.
    reads[0]!.settle(false);
    await expect(results[0]).rejects.toThrow('store failed');
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    for (const read of reads.slice(2)) read.settle(true);
    await Promise.all(results.slice(1));
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(mostRunning).toBe(2);
    expect(slots.pending('client-a')).toEqual({ inFlight: 0, waiting: 0 });
    expect(slots.pending('client-b')).toEqual({ inFlight: 0, waiting: 0 });
  });
});
