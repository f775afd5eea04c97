/**
 * The memory store's history ring: oldest first across wrap-around and growth
 * of its slots and across its byte chunks, which the store's own tests reach only at one
 * history size; and the idempotency records' handling of id-key collisions.
 */
import { describe, expect, it } from 'vitest';
import { MessageRing } from '../../src/server/store/memory/message-ring.js';
import { messageFrame } from '../../src/server/room/server-frames.js';
import { MESSAGE_ID_MAX_CHARS } from '../../src/shared/protocol.js';
import { idKey, KeyTable, SentIds } from '../../src/server/store/memory/sent-ids.js';
import { collidingIds } from '../support/colliding-ids.js';

/** Message n's frame: sender `s<n % 3>`, id `i<n>`, body `b<n>` plus `pad`, time 1000 + n. */
function frameOf(n: number, pad = ''): string {
  return messageFrame({ seq: n, id: `i${n}`, from: `s${n % 3}`, body: `b${n}${pad}`, sentAt: 1000 + n });
}

/** Pushes message n (frameOf) with key n. */
function pushMessage(ring: MessageRing, n: number, pad = ''): void {
  const frame = frameOf(n, pad);
  ring.push(frame, Buffer.byteLength(frame), `s${n % 3}`, n, 1000 + n);
}

const framesOf = (from: number, to: number, pad = ''): string[] => Array.from({ length: to - from + 1 }, (_, i) => frameOf(from + i, pad));

