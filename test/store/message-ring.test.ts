/**
 * The memory store's history ring: oldest first across wrap-around and growth,
 * which the store's own tests reach only at one history size.
 */
import { describe, expect, it } from 'vitest';
import { MessageRing } from '../../src/server/store/memory/message-ring.js';

/** Pushes message n as frame `f<n>`, sender `s<n % 3>`, id `i<n>`, time 1000 + n. */
function pushMessage(ring: MessageRing, n: number): void {
  ring.push(`f${n}`, `s${n % 3}`, `i${n}`, 1000 + n);
}

describe('MessageRing', () => {
  it('keeps order across wrap-around and growth, and forgets from the oldest end', () => {
    const ring = new MessageRing(4);
    for (let n = 1; n <= 3; n++) pushMessage(ring, n);
    ring.dropOldest(); // the next pushes wrap around the end of the four slots
    for (let n = 4; n <= 5; n++) pushMessage(ring, n);
    expect(ring.slice(0, 10)).toEqual(['f2', 'f3', 'f4', 'f5']);
    pushMessage(ring, 6); // full while wrapped: grows, oldest first again
    for (let n = 7; n <= 9; n++) pushMessage(ring, n);
    expect(ring.length).toBe(8);
    expect(ring.slice(0, 8)).toEqual(['f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8', 'f9']);
    expect(ring.slice(3, 5)).toEqual(['f5', 'f6']);
    expect([ring.oldestFrame, ring.oldestSender, ring.oldestId, ring.sentAtOf(0), ring.sentAtOf(7)]).toEqual(['f2', 's2', 'i2', 1002, 1009]);
    for (let i = 0; i < 7; i++) ring.dropOldest();
    expect([ring.length, ring.oldestId, ring.slice(0, 5)]).toEqual([1, 'i9', ['f9']]);
  });

  it('holds a long stream at a fixed size as a window of the newest messages', () => {
    const ring = new MessageRing();
    for (let n = 1; n <= 10_000; n++) {
      pushMessage(ring, n);
      if (ring.length > 500) ring.dropOldest();
    }
    expect(ring.length).toBe(500);
    expect(ring.oldestFrame).toBe('f9501');
    expect(ring.slice(498, 600)).toEqual(['f9999', 'f10000']);
    expect(ring.sentAtOf(499)).toBe(11_000);
  });
});
