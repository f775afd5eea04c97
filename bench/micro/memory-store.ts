/**
 * Micro-benchmark of the memory store's append path (MemoryRoomStore.appendMessage):
 * one room, HISTORY_LIMIT 500, appends timed in windows, so the cost once the
 * history is full (trimming) and once the idempotency records are full
 * (evicting the oldest of DEDUP_RECORDS_PER_ROOM) both show. Used to measure
 * the hot-path changes described in docs/benchmarks.md.
 * Usage: npx tsx bench/micro/memory-store.ts [MESSAGES]
 */
import { DEDUP_RECORDS_PER_ROOM, MemoryRoomStore } from '../../src/server/store/memory/memory-room-store.js';

const total = Number(process.argv[2] ?? 40_000);
const window = 5_000;
const store = new MemoryRoomStore({ now: () => Date.now() });
const roomId = 'A'.repeat(22);
await store.createRoom({ roomId, capacity: 2, expiresAt: Date.now() + 3_600_000 });
const body = 'x'.repeat(64);
let start = performance.now();
for (let i = 1; i <= total; i++) {
  await store.appendMessage(roomId, { id: i.toString(36), from: 'member-1', body }, { maxMessages: 500, maxBytes: 2_097_152 });
  if (i % window === 0) {
    const now = performance.now();
    const phase = i <= 500 ? 'history filling' : i <= DEDUP_RECORDS_PER_ROOM ? 'history full' : 'history and dedup records full';
    process.stdout.write(`appends ${String(i - window + 1).padStart(6)}–${String(i).padEnd(6)} ${(((now - start) * 1000) / window).toFixed(2).padStart(7)} µs each  (${phase})\n`);
    start = now;
  }
}
await store.close();
