/**
 * In-memory RoomStore: the embedded default. Each room is one object in a Map;
 * a timer removes it at expiresAt, the way a Redis TTL would. Operations are
 * synchronous underneath, so each is atomic by construction.
 */
import type { ChatMessage, MemberPresence } from '../../../shared/protocol.js';
import { messageFrame } from '../../room/server-frames.js';
import type { RoomEvent } from '../room-bus.js';
import { MessageRing } from './message-ring.js';
import { idKey, SentIds } from './sent-ids.js';
import type { AppendPolicy, AppendResult, Clock, HistoryPage, MessageDraft, RoomRecord, RoomStore, SeatResult, SendBudget } from '../room-store.js';

interface MemoryRoom {
  record: RoomRecord;
  /** tokenHash → memberId, in joining order. */
  seats: Map<string, string>;
  /** memberId → ids of its open connections. */
  connections: Map<string, Set<string>>;
  /**
   * The retained messages, oldest first, contiguous in seq (the newest is lastSeq): their ids and
   * `message` frames as bytes off the heap, with sender and time (MessageRing).
   */
  history: MessageRing;
  lastSeq: number;
  /** Idempotency records of the retained messages, for exactly-once sends: sender → id → seq. */
  sent: SentIds;
  /** memberId → that member's send budget in the current window. */
  budgets: Map<string, BudgetWindow>;
  timer: NodeJS.Timeout;
}

interface BudgetWindow {
  /** floor(now / windowMs): windows are aligned to the clock, as in the Redis engine. */
  window: number;
  used: number;
  /** The send the budget last refused, which the sender's later sends wait for (SendBudget), and the window it was refused in. */
  heldId: string | undefined;
  heldWindow: number;
}

export class MemoryRoomStore implements RoomStore {
  private readonly rooms = new Map<string, MemoryRoom>();
  /** Bytes of the frames every room's history retains: what maxRetainedBytes bounds. */
  private retained = 0;
  /** The two rooms holding the most history at the last look (reclaimFromLargest), and until when that look stands. */
  private largest: { rooms: MemoryRoom[]; until: number } = { rooms: [], until: 0 };

  constructor(
    private readonly clock: Clock,
    /** Where an appended message is published (the engine's bus); tests of the store alone pass none. */
    private readonly publish: (roomId: string, event: RoomEvent) => void = () => undefined,
    /**
     * Most bytes of history all rooms together may retain (MEMORY_MAX_HISTORY_BYTES): each room is
     * bounded by its policy, but rooms are many, and without this a client creating and filling rooms
     * could grow the process until the machine kills it, taking every room with it.
     */
    private readonly maxRetainedBytes = Number.POSITIVE_INFINITY,
  ) {}

