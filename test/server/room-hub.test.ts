/**
 * The RoomHub's delivery over the real memory engine: one local socket that
 * fails while a message is handed out must not cost the room's other sockets
 * that message (the hub has moved past its seq, so no gap fill would bring it),
 * and a gap the history cap closed before the gap fill must not cost them the
 * messages the bus did bring.
 * The sockets are HubConnections that record what they get: a real `ws`
 * socket cannot be made to throw on demand.
 */
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { EndReason } from '../../src/shared/protocol.js';
import { GAP_FILL_DELAY_MS, RoomHub, type HubConnection } from '../../src/server/room/room-hub.js';
import { parseMessageFrame } from '../../src/server/room/server-frames.js';
import { NO_METRICS } from '../../src/server/room/room-metrics.js';
import type { MessageFrame, MessageHeader } from '../../src/server/store/room-bus.js';
import { createMemoryEngine } from '../../src/server/store/engine.js';

class RecordingConnection implements HubConnection {
  readonly seqs: number[] = [];
  constructor(
    readonly connectionId: string,
    readonly memberId: string,
    private readonly failOnSeq?: number,
  ) {}
  deliverMessage(message: MessageHeader, _frame: MessageFrame): void {
    if (message.seq === this.failOnSeq) throw new Error('socket write failed');
    this.seqs.push(message.seq);
  }
  sendFrame(_frame: string): void {}
  endRoom(_reason: EndReason, _frame: string): void {}
}

describe('RoomHub delivery', () => {
  it('hands every message to every other socket when one of them throws, and logs the room by a prefix of its id only', async () => {
    const engine = createMemoryEngine();
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const hub = new RoomHub(engine.bus, engine.store, engine.clock, NO_METRICS, logger);
    const roomId = 'h'.repeat(22);
    const expiresAt = Date.now() + 60_000;
    await engine.store.createRoom({ roomId, capacity: 3, expiresAt });
    const failing = new RecordingConnection('c1', 'm1', 2);
    const others = [new RecordingConnection('c2', 'm2'), new RecordingConnection('c3', 'm3')];
    for (const connection of [failing, ...others]) await hub.attach(roomId, expiresAt, connection);
    const policy = { maxMessages: 50, maxBytes: 1_000_000, sendBudget: { points: 100, windowMs: 1000 } };
    for (let i = 1; i <= 3; i++) {
      const result = await engine.store.appendMessage(roomId, { id: `id${i}`, from: 'm2', body: 'x' }, policy);
      expect(result).toMatchObject({ kind: 'appended', seq: i });
    }
    expect(failing.seqs).toEqual([1, 3]);
    for (const connection of others) expect(connection.seqs).toEqual([1, 2, 3]);
    // A room id is a capability: whoever reads the logs must not be able to take a seat with it.
    expect(lines.join('')).toContain('delivery to a socket failed');
    expect(lines.join('')).toContain(`"roomId":"${roomId.slice(0, 4)}…"`);
    expect(lines.join('')).not.toContain(roomId);
    await engine.close();
  });

  it('counts the earlier sockets of a member in arrival order, so a burst past the cap turns away only its newest', async () => {
    const engine = createMemoryEngine();
    const hub = new RoomHub(engine.bus, engine.store, engine.clock, NO_METRICS, pino({ level: 'silent' }));
    const roomId = 'b'.repeat(22);
    const expiresAt = Date.now() + 60_000;
    await engine.store.createRoom({ roomId, capacity: 2, expiresAt });
    const tabs = [0, 1, 2, 3].map((i) => new RecordingConnection(`t${i}`, 'm1'));
    const other = new RecordingConnection('o', 'm2');
    // All attached before any of them is ready, as when sockets arrive while the room is being subscribed.
    await Promise.all([tabs[0]!, other, ...tabs.slice(1)].map((connection) => hub.attach(roomId, expiresAt, connection)));
    expect(tabs.map((tab) => hub.earlierConnectionsOfMember(roomId, tab))).toEqual([0, 1, 2, 3]);
    expect(hub.earlierConnectionsOfMember(roomId, other)).toBe(0);
    hub.detach(roomId, tabs[0]!);
    expect(tabs.slice(1).map((tab) => hub.earlierConnectionsOfMember(roomId, tab))).toEqual([0, 1, 2]);
    expect(hub.isFirstConnectionOfMember(roomId, tabs[1]!)).toBe(true);
    await engine.close();
  });

  it('delivers what the bus brought across a gap the history cap has closed, in order, then goes on from the store', async () => {
    const engine = createMemoryEngine();
    // The hub listens on another engine's bus, so the store's appends reach it only as this test hands them over:
    // a bus that lost seq 2 and brought 3 and 4.
    const elsewhere = createMemoryEngine();
    const hub = new RoomHub(elsewhere.bus, engine.store, engine.clock, NO_METRICS, pino({ level: 'silent' }));
    const roomId = 'g'.repeat(22);
    const expiresAt = Date.now() + 60_000;
    await engine.store.createRoom({ roomId, capacity: 2, expiresAt });
    const receiver = new RecordingConnection('c1', 'm1');
    await hub.attach(roomId, expiresAt, receiver);
    const roomy = { maxMessages: 50, maxBytes: 1_000_000, sendBudget: { points: 100, windowMs: 1000 } };
    for (let i = 1; i <= 4; i++) await engine.store.appendMessage(roomId, { id: `id${i}`, from: 'm2', body: 'x' }, roomy);
    const { frames } = await engine.store.readMessages(roomId, 0, 10);
    // Two more, with a cap of two: the store now holds only 5 and 6.
    for (let i = 5; i <= 6; i++) await engine.store.appendMessage(roomId, { id: `id${i}`, from: 'm2', body: 'x' }, { ...roomy, maxMessages: 2 });
    expect((await engine.store.readMessages(roomId, 0, 10)).oldestSeq).toBe(5);
    for (const index of [0, 2, 3]) hub.handleEvent(roomId, { type: 'message', message: parseMessageFrame(frames[index]!), frame: frames[index]! });
    expect(receiver.seqs).toEqual([1]);
    // The gap fill runs GAP_FILL_DELAY_MS after the first message ahead of the gap.
    await vi.waitFor(() => expect(receiver.seqs.length).toBeGreaterThan(1), { timeout: GAP_FILL_DELAY_MS * 100 });
    expect(receiver.seqs).toEqual([1, 3, 4, 5, 6]);
    await engine.close();
    await elsewhere.close();
  });
});
