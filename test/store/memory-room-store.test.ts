/**
 * The memory store's idempotency records under volume, which the protocol
 * suite cannot reach cheaply over a socket: a record lives exactly as long as
 * its message is retained, whatever the mix of senders, and ids whose keys
 * collide stay apart.
 */
import { describe, expect, it } from 'vitest';
import { MemoryRoomStore } from '../../src/server/store/memory/memory-room-store.js';
import { collidingIds } from '../support/colliding-ids.js';

const policy = { maxMessages: 50, maxBytes: 2_097_152, sendBudget: { points: Number.MAX_SAFE_INTEGER, windowMs: 1000 } };

describe('memory store idempotency records', () => {
  it('a resend is a duplicate while its message is retained and a new message once it has left', async () => {
    const store = new MemoryRoomStore({ now: () => Date.now() });
    const roomId = 'r'.repeat(22);
    await store.createRoom({ roomId, capacity: 3, expiresAt: Date.now() + 60_000 });
    const senders = ['a', 'b', 'c'];
    // Uneven senders, so that a sender's map empties and fills again as its messages leave history.
    const sent: Array<{ from: string; id: string; seq: number }> = [];
    for (let i = 0; i < 1000; i++) {
      const from = senders[i % 7 === 0 ? 2 : i % 2]!;
      const result = await store.appendMessage(roomId, { id: `m${i}`, from, body: 'x' }, policy);
      expect(result.kind).toBe('appended');
      if (result.kind === 'appended') sent.push({ from, id: `m${i}`, seq: result.seq });
    }
    for (const { from, id, seq } of sent.slice(-policy.maxMessages)) {
      expect(await store.appendMessage(roomId, { id, from, body: 'x' }, policy)).toMatchObject({ kind: 'duplicate', seq });
    }
    let seq = sent.at(-1)!.seq;
    // The oldest retained message still answers as a duplicate; the one before it is gone.
    const justGone = sent.at(-policy.maxMessages - 1)!;
    expect(await store.appendMessage(roomId, { id: justGone.id, from: justGone.from, body: 'x' }, policy)).toMatchObject({ kind: 'appended', seq: ++seq });
    await store.close();
  });

  it('two ids of one sender whose keys collide are two messages, each a duplicate of itself until it leaves history', async () => {
    const [first, second] = collidingIds();
    const store = new MemoryRoomStore({ now: () => Date.now() });
    const roomId = 'c'.repeat(22);
    await store.createRoom({ roomId, capacity: 2, expiresAt: Date.now() + 60_000 });
    const send = (id: string, from = 'a') => store.appendMessage(roomId, { id, from, body: 'x' }, policy);
    expect(send(first)).toMatchObject({ kind: 'appended', seq: 1 });
    expect(send(second)).toMatchObject({ kind: 'appended', seq: 2 });
    expect(send(second, 'b')).toMatchObject({ kind: 'appended', seq: 3 }); // another sender's id is its own
    expect([send(first), send(second), send(second, 'b')]).toMatchObject([
      { kind: 'duplicate', seq: 1 },
      { kind: 'duplicate', seq: 2 },
      { kind: 'duplicate', seq: 3 },
    ]);
    for (let i = 0; i < policy.maxMessages; i++) expect(send(`filler-${i}`, 'b').kind).toBe('appended');
    // Both have left history, records included: each is new again, and again a duplicate of itself.
    expect([send(second), send(first), send(second), send(first)]).toMatchObject([
      { kind: 'appended', seq: 54 },
      { kind: 'appended', seq: 55 },
      { kind: 'duplicate', seq: 54 },
      { kind: 'duplicate', seq: 55 },
    ]);
    await store.close();
  });

  it('budgets count per member in windows aligned to the clock', async () => {
    let now = 10_000;
    const store = new MemoryRoomStore({ now: () => now });
    const roomId = 'b'.repeat(22);
    await store.createRoom({ roomId, capacity: 2, expiresAt: now + 60_000 });
    const budget = { points: 2, windowMs: 1000 };
    const limited = { ...policy, sendBudget: budget };
    now = 10_900; // late in window 10
    expect((await store.appendMessage(roomId, { id: '1', from: 'a', body: 'x' }, limited)).kind).toBe('appended');
    expect((await store.appendMessage(roomId, { id: '2', from: 'a', body: 'x' }, limited)).kind).toBe('appended');
    expect((await store.appendMessage(roomId, { id: '3', from: 'a', body: 'x' }, limited)).kind).toBe('rate_limited');
    expect(await store.spendSendBudget(roomId, 'b', budget)).toBe(true);
    now = 11_000; // window 11 starts at 11 000, not 1 s after the first send
    expect((await store.appendMessage(roomId, { id: '3', from: 'a', body: 'x' }, limited)).kind).toBe('appended');
    expect((await store.appendMessage(roomId, { id: '4', from: 'a', body: 'x' }, limited)).kind).toBe('appended');
    // A clock that steps back into window 10 does not hand out window 10's budget again.
    now = 10_950;
    expect((await store.appendMessage(roomId, { id: '5', from: 'a', body: 'x' }, limited)).kind).toBe('rate_limited');
    // A stored window far from now (a clock step) does not lock the member out: it starts afresh.
    now = 5_000;
    expect((await store.appendMessage(roomId, { id: '5', from: 'a', body: 'x' }, limited)).kind).toBe('appended');
    await store.close();
  });
});