describe('MessageRing', () => {
  it('keeps order across wrap-around and growth, and forgets from the oldest end', () => {
    const ring = new MessageRing(4);
    for (let n = 1; n <= 3; n++) pushMessage(ring, n);
    ring.dropOldest(); // the next pushes wrap around the end of the four slots
    for (let n = 4; n <= 5; n++) pushMessage(ring, n);
    expect(ring.slice(0, 10)).toEqual(framesOf(2, 5));
    pushMessage(ring, 6); // full while wrapped: grows, oldest first again
    for (let n = 7; n <= 9; n++) pushMessage(ring, n);
    expect(ring.length).toBe(8);
    expect(ring.slice(0, 8)).toEqual(framesOf(2, 9));
    expect(ring.slice(3, 5)).toEqual(framesOf(5, 6));
    expect([ring.oldestSender, ring.oldestIdKey, ring.idOf(0), ring.idOf(7), ring.sentAtOf(0), ring.sentAtOf(7)]).toEqual(['s2', 2, 'i2', 'i9', 1002, 1009]);
    expect(ring.byteLength).toBe(framesOf(2, 9).join('').length);
    for (let i = 0; i < 7; i++) ring.dropOldest();
    expect([ring.length, ring.idOf(0), ring.slice(0, 5), ring.byteLength]).toEqual([1, 'i9', [frameOf(9)], frameOf(9).length]);
  });

  it('writes frames into chunks that double up to 16 KiB, and zeroes and drops a chunk once its last message leaves', () => {
    const ring = new MessageRing(2);
    const chunks = () => (ring as unknown as { chunks: Buffer[] }).chunks; // the private chunks, to see what happens to them
    const pad = 'x'.repeat(300); // with the rest of the frame, about 360 bytes a message
    for (let n = 1; n <= 2; n++) pushMessage(ring, n, pad); // both fit in the first chunk (1 KiB)
    expect(chunks().map((chunk) => chunk.length)).toEqual([1024]);
    const first = chunks()[0]!;
    for (let n = 3; n <= 8; n++) pushMessage(ring, n, pad); // message 3 opens a 2 KiB chunk, message 8 a 4 KiB one
    expect(chunks().map((chunk) => chunk.length)).toEqual([1024, 2048, 4096]);
    expect(ring.allocatedBytes).toBe(1024 + 2048 + 4096);
    expect(ring.slice(0, 8)).toEqual(framesOf(1, 8, pad));
    ring.dropOldest(); // message 2 still holds the first chunk
    expect(chunks()).toHaveLength(3);
    ring.dropOldest();
    expect(chunks()).toHaveLength(2);
    expect(first.every((byte) => byte === 0)).toBe(true);
    expect([ring.allocatedBytes, ring.idOf(0), ring.slice(0, 10)]).toEqual([2048 + 4096, 'i3', framesOf(3, 8, pad)]);
    const large = 'y'.repeat(20_000); // larger than any chunk: one of its own
    pushMessage(ring, 9, large);
    expect(chunks().map((chunk) => chunk.length)).toEqual([2048, 4096, Buffer.byteLength(frameOf(9, large))]);
    pushMessage(ring, 10, pad); // after it, a chunk twice the last up to 16 KiB
    expect(chunks().at(-1)!.length).toBe(16_384);
    expect(ring.slice(5, 10)).toEqual([frameOf(8, pad), frameOf(9, large), frameOf(10, pad)]);
    expect([ring.idOf(6), ring.idOf(7), ring.sentAtOf(7)]).toEqual(['i9', 'i10', 1010]);
    while (ring.length > 0) ring.dropOldest();
    expect(chunks().map((chunk) => chunk.length)).toEqual([16_384]); // the chunk being written stays
    pushMessage(ring, 11);
    expect([chunks().length, ring.slice(0, 5)]).toEqual([1, [frameOf(11)]]);
  });

  it('stores frames and ids as UTF-8 and gives back the same strings', () => {
    const ring = new MessageRing();
    const frame = messageFrame({ seq: 1, id: 'idé-🎉"', from: 'sender', body: 'héllo wörld 🎉 \ud800', sentAt: 1 });
    expect(frame).toContain('\\ud800'); // a lone surrogate travels escaped
    ring.push(frame, Buffer.byteLength(frame), 'sender', 7, 1);
    expect([ring.slice(0, 1), ring.idOf(0), ring.byteLength]).toEqual([[frame], 'idé-🎉"', Buffer.byteLength(frame)]);
  });

  it('holds a long stream at a fixed size as a window of the newest messages', () => {
    const ring = new MessageRing();
    for (let n = 1; n <= 10_000; n++) {
      pushMessage(ring, n, 'z'.repeat(n % 97));
      if (ring.length > 500) ring.dropOldest();
    }
    expect(ring.length).toBe(500);
    expect(ring.idOf(0)).toBe('i9501');
    const window = Array.from({ length: 500 }, (_, i) => frameOf(9501 + i, 'z'.repeat((9501 + i) % 97)));
    expect(ring.slice(0, 500)).toEqual(window);
    expect(ring.slice(498, 600)).toEqual(window.slice(498));
    expect(ring.sentAtOf(499)).toBe(11_000);
  });

  it('goes round its chunks without allocating once its window is full', () => {
    const ring = new MessageRing();
    const chunks = () => (ring as unknown as { chunks: Buffer[] }).chunks;
    const seen = new Set<Buffer>();
    let held = 0;
    for (let n = 1; n <= 6000; n++) {
      pushMessage(ring, n, 'q'.repeat(100));
      if (ring.length > 500) ring.dropOldest();
      if (n === 2000) held = ring.allocatedBytes;
      if (n > 2000) {
        for (const chunk of chunks()) seen.add(chunk);
        expect(ring.allocatedBytes).toBe(held);
      }
    }
    // The chunks in use at a time, and the spare that takes the place of the one that empties.
    expect(seen.size).toBeLessThanOrEqual(chunks().length + 1);
    expect(ring.slice(499, 500)).toEqual([frameOf(6000, 'q'.repeat(100))]);
  });

  it('holds at most twice its byte limit plus a message and three chunks when the oldest leave before each push, as the store does', () => {
    const ring = new MessageRing();
    const maxBytes = 64 * 1024;
    let largest = 0;
    for (let n = 1; n <= 5000; n++) {
      const frame = frameOf(n, 'w'.repeat((n * 7919) % 9000)); // 0–9 KB, in no order
      const length = Buffer.byteLength(frame);
      largest = Math.max(largest, length);
      while (ring.length > 0 && ring.byteLength + length > maxBytes) ring.dropOldest();
      ring.push(frame, length, `s${n % 3}`, n, n);
      expect(ring.byteLength).toBeLessThanOrEqual(maxBytes);
    }
    expect(ring.allocatedBytes).toBeLessThanOrEqual(2 * (maxBytes + largest) + 3 * 16_384);
    expect(ring.idOf(ring.length - 1)).toBe('i5000');
  });

  it('reads back the longest id that needs the most escaping', () => {
    const ring = new MessageRing();
    const id = '\u0001'.repeat(MESSAGE_ID_MAX_CHARS); // six bytes each in the frame
    const frame = messageFrame({ seq: Number.MAX_SAFE_INTEGER, id, from: 'sender', body: 'b', sentAt: 1 });
    ring.push(frame, Buffer.byteLength(frame), 'sender', 1, 1);
    expect(ring.idOf(0)).toBe(id);
  });

  it('zeroes its bytes and holds nothing once wiped', () => {
    const ring = new MessageRing();
    pushMessage(ring, 1, 'secret');
    const [bytes] = (ring as unknown as { chunks: Buffer[] }).chunks; // the private chunk, to see what happens to it
    expect(bytes!.includes('secret')).toBe(true);
    ring.wipe();
    expect(bytes!.every((byte) => byte === 0)).toBe(true);
    expect([ring.length, ring.byteLength, ring.allocatedBytes, ring.slice(0, 10)]).toEqual([0, 0, 0, []]);
  });
});

