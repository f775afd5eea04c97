/**
 * In-memory RoomStore: the embedded default. Each room is one object in a Map;
 * a timer removes it at expiresAt, the way a Redis TTL would. Operations are
 * synchronous underneath, so each is atomic by construction.
 */
import type { ChatMessage, MemberPresence } from '../../../shared/protocol.js';
import { messageFrame } from '../../room/server-frames.js';
import type { RoomEvent } from '../room-bus.js';
import type { AppendPolicy, AppendResult, Clock, HistoryPage, MessageDraft, RoomRecord, RoomStore, SeatResult, SendBudget } from '../room-store.js';

interface MemoryRoom {
  record: RoomRecord;
  /** tokenHash → memberId, in joining order. */
  seats: Map<string, string>;
  /** memberId → ids of its open connections. */
  connections: Map<string, Set<string>>;
  /** `message` frames, oldest first, contiguous in seq (the newest is lastSeq). One string each: little for the GC to trace. */
  history: string[];
  /** Sum of the frames' lengths. */
  historyBytes: number;
  /** memberId → that member's send budget in the current window. */
  budgets: Map<string, BudgetWindow>;
  lastSeq: number;
  /**
   * Idempotency records of the newest DEDUP_RECORDS_PER_ROOM messages, for exactly-once sends:
   * sender → message id → seq. Every append adds exactly one record, so the record of seq s also
   * has slot (s - 1) % DEDUP_RECORDS_PER_ROOM in the rings below, which give its time and, when
   * the slot is reused, which record to forget. (Flat rings and no object per record: a busy
   * room keeps 10,000 of these, and each object would be one more thing for the GC to trace.)
   */
  sent: Map<string, Map<string, number>>;
  sentAt: number[];
  sentFrom: string[];
  sentId: string[];
  timer: NodeJS.Timeout;
}

interface BudgetWindow {
  endsAt: number;
  used: number;
}

/** Idempotency records kept per room; beyond this the oldest ids are forgotten. */
export const DEDUP_RECORDS_PER_ROOM = 10_000;

export class MemoryRoomStore implements RoomStore {
  private readonly rooms = new Map<string, MemoryRoom>();

  constructor(
    private readonly clock: Clock,
    /** Where an appended message is published (the engine's bus); tests of the store alone pass none. */
    private readonly publish: (roomId: string, event: RoomEvent) => void = () => undefined,
  ) {}

  async createRoom(record: RoomRecord): Promise<void> {
    const delay = Math.max(0, record.expiresAt - this.clock.now());
    const timer = setTimeout(() => this.rooms.delete(record.roomId), delay);
    timer.unref();
    this.rooms.set(record.roomId, {
      record: { ...record },
      seats: new Map(),
      connections: new Map(),
      history: [],
      historyBytes: 0,
      budgets: new Map(),
      lastSeq: 0,
      sent: new Map(),
      sentAt: [],
      sentFrom: [],
      sentId: [],
      timer,
    });
  }

  async getRoom(roomId: string): Promise<RoomRecord | null> {
    const room = this.live(roomId);
    return room ? { ...room.record } : null;
  }

  async claimSeat(roomId: string, tokenHash: string, candidateMemberId: string): Promise<SeatResult> {
    const room = this.live(roomId);
    if (!room) return { kind: 'not_found' };
    const existing = room.seats.get(tokenHash);
    if (existing) return { kind: 'seated', memberId: existing, isNew: false };
    if (room.seats.size >= room.record.capacity) return { kind: 'full' };
    room.seats.set(tokenHash, candidateMemberId);
    return { kind: 'seated', memberId: candidateMemberId, isNew: true };
  }

  async findMember(roomId: string, tokenHash: string): Promise<string | null> {
    return this.live(roomId)?.seats.get(tokenHash) ?? null;
  }

  async listMembers(roomId: string): Promise<MemberPresence[]> {
    const room = this.live(roomId);
    return room ? presenceOf(room) : [];
  }

  async setConnection(roomId: string, memberId: string, connectionId: string, open: boolean): Promise<MemberPresence[]> {
    const room = this.live(roomId);
    if (!room) return [];
    let ids = room.connections.get(memberId);
    if (open) {
      if (!ids) room.connections.set(memberId, (ids = new Set()));
      ids.add(connectionId);
    } else if (ids) {
      ids.delete(connectionId);
      if (ids.size === 0) room.connections.delete(memberId);
    }
    return presenceOf(room);
  }