describe('memory store, history across all rooms', () => {
  it('past MEMORY_MAX_HISTORY_BYTES, the room holding the most gives up its oldest messages to a room holding less; the largest itself is refused, with nothing dropped', async () => {
    const body = 'b'.repeat(1000);
    const small = { ...policy, maxMessages: 10 };
    const store = new MemoryRoomStore({ now: () => Date.now() }, undefined, 25_000);
    const [a, b, c] = ['a', 'b', 'c'].map((letter) => letter.repeat(22)) as [string, string, string];
    for (const roomId of [a, b, c]) await store.createRoom({ roomId, capacity: 2, expiresAt: Date.now() + 60_000 });
    // Room a fills to its own limit (10 messages of about 1.1 kB), then trades its oldest for each new one.
    for (let i = 0; i < 15; i++) expect((await store.appendMessage(a, { id: `a${i}`, from: 'm', body }, small)).kind).toBe('appended');
    const perRoom = store.retainedBytes;
    expect(perRoom).toBeGreaterThan(10_000);
    // Room b takes what is left of 25 kB. Once it holds more than a, it is the one refused, and nothing of
    // either room is dropped for it.
    let appended = 0;
    let result;
    while (appended < 100 && (result = await store.appendMessage(b, { id: `b${appended}`, from: 'm', body }, policy)).kind === 'appended') appended++;
    expect(result).toEqual({ kind: 'server_full' });
    expect(appended).toBeGreaterThan(10);
    expect(store.retainedBytes).toBeLessThanOrEqual(25_000);
    expect((await store.readMessages(a, 0, 100)).frames).toHaveLength(10);
    expect((await store.readMessages(b, 0, 100)).frames).toHaveLength(appended);
    // A room at its own limit frees as much as it takes: it goes on.
    expect((await store.appendMessage(a, { id: 'a-more', from: 'm', body }, small)).kind).toBe('appended');
    // Room c, holding nothing, is not refused: b, the largest, gives up its oldest message (and its idempotency
    // record: that id is new again).
    expect((await store.appendMessage(c, { id: 'c0', from: 'm', body }, small)).kind).toBe('appended');
    const bAfter = await store.readMessages(b, 0, 100);
    expect(bAfter.frames).toHaveLength(appended - 1);
    expect(bAfter.oldestSeq).toBe(2);
    expect(store.retainedBytes).toBeLessThanOrEqual(25_000);
    expect((await store.readMessages(a, 0, 100)).frames).toHaveLength(10);
    // b is still the largest: its own send is refused, and it keeps what it holds. The id it gave up is new
    // again (refused for space, not answered as a duplicate); the next one is still remembered.
    expect((await store.appendMessage(b, { id: 'b-more', from: 'm', body }, policy)).kind).toBe('server_full');
    expect((await store.appendMessage(b, { id: 'b0', from: 'm', body }, policy)).kind).toBe('server_full');
    expect(await store.appendMessage(b, { id: 'b1', from: 'm', body }, policy)).toMatchObject({ kind: 'duplicate', seq: 2 });
    expect((await store.readMessages(b, 0, 100)).frames).toHaveLength(appended - 1);
    // A room that ends gives its share back.
    await store.deleteRoom(b);
    expect(store.retainedBytes).toBeLessThan(25_000 - (appended - 1) * 1000);
    expect((await store.appendMessage(c, { id: 'c1', from: 'm', body }, small)).kind).toBe('appended');
    await store.close();
    expect(store.retainedBytes).toBe(0);
  });

  it('the largest room keeps its newest message, and gives nothing that would leave it smaller than the sending room', async () => {
    const store = new MemoryRoomStore({ now: () => Date.now() }, undefined, 10_000);
    const [big, other] = ['x', 'y'].map((letter) => letter.repeat(22)) as [string, string];
    for (const roomId of [big, other]) await store.createRoom({ roomId, capacity: 2, expiresAt: Date.now() + 60_000 });
    // One message of about 9 kB fills almost everything; the other room's 2 kB send would need it gone.
    expect((await store.appendMessage(big, { id: 'huge', from: 'm', body: 'h'.repeat(9_000) }, policy)).kind).toBe('appended');
    expect((await store.appendMessage(other, { id: 'o', from: 'm', body: 'o'.repeat(2_000) }, policy)).kind).toBe('server_full');
    expect((await store.readMessages(big, 0, 10)).frames).toHaveLength(1);
    await store.close();

    // Two rooms of about 1.1 kB messages: the second draws level with the first, then would pass it.
    const even = new MemoryRoomStore({ now: () => Date.now() }, undefined, 10_000);
    for (const roomId of [big, other]) await even.createRoom({ roomId, capacity: 2, expiresAt: Date.now() + 60_000 });
    const body = 'e'.repeat(1000);
    for (let i = 0; i < 5; i++) expect((await even.appendMessage(big, { id: `big${i}`, from: 'm', body }, policy)).kind).toBe('appended');
    let sent = 0;
    while (sent < 10 && (await even.appendMessage(other, { id: `o${sent}`, from: 'm', body }, policy)).kind === 'appended') sent++;
    // The fifth would leave the other room larger than the one giving way: refused, and nothing dropped.
    expect(sent).toBe(4);
    expect((await even.readMessages(big, 0, 10)).frames).toHaveLength(5);
    expect((await even.readMessages(other, 0, 10)).frames).toHaveLength(4);
    await even.close();
  });

  it('asks the second largest room when the largest cannot give, and looks afresh once a room it knew of has ended', async () => {
    let now = 1_000_000;
    const store = new MemoryRoomStore({ now: () => now }, undefined, 20_000);
    const [single, several, sender, later] = ['s', 'v', 'n', 'l'].map((letter) => letter.repeat(22)) as [string, string, string, string];
    for (const roomId of [single, several, sender, later]) await store.createRoom({ roomId, capacity: 2, expiresAt: now + 60_000 });
    const body = 'k'.repeat(1000);
    // The largest holds one message, which it keeps; the second holds eight smaller ones.
    expect((await store.appendMessage(single, { id: 'one', from: 'm', body: 'x'.repeat(9_500) }, policy)).kind).toBe('appended');
    for (let i = 0; i < 8; i++) expect((await store.appendMessage(several, { id: `v${i}`, from: 'm', body }, policy)).kind).toBe('appended');
    let sent = 0;
    while (sent < 10 && (await store.appendMessage(sender, { id: `n${sent}`, from: 'm', body }, policy)).kind === 'appended') sent++;
    // The sender went on past the cap (about two of its messages fit under it) by taking the second room's oldest.
    expect(sent).toBeGreaterThan(3);
    expect(sent).toBeLessThan(7);
    expect((await store.readMessages(single, 0, 10)).frames).toHaveLength(1);
    expect((await store.readMessages(several, 0, 10)).frames.length).toBeLessThan(8);
    // Both rooms it knew of end; a room that has grown meanwhile is found within the same 100 ms.
    await store.deleteRoom(single);
    await store.deleteRoom(several);
    for (let i = 0; i < 12; i++) expect((await store.appendMessage(later, { id: `l${i}`, from: 'm', body }, policy)).kind).toBe('appended');
    now += 10;
    const before = (await store.readMessages(later, 0, 100)).frames.length;
    let more = 0;
    while (more < 10 && (await store.appendMessage(sender, { id: `more${more}`, from: 'm', body }, policy)).kind === 'appended') more++;
    expect(more).toBeGreaterThan(0);
    expect((await store.readMessages(later, 0, 100)).frames.length).toBeLessThan(before);
    expect(store.retainedBytes).toBeLessThanOrEqual(20_000);
    await store.close();
  });
});
