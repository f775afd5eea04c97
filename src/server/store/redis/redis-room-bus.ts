/**
 * RoomBus over Redis pub/sub: one channel per room (`hush:{roomId}:events`),
 * PUBLISH/SUBSCRIBE on one Redis, SPUBLISH/SSUBSCRIBE on a cluster (the channel
 * hashes to the room's slot, so its traffic stays on the room's shard). This
 * instance subscribes to a room only while the RoomHub holds a socket of it,
 * so it receives its own rooms' traffic and nothing else. A message travels as
 * a short header and its `message` frame (message-push.ts), published by the
 * append script; the frame's bytes go to the local sockets as received. Other
 * events travel as the compact JSON of the RoomEvent.
 *
 * Delivery is at-most-once: a message published while this instance's
 * subscription was down is lost to it. When the subscriber comes back, the bus
 * re-subscribes the rooms it holds and replays each room's newest message,
 * presence and (if it ended meanwhile) its end into the listener; the RoomHub
 * notices any gap behind that message and fills it from the store.
 */
import type { FastifyBaseLogger as Logger } from 'fastify';
import { parseMessageFrame } from '../../room/server-frames.js';
import type { RoomBus, RoomEvent, RoomEventListener } from '../room-bus.js';
import { decodeMessagePush, encodeMessagePush, isMessagePush } from './message-push.js';
import type { RedisConnections } from './redis-connection.js';
import { describeError, storeError } from './redis-errors.js';
import { roomChannel, roomIdOfChannel } from './redis-keys.js';
import type { RedisRoomStore } from './redis-room-store.js';
import { roomLogId } from '../../room/ids.js';

/** Events other than messages, which travel as their RoomEvent JSON. */
const EVENT_TYPES: ReadonlySet<string> = new Set(['presence', 'typing', 'destroyed']);
/** Channels per SUBSCRIBE when restoring subscriptions after a reconnect. */
const RESUBSCRIBE_BATCH = 500;

export interface BusStats {
  /** Events this instance received from Redis (before any filtering). */
  received: number;
  /** Events this instance published. */
  published: number;
}

export class RedisRoomBus implements RoomBus {
  private listener: RoomEventListener | undefined;
  /**
   * Rooms the hub wants events of, the source of truth for re-subscribing, each with the token of
   * the subscribe() that added it: a failing SUBSCRIBE undoes only its own entry, never a newer one.
   */
  private readonly rooms = new Map<string, object>();
  /**
   * Rooms whose SUBSCRIBE Redis has answered on the current connection (one Redis only): what
   * holds() reports, so that an append script told "held" always runs after our subscription.
   */
  private readonly confirmed = new Set<string>();
  private readonly sharded: boolean;
  private closed = false;
  readonly stats: BusStats = { received: 0, published: 0 };

  constructor(
    private readonly connections: RedisConnections,
    private readonly store: RedisRoomStore,
    private readonly logger: Logger,
    private readonly onFailure: () => void,
  ) {
    this.sharded = connections.mode === 'cluster';
    const { subscriber } = connections;
    if (this.sharded) {
      subscriber.on('smessageBuffer', (channel: Buffer, payload: Buffer) => this.receive(channel, payload));
      // The cluster's subscriber group re-subscribes its channels itself after a topology change or reconnect.
      subscriber.on('subscribersReady', () => void this.resync());
    } else {
      // Buffers: a message's frame goes to the sockets as the bytes Redis sent (ioredis decodes nothing without a 'message' listener).
      subscriber.on('messageBuffer', (channel: Buffer, payload: Buffer) => this.receive(channel, payload));
      // A new connection starts with no subscription.
      subscriber.on('close', () => this.confirmed.clear());
      // Any later 'ready' is a reconnect.
      let connectedBefore = subscriber.status === 'ready';
      subscriber.on('ready', () => {
        if (connectedBefore) void this.restore();
        connectedBefore = true;
      });
    }
  }

  setListener(listener: RoomEventListener): void {
    this.listener = listener;
  }

  async subscribe(roomId: string): Promise<void> {
    const token = {};
    this.rooms.set(roomId, token);
    try {
      if (this.sharded) {
        await this.connections.subscriber.ssubscribe(roomChannel(roomId));
      } else {
        await this.connections.subscriber.subscribe(roomChannel(roomId));
        if (this.rooms.get(roomId) === token) this.confirmed.add(roomId);
      }
    } catch (error) {
      if (this.rooms.get(roomId) === token) this.rooms.delete(roomId);
      this.onFailure();
      throw storeError(error, 'subscribe');
    }
  }

  async unsubscribe(roomId: string): Promise<void> {
    this.rooms.delete(roomId);
    this.confirmed.delete(roomId);
    if (!this.sharded) {
      // An append sent as "held" must run while we are still subscribed, even if ioredis re-sends it
      // (as EVAL, after NOSCRIPT): leave only once the scripts sent so far are answered…
      await this.store.appendsSent();
      // …unless a socket of the room came back meanwhile and subscribed again: leaving now would undo that.
      if (this.rooms.has(roomId)) return;
    }
    try {
      if (this.sharded) await this.connections.subscriber.sunsubscribe(roomChannel(roomId));
      else await this.connections.subscriber.unsubscribe(roomChannel(roomId));
    } catch (error) {
      // While disconnected there is nothing to leave; a reconnect subscribes only to `rooms`.
      if (this.connections.subscriber.status === 'ready') throw storeError(error, 'unsubscribe');
    }
  }

