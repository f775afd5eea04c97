/**
 * RoomStore on Redis: the state every instance shares. Each operation is one
 * round trip — a plain read, or one of the Lua scripts of redis-scripts.ts when
 * it must be atomic (seats, seq, idempotency, budgets) or needs Redis's clock
 * (presence leases) — and the sends of one event-loop turn share theirs. Every
 * key of a room expires at the room's expiresAt, so a room ends in Redis even
 * if no instance is left to end it.
 *
 * Presence is a lease per open connection: this instance renews the leases of
 * its own connections in one batch per interval, and a crashed instance's
 * connections simply stop counting when their leases lapse.
 */
import type { MemberPresence } from '../../../shared/protocol.js';
import { messageFrameFromTail, messageFrameTail } from '../../room/server-frames.js';
import type { RoomEvent } from '../room-bus.js';
import type { AppendPolicy, AppendResult, Clock, HistoryPage, MessageDraft, RoomRecord, RoomStore, SeatResult, SendBudget } from '../room-store.js';
import type { RedisClient, RedisConnections } from './redis-connection.js';
import { FORMAT, type AppendReply } from './redis-scripts.js';
import { storeError } from './redis-errors.js';
import { decodeMessagePush } from './message-push.js';
import { allRoomKeys, historyKey, idsKey, membersKey, metaKey, presenceKey, seatsKey, usedField, windowField } from './redis-keys.js';

export interface PresenceLeaseOptions {
  /** How long a connection counts as open without a renewal. Bounds how long a crashed instance's members look online. */
  leaseMs: number;
  /** How often this instance renews its connections' leases (well under leaseMs). */
  renewIntervalMs: number;
}

/** What the store needs of this instance's bus when it is a room's only subscriber. */
export interface LocalDelivery {
  /** Whether this instance is subscribed to the room (holds a socket of it). */
  holds(roomId: string): boolean;
  /** Hands a room event to this instance's hub, as a push from Redis would. */
  deliver(roomId: string, event: RoomEvent): void;
  /** Catches the room up from the store: an append's outcome, which only its reply would have delivered here, is unknown. */
  catchUp(roomId: string): void;
}

/** Rooms whose leases are renewed together (see renewLeases). */
const RENEW_CHUNK = 100;

/** Most messages in one append script call; a turn with more sends makes several calls. */
const MAX_APPEND_BATCH = 256;

interface PendingAppend {
  policy: AppendPolicy;
  roomId: string;
  draft: MessageDraft;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

export class RedisRoomStore implements RoomStore {
  /** roomId → `memberId|connectionId` of this instance's open connections in the room. */
  private readonly leases = new Map<string, Set<string>>();
  private readonly renewTimer: NodeJS.Timeout;
  private renewing: Promise<void> | undefined;
  // Arrays, not a Map and a Set: a Map or Set that is cleared or emptied allocates a new table each time,
  // and once it lives in old space V8 allocates that table there, where only a mark-compact frees it.
  /** Sends gathering for the next append call; replaced by a new array at each flush. */
  private pendingAppends: PendingAppend[] = [];
  /** Append script calls sent and not answered yet, in no particular order. */
  private readonly appendsInFlight: Array<Promise<void>> = [];
  private readonly redis: RedisClient;
  /** Cluster mode: the script publishes with SPUBLISH (sharded pub/sub). */
  private readonly sharded: boolean;

  constructor(
    connections: RedisConnections,
    /** Redis's clock as this instance knows it (RedisClock). */
    private readonly clock: Clock,
    private readonly presence: PresenceLeaseOptions,
    /** This instance's side of the bus (RedisRoomBus), for messages that need no publish. */
    private readonly local: LocalDelivery,
    private readonly onFailure: () => void,
    /** How long sends gather into one append call; 0: the sends of one event-loop turn (RedisEngineOptions.appendWindowMs). */
    private readonly appendWindowMs: number,
  ) {
    this.redis = connections.client;
    this.sharded = connections.mode === 'cluster';
    this.renewTimer = setInterval(() => void this.renewLeases(), presence.renewIntervalMs);
    this.renewTimer.unref();
  }

  async createRoom(room: RoomRecord): Promise<void> {
    await this.run('createRoom', () => this.redis.hushCreateRoom(metaKey(room.roomId), room.capacity, room.expiresAt, room.keyCheck ?? ''));
  }

  async getRoom(roomId: string): Promise<RoomRecord | null> {
    const [capacity, expiresAt, format, keyCheck] = await this.run('getRoom', () => this.redis.hmget(metaKey(roomId), 'capacity', 'expiresAt', 'v', 'keyCheck'));
    // A room of an earlier data format is one this version cannot serve: as good as gone.
    if (capacity == null || expiresAt == null || format !== FORMAT) return null;
    return { roomId, capacity: Number(capacity), expiresAt: Number(expiresAt), ...(keyCheck == null ? {} : { keyCheck }) };
  }

