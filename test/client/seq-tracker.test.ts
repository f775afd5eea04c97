/** The resume point (src/client/room/seq-tracker.ts): the last contiguous seq, across gaps and duplicates. */
import { describe, expect, it } from 'vitest';
import { SeqTracker } from '../../src/client/room/seq-tracker.js';

describe('SeqTracker', () => {
  it('starts at 0 and advances over contiguous seqs', () => {
    const seqs = new SeqTracker();
    expect(seqs.contiguous).toBe(0);
    for (const seq of [1, 2, 3]) expect(seqs.add(seq)).toBe(true);
    expect(seqs.contiguous).toBe(3);
  });

  it('stays at the last contiguous seq over a gap, and closes it when the gap fills', () => {
    const seqs = new SeqTracker();
    seqs.add(1);
    seqs.add(2);
    seqs.add(5);
    seqs.add(4);
    expect(seqs.contiguous).toBe(2);
    expect(seqs.has(4)).toBe(true);
    expect(seqs.has(3)).toBe(false);
    expect(seqs.add(3)).toBe(true);
    expect(seqs.contiguous).toBe(5);
  });

  it('reports duplicates, below and beyond the contiguous point, without moving it', () => {
    const seqs = new SeqTracker();
    seqs.add(1);
    seqs.add(3);
    expect(seqs.add(1)).toBe(false);
    expect(seqs.add(3)).toBe(false);
    expect(seqs.contiguous).toBe(1);
    seqs.add(2);
    expect(seqs.add(2)).toBe(false);
    expect(seqs.contiguous).toBe(3);
  });

  it('skips a gap the server no longer holds, keeping what was seen beyond it', () => {
    const seqs = new SeqTracker();
    seqs.add(1);
    seqs.add(8);
    seqs.add(6);
    seqs.skipTo(5);
    expect(seqs.contiguous).toBe(6);
    expect(seqs.has(3)).toBe(true);
    seqs.skipTo(2); // never backwards
    expect(seqs.contiguous).toBe(6);
    seqs.add(7);
    expect(seqs.contiguous).toBe(8);
  });
});
