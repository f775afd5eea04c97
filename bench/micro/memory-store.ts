/**
 * Micro-benchmark of the memory store's append path (MemoryRoomStore.appendMessage)
 * once a room is busy: its history full (HISTORY_LIMIT 500, with one idempotency
 * record per retained message), so every append also trims one message and
 * forgets its record. Reports the median of several runs, and — when run
 * with --expose-gc — the heap each room keeps per message it has seen; and 500
 * rooms filling their histories in lockstep (the longest round of appends). Used to
 * measure the hot-path changes described in docs/benchmarks.md.
 * Usage: node --expose-gc --import tsx bench/micro/memory-store.ts
 */
import { MemoryRoomStore } from '../../src/server/store/memory/memory-room-store.js';

/** Messages sent to each room when measuring the heap: 20 × its history. */
const MESSAGES_PER_ROOM = 10_000;

const limits = { maxMessages: 500, maxBytes: 2_097_152, sendBudget: { points: Number.MAX_SAFE_INTEGER, windowMs: 1000 } };
const body = 'x'.repeat(64);
const senders = ['AbCdEfGhIjKl', 'MnOpQrStUvWx'];
// Ids as a client sends them: short strings that come out of JSON.parse, shared with nothing else.
const idFor = (i: number): string => JSON.parse(`"${(i * 7919).toString(36)}"`) as string;

async function steadyAppendMicros(): Promise<number> {
  const store = new MemoryRoomStore({ now: () => Date.now() });
  const roomId = 'A'.repeat(22);
  await store.createRoom({ roomId, capacity: 2, expiresAt: Date.now() + 3_600_000 });
  const warm = limits.maxMessages * 4;
  const measured = 50_000;
  let start = 0n;
  for (let i = 0; i < warm + measured; i++) {
    if (i === warm) start = process.hrtime.bigint();
    await store.appendMessage(roomId, { id: idFor(i), from: senders[i & 1]!, body }, limits);
  }
  const micros = Number(process.hrtime.bigint() - start) / 1000 / measured;
  await store.close();
  return micros;
}

/** A store holding `count` hour-long rooms, and their ids. */
async function storeWithRooms(count: number): Promise<{ store: MemoryRoomStore; rooms: string[] }> {
  const store = new MemoryRoomStore({ now: () => Date.now() });
  const rooms = Array.from({ length: count }, (_, r) => `r${r}`.padEnd(22, 'x'));
  for (const roomId of rooms) await store.createRoom({ roomId, capacity: 2, expiresAt: Date.now() + 3_600_000 });
  return { store, rooms };
}

/**
 * 500 rooms filling their histories at the same pace, one message to each room per round, as the
 * benchmark's rooms do: the mean append, and the longest round (rooms that grow their storage in the
 * same round stall the event loop together).
 */
async function lockstepFill(): Promise<{ micros: number; longestRoundMs: number }> {
  const { store, rooms } = await storeWithRooms(500);
  const started = process.hrtime.bigint();
  let longest = 0n;
  for (let round = 0; round < limits.maxMessages; round++) {
    const roundStarted = process.hrtime.bigint();
    for (let r = 0; r < rooms.length; r++) await store.appendMessage(rooms[r]!, { id: idFor(round * rooms.length + r), from: senders[round & 1]!, body }, limits);
    const took = process.hrtime.bigint() - roundStarted;
    if (took > longest) longest = took;
  }
  const micros = Number(process.hrtime.bigint() - started) / 1000 / (limits.maxMessages * rooms.length);
  await store.close();
  return { micros, longestRoundMs: Number(longest) / 1e6 };
}

async function heapPerMessage(gc: () => void): Promise<number> {
  const { store, rooms: ids } = await storeWithRooms(50);
  const rooms = ids.length;
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const total = rooms * MESSAGES_PER_ROOM;
  for (let i = 0; i < total; i++) await store.appendMessage(ids[i % rooms]!, { id: idFor(i), from: senders[i & 1]!, body }, limits);
  gc();
  gc();
  const bytes = (process.memoryUsage().heapUsed - before) / total;
  await store.close();
  return bytes;
}

const runs: number[] = [];
for (let run = 0; run < 5; run++) runs.push(await steadyAppendMicros());
runs.sort((a, b) => a - b);
process.stdout.write(
  `append in a busy room (history and its idempotency records full): ` +
    `median ${runs[2]!.toFixed(2)} µs (runs: ${runs.map((value) => value.toFixed(2)).join(', ')})\n`,
);
const fills: Array<{ micros: number; longestRoundMs: number }> = [];
for (let run = 0; run < 3; run++) fills.push(await lockstepFill());
process.stdout.write(
  `500 rooms filling in lockstep (0 → 500 messages each): ` +
    `${fills.map(({ micros, longestRoundMs }) => `${micros.toFixed(2)} µs per append, longest round ${longestRoundMs.toFixed(1)} ms`).join('; ')}\n`,
);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  process.stdout.write(`heap kept per message seen, 50 rooms × ${MESSAGES_PER_ROOM} messages: ${(await heapPerMessage(gc)).toFixed(0)} bytes\n`);
} else {
  process.stdout.write('(run node with --expose-gc to also measure the heap kept per message)\n');
}
