/**
 * Edge cases of the memory store's bounded idempotency records that the
 * protocol suite cannot reach cheaply over a socket (10,000 messages).
 */
import { describe, expect, it } from 'vitest';
import { DEDUP_RECORDS_PER_ROOM, MemoryRoomStore } from '../../src/server/store/memory/memory-room-store.js';

const limits = { maxMessages: 500, maxBytes: 2_097_152, sendBudget: { points: 1_000_000, windowMs: 1000 } };

describe('memory store idempotency records', () => {
  it('a sender whose only record is the one being forgotten keeps the record of its new message', async () => {
    const store = new MemoryRoomStore({ now: () => Date.now() });
    await store.createRoom({ roomId: 'r'.repeat(22), capacity: 2, expiresAt: Date.now() + 60_000 });
    const roomId = 'r'.repeat(22);
    // Seq 1 from "lone", then DEDUP_RECORDS_PER_ROOM - 1 from "busy": the next append reuses seq 1's slot.
    await store.appendMessage(roomId, { id: 'first', from: 'lone', body: 'x' }, limits);
    for (let i = 0; i < DEDUP_RECORDS_PER_ROOM - 1; i++) await store.appendMessage(roomId, { id: `b${i}`, from: 'busy', body: 'x' }, limits);
    const fresh = await store.appendMessage(roomId, { id: 'second', from: 'lone', body: 'x' }, limits);
    expect(fresh.kind).toBe('appended');
    // The retry of the new message is recognised; the forgotten one is not.
    expect(await store.appendMessage(roomId, { id: 'second', from: 'lone', body: 'x' }, limits)).toMatchObject({ kind: 'duplicate', seq: DEDUP_RECORDS_PER_ROOM + 1 });
    expect((await store.appendMessage(roomId, { id: 'first', from: 'lone', body: 'x' }, limits)).kind).toBe('appended');
    await store.close();
  });
});