  async appendMessage(roomId: string, draft: MessageDraft, policy: AppendPolicy): Promise<AppendResult> {
    const room = this.live(roomId);
    if (!room) return { kind: 'not_found' };
    if (!this.spend(room, draft.from, policy.sendBudget)) return { kind: 'rate_limited' };
    // Scoped by sender: one member cannot claim (or learn the fate of) another member's ids.
    let senderIds = room.sent.get(draft.from);
    const previousSeq = senderIds?.get(draft.id);
    if (previousSeq !== undefined) {
      return { kind: 'duplicate', seq: previousSeq, sentAt: room.sentAt[(previousSeq - 1) % DEDUP_RECORDS_PER_ROOM]! };
    }
    const message: ChatMessage = { seq: ++room.lastSeq, id: draft.id, from: draft.from, body: draft.body, sentAt: this.clock.now() };
    const frame = messageFrame(message);
    room.history.push(frame);
    room.historyBytes += frame.length;
    // shift() drops one from the front without copying the array; usually one message leaves per append.
    while (room.history.length > 1 && (room.history.length > policy.maxMessages || room.historyBytes > policy.maxBytes)) {
      room.historyBytes -= room.history.shift()!.length;
    }
    const slot = (message.seq - 1) % DEDUP_RECORDS_PER_ROOM;
    if (slot < room.sentFrom.length) {
      // The slot's record is DEDUP_RECORDS_PER_ROOM messages old: forget it.
      const oldFrom = room.sentFrom[slot]!;
      const oldIds = room.sent.get(oldFrom);
      if (oldIds?.delete(room.sentId[slot]!) && oldIds.size === 0) room.sent.delete(oldFrom);
    }
    room.sentAt[slot] = message.sentAt;
    room.sentFrom[slot] = draft.from;
    room.sentId[slot] = draft.id;
    // Looked up again: forgetting the slot's old record may have removed this very sender's map.
    senderIds = room.sent.get(draft.from);
    if (!senderIds) room.sent.set(draft.from, (senderIds = new Map()));
    senderIds.set(draft.id, message.seq);
    this.publish(roomId, { type: 'message', message, frame });
    return { kind: 'appended', seq: message.seq, sentAt: message.sentAt };
  }

  async spendSendBudget(roomId: string, memberId: string, budget: SendBudget): Promise<boolean> {
    const room = this.live(roomId);
    return room ? this.spend(room, memberId, budget) : false;
  }

  async readMessages(roomId: string, afterSeq: number, limit: number): Promise<HistoryPage> {
    const room = this.live(roomId);
    if (!room || room.history.length === 0) return { frames: [], oldestSeq: 0, lastSeq: room?.lastSeq ?? 0 };
    const oldestSeq = room.lastSeq - room.history.length + 1;
    // History is contiguous in seq, so the start index is arithmetic, not a search.
    const start = Math.max(0, afterSeq + 1 - oldestSeq);
    return { frames: room.history.slice(start, start + limit), oldestSeq, lastSeq: room.lastSeq };
  }

  async deleteRoom(roomId: string): Promise<boolean> {
    const room = this.rooms.get(roomId);
    if (!room) return false;
    clearTimeout(room.timer);
    this.rooms.delete(roomId);
    return room.record.expiresAt > this.clock.now();
  }

  async close(): Promise<void> {
    for (const room of this.rooms.values()) clearTimeout(room.timer);
    this.rooms.clear();
  }

  /** Rooms currently held, including any whose timer has not fired yet. */
  get size(): number {
    return this.rooms.size;
  }

  /** Whether anything of the room is still in memory (for tests that check "nothing remains"). */
  holds(roomId: string): boolean {
    return this.rooms.has(roomId);
  }

  /** Spends one point of `memberId`'s budget (fixed windows, as in rate-limiter-flexible); false when it is spent. */
  private spend(room: MemoryRoom, memberId: string, budget: SendBudget): boolean {
    const now = this.clock.now();
    let window = room.budgets.get(memberId);
    if (!window) room.budgets.set(memberId, (window = { endsAt: 0, used: 0 }));
    if (now >= window.endsAt) {
      window.endsAt = now + budget.windowMs;
      window.used = 0;
    }
    return ++window.used <= budget.points;
  }

  private live(roomId: string): MemoryRoom | undefined {
    const room = this.rooms.get(roomId);
    if (room && room.record.expiresAt <= this.clock.now()) {
      // The timer has not fired yet (event loop busy); the room has ended all the same.
      clearTimeout(room.timer);
      this.rooms.delete(roomId);
      return undefined;
    }
    return room;
  }
}

function presenceOf(room: MemoryRoom): MemberPresence[] {
  return [...room.seats.values()].map((memberId) => ({ memberId, online: room.connections.has(memberId) }));
}

