/**
 * RoomStore on Redis: the state every instance shares. Each operation is one
 * round trip — a plain read, or one of the Lua scripts of redis-scripts.ts when
 * it must be atomic (seats, seq, idempotency) or needs Redis's clock (sentAt,
 * presence leases). Every key of a room expires at the room's expiresAt, so a
 * room ends in Redis even if no instance is left to end it.
 *
 * Presence is a lease per open connection: this instance renews the leases of
 * its own connections in one batch per interval, and a crashed instance's
 * connections simply stop counting when their leases lapse.
 */
import type { MemberPresence } from '../../../shared/protocol.js';
import { messageFrameTail } from '../../room/server-frames.js';
import { DEDUP_RECORDS_PER_ROOM } from '../memory/memory-room-store.js';
import type { AppendPolicy, AppendResult, HistoryPage, MessageDraft, RoomRecord, RoomStore, SeatResult, SendBudget } from '../room-store.js';
import type { RedisClient, RedisConnections } from './redis-connection.js';
import { storeError } from './redis-errors.js';
import { allRoomKeys, budgetField, historyKey, membersKey, metaKey, presenceKey, roomChannel, seatsKey, sentKey, sentOrderKey } from './redis-keys.js';

export interface PresenceLeaseOptions {
  /** How long a connection counts as open without a renewal. Bounds how long a crashed instance's members look online. */
  leaseMs: number;
  /** How often this instance renews its connections' leases (well under leaseMs). */
  renewIntervalMs: number;
}

export class RedisRoomStore implements RoomStore {
  /** roomId → `memberId|connectionId` of this instance's open connections in the room. */
  private readonly leases = new Map<string, Set<string>>();
  private readonly renewTimer: NodeJS.Timeout;
  private renewing: Promise<void> | undefined;
  private readonly redis: RedisClient;
  /** Cluster mode: the script publishes with SPUBLISH (sharded pub/sub). */
  private readonly sharded: boolean;

  constructor(
    private readonly connections: RedisConnections,
    private readonly presence: PresenceLeaseOptions,
    private readonly onFailure: () => void,
  ) {
    this.redis = connections.client;
    this.sharded = connections.mode === 'cluster';
    this.renewTimer = setInterval(() => void this.renewLeases(), presence.renewIntervalMs);
    this.renewTimer.unref();
  }

  async createRoom(room: RoomRecord): Promise<void> {
    await this.run('createRoom', () => this.redis.hushCreateRoom(metaKey(room.roomId), room.capacity, room.expiresAt));
  }

  async getRoom(roomId: string): Promise<RoomRecord | null> {
    const [capacity, expiresAt] = await this.run('getRoom', () => this.redis.hmget(metaKey(roomId), 'capacity', 'expiresAt'));
    if (capacity == null || expiresAt == null) return null;
    return { roomId, capacity: Number(capacity), expiresAt: Number(expiresAt) };
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

  async appendMessage(roomId: string, draft: MessageDraft, policy: AppendPolicy): Promise<AppendResult> {
    // Escaped here, not in Redis: JSON work scales with instances, Redis is shared.
    const tail = messageFrameTail(draft.id, draft.from, draft.body);
    const reply = await this.run('appendMessage', () =>
      this.redis.hushAppendMessage(
        metaKey(roomId),
        historyKey(roomId),
        sentKey(roomId),
        sentOrderKey(roomId),
        `${draft.from}\u0000${draft.id}`,
        tail,
        budgetField(draft.from),
        roomChannel(roomId),
        this.sharded ? 'SPUBLISH' : 'PUBLISH',
        policy.maxMessages,
        policy.maxBytes,
        DEDUP_RECORDS_PER_ROOM,
        policy.sendBudget.points,
        policy.sendBudget.windowMs,
      ),
    );
    if (reply === null) return { kind: 'not_found' };
    switch (reply[0]) {
      case 1:
        return { kind: 'appended', seq: Number(reply[1]), sentAt: Number(reply[2]) };
      case 0: {
        const [seq, sentAt] = reply[1].split(':');
        return { kind: 'duplicate', seq: Number(seq), sentAt: Number(sentAt) };
      }
      default:
        return { kind: 'rate_limited' };
    }
  }

  async spendSendBudget(roomId: string, memberId: string, budget: SendBudget): Promise<boolean> {
    const within = await this.run('spendSendBudget', () => this.redis.hushSpendBudget(metaKey(roomId), budgetField(memberId), budget.points, budget.windowMs));
    return Number(within) === 1;
  }

  async readMessages(roomId: string, afterSeq: number, limit: number): Promise<HistoryPage> {
    const [oldestSeq, lastSeq, frames] = await this.run('readMessages', () =>
      this.redis.hushReadMessages(metaKey(roomId), historyKey(roomId), afterSeq, limit),
    );
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
   * Extends the leases of every connection this instance holds: one script call
   * per room, all issued at once (in a cluster, auto-pipelining batches them per
   * node). A room that has ended is forgotten.
   */
  renewLeases(): Promise<void> {
    if (this.renewing || this.leases.size === 0) return this.renewing ?? Promise.resolve();
    const calls: Promise<void>[] = [];
    for (const [roomId, entries] of this.leases) {
      calls.push(
        this.redis.hushRenewLeases(metaKey(roomId), presenceKey(roomId), this.presence.leaseMs, ...entries).then((live) => {
          if (Number(live) === 0 && this.leases.get(roomId) === entries) this.leases.delete(roomId);
        }),
      );
    }
    // A failed renewal is retried at the next interval; the lease is several intervals long.
    this.renewing = Promise.allSettled(calls).then(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private async run<T>(operation: string, command: () => Promise<T>): Promise<T> {
    this.connections.batchWrites();
    try {
      return await command();
    } catch (error) {
      this.onFailure();
      throw storeError(error, operation);
    }
  }
}

function toPresence([memberIds, flags]: [string[], number[]]): MemberPresence[] {
  return memberIds.map((memberId, i) => ({ memberId, online: Number(flags[i]) === 1 }));
}