  async claimSeat(roomId: string, tokenHash: string, candidateMemberId: string): Promise<SeatResult> {
    const [kind, memberId, isNew] = await this.run('claimSeat', () =>
      this.redis.hushClaimSeat(metaKey(roomId), seatsKey(roomId), membersKey(roomId), tokenHash, candidateMemberId),
    );
    if (kind === 'seated' && memberId) return { kind, memberId, isNew: Number(isNew) === 1 };
    return kind === 'full' ? { kind: 'full' } : { kind: 'not_found' };
  }

  async findMember(roomId: string, tokenHash: string): Promise<string | null> {
    return this.run('findMember', () => this.redis.hget(seatsKey(roomId), tokenHash));
  }

  async listMembers(roomId: string): Promise<MemberPresence[]> {
    const reply = await this.run('listMembers', () => this.redis.hushListMembers(membersKey(roomId), presenceKey(roomId)));
    return toPresence(reply);
  }

  async setConnection(roomId: string, memberId: string, connectionId: string, open: boolean): Promise<MemberPresence[]> {
    const entry = `${memberId}|${connectionId}`;
    // The local registry changes first: a renewal batch taken after this line already agrees with the script below.
    let entries = this.leases.get(roomId);
    if (open) {
      if (!entries) this.leases.set(roomId, (entries = new Set()));
      entries.add(entry);
    } else if (entries?.delete(entry) && entries.size === 0) {
      this.leases.delete(roomId);
    }
    const reply = await this.run('setConnection', () =>
      this.redis.hushSetConnection(metaKey(roomId), membersKey(roomId), presenceKey(roomId), entry, open ? 1 : 0, this.presence.leaseMs),
    );
    const members = toPresence(reply);
    if (members.length === 0) this.leases.delete(roomId); // the room is gone
    return members;
  }