  async publish(roomId: string, event: RoomEvent): Promise<void> {
    const payload = event.type === 'message' ? encodeMessagePush(event.message, event.frame.toString()) : JSON.stringify(event);
    try {
      if (this.sharded) await this.connections.client.spublish(roomChannel(roomId), payload);
      else await this.connections.client.publish(roomChannel(roomId), payload);
      this.stats.published++;
    } catch (error) {
      this.onFailure();
      throw storeError(error, 'publish');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.rooms.clear();
    this.confirmed.clear();
  }

  /** Whether Redis has confirmed this connection's subscription to the room's channel (one Redis only). */
  holds(roomId: string): boolean {
    return this.confirmed.has(roomId);
  }

  /** Rooms this instance is subscribed to. */
  get subscribedRooms(): number {
    return this.rooms.size;
  }

  private receive(channel: Buffer, payload: Buffer): void {
    this.stats.received++;
    const roomId = roomIdOfChannel(channel.toString('latin1'));
    // A message may still arrive for a room just left; the hub would ignore it anyway.
    if (roomId === undefined || !this.rooms.has(roomId)) return;
    const event = isMessagePush(payload) ? messageEvent(payload) : otherEvent(payload);
    if (event) this.deliver(roomId, event);
    else this.logger.warn({ roomId: roomLogId(roomId) }, 'unreadable event on a room channel; ignored');
  }

  /** Hands an event to the hub as if it came from Redis (also what the store calls for a message it did not publish). */
  deliver(roomId: string, event: RoomEvent): void {
    // Sockets of an ended room close without saying so to the store: forget their leases now.
    if (event.type === 'destroyed') this.store.forgetConnections(roomId);
    this.listener?.(roomId, event);
  }

  /** After the subscriber reconnected: subscribe again to every room held, then catch up. */
  private async restore(): Promise<void> {
    const roomIds = [...this.rooms.keys()];
    try {
      for (let i = 0; i < roomIds.length; i += RESUBSCRIBE_BATCH) {
        // Filtered when sent: a room left while an earlier batch was on its way is not subscribed again.
        const batch = roomIds.slice(i, i + RESUBSCRIBE_BATCH).filter((roomId) => this.rooms.has(roomId));
        if (batch.length === 0) continue;
        await this.connections.subscriber.subscribe(...batch.map(roomChannel));
        for (const roomId of batch) if (this.rooms.has(roomId)) this.confirmed.add(roomId);
      }
      this.logger.info({ rooms: this.rooms.size }, 'Redis subscriptions restored');
    } catch (error) {
      // The connection dropped again; the next 'ready' starts over.
      this.logger.warn({ err: describeError(error) }, 'restoring Redis subscriptions failed');
      return;
    }
    await this.resync();
  }

  /** A room's events may have gone missing here (an append whose reply never came): catch it up from the store. */
  catchUp(roomId: string): void {
    if (this.rooms.has(roomId)) void this.resyncRoom(roomId, 0);
  }

  /**
   * Replays into the listener what a subscription gap may have hidden: each
   * held room's newest message (the hub fills any gap before it from the
   * store), its presence, and its end if it ended meanwhile.
   */
  private async resync(): Promise<void> {
    await Promise.all([...this.rooms.keys()].map((roomId) => this.resyncRoom(roomId, 0)));
  }

  private async resyncRoom(roomId: string, attempt: number): Promise<void> {
    try {
      const room = await this.store.getRoom(roomId);
      if (this.closed || !this.rooms.has(roomId)) return;
      if (!room) {
        this.deliver(roomId, { type: 'destroyed', reason: 'destroyed' });
        return;
      }
      // After an outage longer than a lease, this instance's connections count as closed until renewed:
      // renew the room's before reading its presence, or every socket here would be told its members left.
      await this.store.renewRoomLeases(roomId);
      const { lastSeq } = await this.store.readMessages(roomId, Number.MAX_SAFE_INTEGER, 0);
      const [page, members] = await Promise.all([
        lastSeq > 0 ? this.store.readMessages(roomId, lastSeq - 1, 1) : undefined,
        this.store.listMembers(roomId),
      ]);
      if (this.closed || !this.rooms.has(roomId)) return;
      const newest = page?.frames[0];
      if (newest) this.deliver(roomId, { type: 'message', message: parseMessageFrame(newest), frame: newest });
      this.deliver(roomId, { type: 'presence', members });
    } catch (error) {
      // Reads fail while Redis is still coming back (in a cluster, the sharded subscribers can be back before
      // the node's command connection is): try again while the room is held.
      if (this.closed || !this.rooms.has(roomId)) return;
      if (attempt === 0) this.logger.warn({ err: describeError(error), roomId: roomLogId(roomId) }, 'catching up a room after a Redis reconnect failed; retrying');
      const retry = setTimeout(() => void this.resyncRoom(roomId, attempt + 1), Math.min(5000, 200 * 2 ** attempt));
      retry.unref();
    }
  }
}

function messageEvent(payload: Buffer): RoomEvent | undefined {
  const decoded = decodeMessagePush(payload);
  return decoded && { type: 'message', message: decoded.message, frame: decoded.frame };
}

/** Presence, typing or destroyed, as the JSON of its RoomEvent. */
function otherEvent(payload: Buffer): RoomEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { type } = value as { type?: unknown };
  return typeof type === 'string' && EVENT_TYPES.has(type) ? (value as RoomEvent) : undefined;
}