  async createRoom(record: RoomRecord): Promise<void> {
    const delay = Math.max(0, record.expiresAt - this.clock.now());
    const timer = setTimeout(() => this.end(room), delay);
    timer.unref();
    const room: MemoryRoom = {
      record: { ...record },
      seats: new Map(),
      connections: new Map(),
      history: new MessageRing(),
      lastSeq: 0,
      sent: new SentIds((seq) => room.history.idOf(seq - oldestSeq(room))),
      budgets: new Map(),
      timer,
    };
    this.rooms.set(record.roomId, room);
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

  appendMessage(roomId: string, draft: MessageDraft, policy: AppendPolicy): AppendResult {
    const now = this.clock.now();
    const room = this.live(roomId, now);
    if (!room) return { kind: 'not_found' };
    if (!this.spend(room, draft.from, policy.sendBudget, now, draft.id)) return { kind: 'rate_limited' };
    // Scoped by sender: one member cannot claim (or learn the fate of) another member's ids.
    const key = idKey(draft.id);
    const previousSeq = room.sent.find(draft.from, draft.id, key);
    if (previousSeq !== undefined) {
      const sentAt = room.history.sentAtOf(previousSeq - oldestSeq(room));
      return { kind: 'duplicate', seq: previousSeq, sentAt };
    }
    const message: ChatMessage = { seq: room.lastSeq + 1, id: draft.id, from: draft.from, body: draft.body, sentAt: now };
    const frame = messageFrame(message);
    const frameBytes = Buffer.byteLength(frame);
    // The oldest messages leave first, and their idempotency records with them, so that the ring never needs
    // room for more than the policy keeps; the newest is always kept, however large. Counted first: a send
    // the process has no room for must not cost the room its oldest messages.
    const { history } = room;
    let leaving = 0;
    let freed = 0;
    while (leaving < history.length && (history.length - leaving >= policy.maxMessages || history.byteLength - freed + frameBytes > policy.maxBytes)) {
      freed += history.frameLengthOf(leaving++);
    }
    const overCap = this.retained - freed + frameBytes - this.maxRetainedBytes;
    if (overCap > 0 && !this.reclaimFromLargest(room, overCap, history.byteLength - freed + frameBytes)) return { kind: 'server_full' };
    dropOldest(room, leaving);
    this.retained += frameBytes - freed;
    room.lastSeq = message.seq;
    history.push(frame, frameBytes, draft.from, key, message.sentAt);
    room.sent.remember(draft.from, draft.id, key, message.seq);
    this.publish(roomId, { type: 'message', message, frame });
    return { kind: 'appended', seq: message.seq, sentAt: message.sentAt };
  }

  async spendSendBudget(roomId: string, memberId: string, budget: SendBudget): Promise<boolean> {
    const now = this.clock.now();
    const room = this.live(roomId, now);
    return room ? this.spend(room, memberId, budget, now) : false;
  }

  async readMessages(roomId: string, afterSeq: number, limit: number): Promise<HistoryPage> {
    const room = this.live(roomId);
    if (!room || room.history.length === 0) return { frames: [], oldestSeq: 0, lastSeq: room?.lastSeq ?? 0 };
    const oldest = oldestSeq(room);
    // History is contiguous in seq, so the start index is arithmetic, not a search.
    const start = Math.max(0, afterSeq + 1 - oldest);
    return { frames: room.history.slice(start, start + limit), oldestSeq: oldest, lastSeq: room.lastSeq };
  }

  async deleteRoom(roomId: string): Promise<boolean> {
    const room = this.rooms.get(roomId);
    if (!room) return false;
    this.end(room);
    return room.record.expiresAt > this.clock.now();
  }

  async close(): Promise<void> {
    for (const room of [...this.rooms.values()]) this.end(room);
  }

  /** Bytes of the frames all rooms' histories retain (bounded by maxRetainedBytes). */
  get retainedBytes(): number {
    return this.retained;
  }

  /** Rooms currently held, including any whose timer has not fired yet. */
  get size(): number {
    return this.rooms.size;
  }

  /** Whether anything of the room is still in memory (for tests that check "nothing remains"). */
  holds(roomId: string): boolean {
    return this.rooms.has(roomId);
  }

  /**
   * Spends one point of `memberId`'s budget in the current window; false when it is spent, or when
   * `sendId` is a send that must wait for one refused before it (SendBudget).
   */
  private spend(room: MemoryRoom, memberId: string, budget: SendBudget, now: number, sendId?: string): boolean {
    const window = Math.floor(now / budget.windowMs);
    let current = room.budgets.get(memberId);
    if (!current) room.budgets.set(memberId, (current = { window, used: 0, heldId: undefined, heldWindow: 0 }));
    // As in the Redis engine: the same window, or a stored one just ahead (a clock stepping back a
    // little), counts on; anything else (a later window, or one far ahead after a clock step) starts afresh.
    if (window !== current.window && window + 1 !== current.window) {
      current.window = window;
      current.used = 0;
    }
    const within = ++current.used <= budget.points;
    if (sendId === undefined) return within;
    if (current.heldId !== undefined && window <= current.heldWindow + 1 && sendId !== current.heldId) return false;
    current.heldId = within ? undefined : sendId;
    current.heldWindow = window;
    return within;
  }

  private live(roomId: string, now = this.clock.now()): MemoryRoom | undefined {
    const room = this.rooms.get(roomId);
    if (room && room.record.expiresAt <= now) {
      // The timer has not fired yet (event loop busy); the room has ended all the same.
      this.end(room);
      return undefined;
    }
    return room;
  }

  /**
   * Past MEMORY_MAX_HISTORY_BYTES, the rooms holding the most history give up their oldest messages for
   * a send in a room that holds less: rooms filled to their limit (by one client making and filling many,
   * say) cannot leave every other room refused until they expire. A room gives only while it stays at
   * least as large as the sending room will be, and it keeps its newest message (so its members' replays
   * still see that they missed some: `resumed: false`). The two largest rooms (largestRooms) are asked in
   * turn; a send that neither can make space for — one in the room holding the most, say — is refused,
   * and nothing is dropped for it.
   */
  private reclaimFromLargest(sending: MemoryRoom, needed: number, sendingBytesAfter: number): boolean {
    for (const room of this.largestRooms()) {
      if (room === sending) continue;
      const { history } = room;
      let leaving = 0;
      let freed = 0;
      while (freed < needed && leaving < history.length - 1 && history.byteLength - freed - history.frameLengthOf(leaving) >= sendingBytesAfter) {
        freed += history.frameLengthOf(leaving++);
      }
      if (freed < needed) continue;
      dropOldest(room, leaving);
      this.retained -= freed;
      return true;
    }
    return false;
  }

  /**
   * The two rooms holding the most history, looked up at most once per LARGEST_ROOMS_TTL_MS: a look goes
   * through every room, and past the cap every send would otherwise pay for one (a client could make
   * that dear with thousands of rooms). Between looks the sizes read are live, the order may be stale.
   */
  private largestRooms(): MemoryRoom[] {
    const now = this.clock.now();
    // A clock stepped back would otherwise keep an old look for as long as the step.
    if (now < this.largest.until && now >= this.largest.until - LARGEST_ROOMS_TTL_MS) return this.largest.rooms;
    let first: MemoryRoom | undefined;
    let second: MemoryRoom | undefined;
    for (const room of this.rooms.values()) {
      const bytes = room.history.byteLength;
      if (bytes > (first?.history.byteLength ?? 0)) [first, second] = [room, first];
      else if (bytes > (second?.history.byteLength ?? 0)) second = room;
    }
    this.largest = { rooms: [first, second].filter((room) => room !== undefined), until: now + LARGEST_ROOMS_TTL_MS };
    return this.largest.rooms;
  }

  /** The room ends: forgotten, and its history's bytes zeroed rather than left for the allocator to hand out. */
  private end(room: MemoryRoom): void {
    clearTimeout(room.timer);
    if (this.rooms.get(room.record.roomId) === room) {
      this.rooms.delete(room.record.roomId);
      this.retained -= room.history.byteLength;
    }
    room.history.wipe();
    // Nothing of an ended room stays referenced: the next look at the largest rooms happens afresh.
    if (this.largest.rooms.includes(room)) this.largest = { rooms: [], until: 0 };
  }
}

function presenceOf(room: MemoryRoom): MemberPresence[] {
  return [...room.seats.values()].map((memberId) => ({ memberId, online: room.connections.has(memberId) }));
}

/** How long a look at which rooms hold the most history stands (MemoryRoomStore.largestRooms). */
const LARGEST_ROOMS_TTL_MS = 100;

/** Drops a room's `count` oldest messages and their idempotency records. */
function dropOldest(room: MemoryRoom, count: number): void {
  for (let i = 0; i < count; i++) {
    room.sent.forget(room.history.oldestSender, room.history.oldestIdKey, oldestSeq(room));
    room.history.dropOldest();
  }
}

/** The seq of the oldest retained message (history is contiguous in seq and ends at lastSeq). */
function oldestSeq(room: MemoryRoom): number {
  return room.lastSeq - room.history.length + 1;
}