  /**
   * Queued for the append window (or until the end of this event-loop turn when it is 0), then
   * appended with every other send of the window in one script call (redis-scripts.ts
   * APPEND_MESSAGES): one round trip and one reply per batch. At a few thousand sends per second
   * a turn holds one or two of them, and each round trip costs this process and Redis a write,
   * a read and a wake-up: a millisecond's window turns them into one per batch.
   */
  appendMessage(roomId: string, draft: MessageDraft, policy: AppendPolicy): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      if (this.pendingAppends.length === 0) {
        // A cluster sends one message per call (its keys must share a slot): waiting would gather nothing.
        if (this.appendWindowMs > 0 && !this.sharded) setTimeout(() => this.flushAppends(), this.appendWindowMs);
        else setImmediate(() => this.flushAppends());
      }
      this.pendingAppends.push({ policy, roomId, draft, resolve, reject });
    });
  }

  async spendSendBudget(roomId: string, memberId: string, budget: SendBudget): Promise<boolean> {
    const window = String(Math.floor(this.clock.now() / budget.windowMs));
    const within = await this.run('spendSendBudget', () =>
      this.redis.hushSpendBudget(metaKey(roomId), windowField(memberId), usedField(memberId), window, budget.points),
    );
    return Number(within) === 1;
  }

  async readMessages(roomId: string, afterSeq: number, limit: number): Promise<HistoryPage> {
    const [oldestSeq, lastSeq, entries] = await this.run('readMessages', () =>
      this.redis.hushReadMessagesBuffer(metaKey(roomId), historyKey(roomId), afterSeq, limit),
    );
    // Each entry is the message's push; its frame's bytes go to sockets as they are.
    const frames = entries.map((entry) => {
      const decoded = decodeMessagePush(entry);
      if (!decoded) throw storeError(new Error('unreadable history entry'), 'readMessages');
      return decoded.frame;
    });
    return { frames, oldestSeq: Number(oldestSeq), lastSeq: Number(lastSeq) };
  }

  async deleteRoom(roomId: string): Promise<boolean> {
    this.leases.delete(roomId);
    const existed = await this.run('deleteRoom', () => this.redis.hushDeleteRoom(...allRoomKeys(roomId)));
    return Number(existed) === 1;
  }

  async close(): Promise<void> {
    clearInterval(this.renewTimer);
    await this.renewing;
  }

  /** The room ended: its sockets here close without a setConnection, so stop renewing their leases. */
  forgetConnections(roomId: string): void {
    this.leases.delete(roomId);
  }

  /** Rooms in which this instance holds open connections (what it renews). */
  get leasedRooms(): number {
    return this.leases.size;
  }

  /**
   * Extends the leases of every connection this instance holds: one script call per room, in
   * chunks of RENEW_CHUNK rooms, each chunk sent when the previous one is answered (thousands of
   * scripts at once would hold up sends, here and in Redis, for milliseconds). A room that has
   * ended is forgotten. A failed renewal is retried at the next interval; a lease is several
   * intervals long.
   */
  renewLeases(): Promise<void> {
    if (this.renewing || this.leases.size === 0) return this.renewing ?? Promise.resolve();
    this.renewing = this.renewInChunks().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  /** Extends the leases of this instance's connections in one room now; rejects if Redis does not answer. */
  async renewRoomLeases(roomId: string): Promise<void> {
    const entries = this.leases.get(roomId);
    if (!entries || entries.size === 0) return;
    await this.run('renewLeases', () => this.redis.hushRenewLeases(metaKey(roomId), presenceKey(roomId), this.presence.leaseMs, ...entries));
  }

  private async renewInChunks(): Promise<void> {
    const rooms = [...this.leases];
    for (let i = 0; i < rooms.length; i += RENEW_CHUNK) {
      await Promise.allSettled(
        rooms.slice(i, i + RENEW_CHUNK).map(([roomId, entries]) =>
          this.redis.hushRenewLeases(metaKey(roomId), presenceKey(roomId), this.presence.leaseMs, ...entries).then((live) => {
            if (Number(live) === 0 && this.leases.get(roomId) === entries) this.leases.delete(roomId);
          }),
        ),
      );
    }
  }

  private flushAppends(): void {
    const pending = this.pendingAppends;
    if (pending.length === 0) return;
    this.pendingAppends = [];
    // In a cluster a script's keys must share a slot: one message per call.
    const size = this.sharded ? 1 : MAX_APPEND_BATCH;
    // One call takes the sends of one policy (in practice every send has the same one).
    for (const policy of new Set(pending.map((append) => append.policy))) {
      const sends = pending.filter((append) => append.policy === policy);
      for (let i = 0; i < sends.length; i += size) this.trackAppend(this.appendBatch(policy, sends.slice(i, i + size)));
    }
  }

  private trackAppend(call: Promise<void>): void {
    this.appendsInFlight.push(call);
    void call.finally(() => {
      const calls = this.appendsInFlight;
      const index = calls.indexOf(call);
      if (index < 0) return;
      calls[index] = calls[calls.length - 1]!;
      calls.pop();
    });
  }

  /** Resolves once every append script call sent so far (and those still gathering, sent now) is answered. */
  async appendsSent(): Promise<void> {
    // The scheduled flush then finds nothing to send.
    this.flushAppends();
    await Promise.allSettled([...this.appendsInFlight]);
  }

  /** Appends one batch and answers each of its sends; never rejects. */
  private async appendBatch(policy: AppendPolicy, batch: PendingAppend[]): Promise<void> {
    // sentAt and the budget window come from this instance's clock corrected to Redis's; the escaping
    // happens here too: JSON work scales with instances, Redis is shared.
    const now = this.clock.now();
    const frameTails: string[] = [];
    const heldRooms: string[] = [];
    let replies: AppendReply[];
    try {
      const nowText = String(now);
      const keysAndArgs: Array<string | number> = [];
      for (const { roomId } of batch) keysAndArgs.push(metaKey(roomId), historyKey(roomId), idsKey(roomId));
      const { sendBudget, maxMessages, maxBytes } = policy;
      keysAndArgs.push(String(Math.floor(now / sendBudget.windowMs)), sendBudget.points, maxMessages, maxBytes, this.sharded ? 'SPUBLISH' : 'PUBLISH', nowText);
      for (const { roomId, draft } of batch) {
        const frameTail = messageFrameTail(draft.id, draft.from, draft.body, nowText);
        frameTails.push(frameTail);
        // Only on one Redis: there, subscriptions and this script share the connection (see RedisRoomBus.holds).
        const held = !this.sharded && this.local.holds(roomId);
        if (held) heldRooms.push(roomId);
        keysAndArgs.push(draft.from, draft.id, frameTail, held ? '1' : '0');
      }
      replies = await this.run('appendMessage', () =>
        this.sharded ? this.redis.hushAppendMessage(...keysAndArgs) : this.redis.hushAppendMessages(batch.length * 3, ...keysAndArgs),
      );
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      // A script that ran but whose reply was lost (a timeout) may have appended messages it did not
      // publish, for this instance to deliver: read them from the store instead.
      for (const roomId of new Set(heldRooms)) this.local.catchUp(roomId);
      return;
    }
    batch.forEach(({ roomId, draft, resolve, reject }, i) => {
      try {
        const reply = replies[i]!;
        if (reply[0] === 4) {
          // This instance is the room's only subscriber: deliver here what the script did not publish.
          const seq = reply[1];
          const message = { seq, id: draft.id, from: draft.from, sentAt: now };
          this.local.deliver(roomId, { type: 'message', message, frame: messageFrameFromTail(seq, frameTails[i]!) });
        }
        resolve(toAppendResult(reply, now));
      } catch (error) {
        // One message's delivery failing must not leave the rest of the batch unanswered.
        reject(error);
      }
    });
  }

  private async run<T>(operation: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      this.onFailure();
      throw storeError(error, operation);
    }
  }
}

function toAppendResult(reply: AppendReply, sentAt: number): AppendResult {
  switch (reply[0]) {
    case 1:
    case 4:
      return { kind: 'appended', seq: Number(reply[1]), sentAt };
    case 0: {
      const [seq, originalSentAt] = reply[1].split(':');
      return { kind: 'duplicate', seq: Number(seq), sentAt: Number(originalSentAt) };
    }
    case 2:
      return { kind: 'rate_limited' };
    default:
      return { kind: 'not_found' };
  }
}

function toPresence([memberIds, flags]: [string[], number[]]): MemberPresence[] {
  return memberIds.map((memberId, i) => ({ memberId, online: Number(flags[i]) === 1 }));
}