describe('SentIds', () => {
  it('tells two ids of one sender apart when their keys collide, and forgets each with its message', () => {
    const [first, second] = collidingIds();
    expect(first).not.toBe(second);
    const idsBySeq = new Map<number, string>([
      [1, first],
      [2, second],
    ]);
    const sent = new SentIds((seq) => idsBySeq.get(seq)!);
    const key = idKey(first);
    expect(sent.find('alice', first, key)).toBeUndefined();
    sent.remember('alice', first, key, 1);
    expect(sent.find('alice', second, key)).toBeUndefined(); // the key matches, the id does not
    sent.remember('alice', second, key, 2);
    expect([sent.find('alice', first, key), sent.find('alice', second, key), sent.find('bob', first, key), sent.size]).toEqual([1, 2, undefined, 2]);
    sent.forget('alice', key, 1);
    expect([sent.find('alice', first, key), sent.find('alice', second, key), sent.size]).toEqual([undefined, 2, 1]);
    sent.forget('alice', key, 2);
    expect(sent.size).toBe(0);
  });

  it('forgets a collided id while the first one stays', () => {
    const [first, second] = collidingIds();
    const idsBySeq = new Map<number, string>([
      [1, first],
      [2, second],
    ]);
    const sent = new SentIds((seq) => idsBySeq.get(seq)!);
    const key = idKey(first);
    sent.remember('alice', first, key, 1);
    sent.remember('alice', second, key, 2);
    sent.forget('alice', key, 2);
    expect([sent.find('alice', first, key), sent.find('alice', second, key), sent.size]).toEqual([1, undefined, 1]);
  });
});

describe('KeyTable', () => {
  it('a deletion moves back the entries of a run that wraps past the last slot', () => {
    // Keys whose home is the last of 16 slots (the table's hash: the top 4 bits of key × 0x9e3779b1) land at 15, 0, 1.
    const wrapping = Array.from({ length: 5_000 }, (_, key) => key).filter((key) => Math.imul(key, 0x9e3779b1) >>> 28 === 15).slice(0, 3);
    const table = new KeyTable();
    wrapping.forEach((key, i) => table.set(key, i + 1));
    table.delete(wrapping[0]!);
    expect(wrapping.map((key) => table.get(key))).toEqual([undefined, 2, 3]);
    table.delete(wrapping[1]!);
    expect(wrapping.map((key) => table.get(key))).toEqual([undefined, undefined, 3]);
  });

  it('agrees with a Map through growth, wrap-around and deletions inside probe runs', () => {
    // A small key range makes long runs of neighbouring slots, where a deletion must move later entries back.
    for (const range of [40, 5_000, 2 ** 30]) {
      let state = range; // a fixed-seed LCG: the same sequence on every run
      const random = (below: number) => {
        state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
        return state % below;
      };
      const table = new KeyTable();
      const reference = new Map<number, number>();
      for (let step = 0; step < 20_000; step++) {
        const key = random(range);
        if (reference.has(key) ? random(3) > 0 : false) {
          table.delete(key);
          reference.delete(key);
        } else if (!reference.has(key)) {
          table.set(key, step);
          reference.set(key, step);
        }
        expect(table.get(key)).toBe(reference.get(key));
        // Every key after every step in the dense range: a key lost by a wrong move would be found again only if re-added.
        // Compared in plain code and asserted once per check: 800,000 expect() calls took longer than the test may.
        if (range === 40 || step % 1000 === 0) {
          const probes = Array.from({ length: Math.min(range, 200) }, (_, probe) => probe);
          const disagreeing = [...probes, ...reference.keys()].filter((probe) => table.get(probe) !== reference.get(probe));
          expect(disagreeing, `step ${step}`).toEqual([]);
        }
      }
      expect(table.size).toBe(reference.size);
      for (const key of [...reference.keys()]) table.delete(key);
      expect(table.size).toBe(0);
      expect(table.get(reference.keys().next().value ?? 0)).toBeUndefined();
    }
  });
});
