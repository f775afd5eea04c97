/**
 * The RoomHub delivers room events to this instance's sockets (Centrifuge's
 * Hub). It subscribes to a room on the bus when its first local socket arrives
 * and unsubscribes when the last one leaves, restores seq order (the bus may
 * reorder or drop across instances) by buffering and filling gaps from the
 * store, hands each message's stored frame to all its local receivers (no
 * re-serialisation), and ends local sockets when the room expires by the
 * store's clock.
 */
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { EndReason, MemberPresence } from '../../shared/protocol.js';
import type { MessageFrame, MessageHeader, RoomBus, RoomEvent } from '../store/room-bus.js';
import type { Clock, RoomStore } from '../store/room-store.js';
import type { RoomMetrics } from './room-metrics.js';
import { roomLogId } from './ids.js';
import { destroyedFrame, parseMessageFrame, presenceFrame, typingFrame } from './server-frames.js';

/** What the hub needs from a socket; the WebSocket layer implements it. */
export interface HubConnection {
  readonly connectionId: string;
  readonly memberId: string;
  /** A message in seq order; `frame` is its pre-serialised `message` frame. */
  deliverMessage(message: MessageHeader, frame: MessageFrame): void;
  /** Any other frame (presence, typing). */
  sendFrame(frame: string): void;
  /** The room ended: send `frame` (a `destroyed` frame) and close the socket. */
  endRoom(reason: EndReason, frame: string): void;
}

interface LocalRoom {
  readonly roomId: string;
  readonly connections: Set<HubConnection>;
  /** Resolves once subscribed and `nextSeq` is known (set right after the room is made). */
  ready: Promise<void>;
  /** Next seq to deliver; 0 until the subscription is ready. */
  nextSeq: number;
  /** Messages that arrived ahead of `nextSeq`. */
  readonly pending: Map<number, PendingMessage>;
  gapTimer: NodeJS.Timeout | undefined;
  /** Gap fills that failed in a row (the store unreachable): the next waits longer, and only the first is logged. */
  gapFillFailures: number;
  expiryTimer: NodeJS.Timeout | undefined;
  ended: boolean;
}

interface PendingMessage {
  message: MessageHeader;
  frame: MessageFrame;
}

/** How long a message ahead of a gap waits for the missing ones before the hub reads the store. */
export const GAP_FILL_DELAY_MS = 50;
/** The longest wait between gap fills that keep failing. */
const GAP_FILL_MAX_DELAY_MS = 2000;

export class RoomHub {
  private readonly rooms = new Map<string, LocalRoom>();

  constructor(
    private readonly bus: RoomBus,
    private readonly store: RoomStore,
    private readonly clock: Clock,
    private readonly metrics: RoomMetrics,
    private readonly logger: Logger,
  ) {
    bus.setListener((roomId, event) => this.handleEvent(roomId, event));
  }

  /** Number of rooms with at least one socket on this instance. */
  get roomCount(): number {
    return this.rooms.size;
  }

  /**
   * Registers a socket for a room's events; resolves when events flow. The
   * caller reads history only after this, so replay and live overlap, never gap.
   */
  async attach(roomId: string, expiresAt: number, connection: HubConnection): Promise<void> {
    let room = this.rooms.get(roomId);
    if (!room) {
      room = this.openRoom(roomId, expiresAt);
    }
    room.connections.add(connection);
    await room.ready;
  }

  detach(roomId: string, connection: HubConnection): void {
    const room = this.rooms.get(roomId);
    if (!room || !room.connections.delete(connection) || room.connections.size > 0) return;
    this.closeRoom(room);
    this.bus.unsubscribe(roomId).catch((error: unknown) => this.logger.warn({ err: error, roomId: roomLogId(roomId) }, 'unsubscribe failed'));
  }

  /**
   * Sockets of `connection`'s member in the room on this instance that were attached before it.
   * Counting only the earlier ones turns away the newest sockets of a burst, not every one of them.
   */
  earlierConnectionsOfMember(roomId: string, connection: HubConnection): number {
    let count = 0;
    for (const other of this.rooms.get(roomId)?.connections ?? []) {
      if (other === connection) return count;
      if (other.memberId === connection.memberId) count++;
    }
    return count;
  }

  /** Whether `connection` is the oldest socket of its member in the room on this instance. */
  isFirstConnectionOfMember(roomId: string, connection: HubConnection): boolean {
    for (const other of this.rooms.get(roomId)?.connections ?? []) if (other.memberId === connection.memberId) return other === connection;
    return false;
  }

  /** The local append of `seq` succeeded: make sure it is delivered even if the bus loses it. */
  noteAppended(roomId: string, seq: number): void {
    const room = this.rooms.get(roomId);
    if (room && room.nextSeq !== 0 && seq >= room.nextSeq) this.scheduleGapFill(room);
  }

  handleEvent(roomId: string, event: RoomEvent): void {
    const room = this.rooms.get(roomId);
    if (!room || room.ended) return;
    switch (event.type) {
      case 'message':
        this.receiveMessage(room, event.message, event.frame);
        return;
      case 'presence': {
        const frame = presenceFrame(event.members);
        for (const connection of room.connections) connection.sendFrame(frame);
        return;
      }
      case 'typing': {
        const frame = typingFrame(event.from);
        for (const connection of room.connections) if (connection.memberId !== event.from) connection.sendFrame(frame);
        return;
      }
      case 'destroyed':
        this.endRoom(room, event.reason);
        return;
    }
  }

  /** Publishes a presence change made by one of this instance's sockets. */
  async publishPresence(roomId: string, members: MemberPresence[]): Promise<void> {
    await this.bus.publish(roomId, { type: 'presence', members });
  }

  private openRoom(roomId: string, expiresAt: number): LocalRoom {
    const room: LocalRoom = {
      roomId,
      connections: new Set(),
      ready: Promise.resolve(),
      nextSeq: 0,
      pending: new Map(),
      gapTimer: undefined,
      gapFillFailures: 0,
      expiryTimer: undefined,
      ended: false,
    };
    room.ready = this.subscribe(room);
    room.expiryTimer = setTimeout(() => this.expire(room), Math.max(0, expiresAt - this.clock.now()));
    room.expiryTimer.unref();
    this.rooms.set(roomId, room);
    this.metrics.localRooms(1);
    return room;
  }

  private async subscribe(room: LocalRoom): Promise<void> {
    try {
      await this.bus.subscribe(room.roomId);
      // Read the bounds only after subscribing: anything newer arrives on the bus.
      const { lastSeq } = await this.store.readMessages(room.roomId, Number.MAX_SAFE_INTEGER, 0);
      room.nextSeq = lastSeq + 1;
      this.drain(room);
    } catch (error) {
      // Forget the half-open room so the next socket tries again from scratch.
      if (this.rooms.get(room.roomId) === room) {
        this.closeRoom(room);
        this.bus.unsubscribe(room.roomId).catch(() => undefined);
      }
      throw error;
    }
  }

  private receiveMessage(room: LocalRoom, message: MessageHeader, frame: MessageFrame): void {
    if (room.nextSeq === 0 || message.seq > room.nextSeq) {
      room.pending.set(message.seq, { message, frame });
      if (room.nextSeq !== 0) this.scheduleGapFill(room);
      return;
    }
    if (message.seq < room.nextSeq) return; // already delivered
    this.deliver(room, message, frame);
    if (room.pending.size > 0 || room.gapTimer) this.drain(room);
  }

  private drain(room: LocalRoom): void {
    for (const seq of room.pending.keys()) if (seq < room.nextSeq) room.pending.delete(seq);
    let next = room.pending.get(room.nextSeq);
    while (next) {
      room.pending.delete(next.message.seq);
      this.deliver(room, next.message, next.frame);
      next = room.pending.get(room.nextSeq);
    }
    if (room.pending.size === 0 && room.gapTimer) {
      clearTimeout(room.gapTimer);
      room.gapTimer = undefined;
    }
  }

  private deliver(room: LocalRoom, message: MessageHeader, frame: MessageFrame): void {
    room.nextSeq = message.seq + 1;
    for (const connection of room.connections) {
      // One socket failing must not cost the others this message (nextSeq has moved on: no gap fill would bring it).
      try {
        connection.deliverMessage(message, frame);
      } catch (error) {
        this.logger.warn({ err: error, roomId: roomLogId(room.roomId) }, 'delivery to a socket failed');
      }
    }
    this.metrics.messagesDelivered(room.connections.size);
    this.metrics.fanOutLatency(this.clock.now() - message.sentAt);
  }

  private scheduleGapFill(room: LocalRoom): void {
    if (room.gapTimer || room.ended) return;
    const delay = Math.min(GAP_FILL_DELAY_MS * 2 ** room.gapFillFailures, GAP_FILL_MAX_DELAY_MS);
    room.gapTimer = setTimeout(() => {
      room.gapTimer = undefined;
      void this.fillGap(room);
    }, delay);
    room.gapTimer.unref();
  }

  /** Reads what the bus did not bring (reordered or lost) from the store and delivers it in order. */
  private async fillGap(room: LocalRoom): Promise<void> {
    if (room.ended || this.rooms.get(room.roomId) !== room) return;
    try {
      const page = await this.store.readMessages(room.roomId, room.nextSeq - 1, 1000);
      room.gapFillFailures = 0;
      for (const frame of page.frames) {
        const message = parseMessageFrame(frame);
        if (message.seq > room.nextSeq) this.skipTo(room, message.seq);
        this.receiveMessage(room, message, frame);
      }
      // A message ahead of the store's view means the room ended meanwhile; otherwise retry later.
      if (room.pending.size > 0 && page.frames.length > 0) this.scheduleGapFill(room);
    } catch (error) {
      // While the store is down this repeats: once in the log, and ever less often (up to GAP_FILL_MAX_DELAY_MS).
      if (room.gapFillFailures++ === 0) this.logger.warn({ err: error, roomId: roomLogId(room.roomId) }, 'gap fill failed; will retry');
      this.scheduleGapFill(room);
    }
  }

  /**
   * The store no longer holds the messages before `seq` (its history cap dropped them before the gap
   * fill came): those the bus did bring are delivered, in order, and the rest are passed over.
   */
  private skipTo(room: LocalRoom, seq: number): void {
    const held = [...room.pending.keys()].filter((pendingSeq) => pendingSeq < seq).sort((a, b) => a - b);
    for (const pendingSeq of held) {
      const { message, frame } = room.pending.get(pendingSeq)!;
      room.pending.delete(pendingSeq);
      this.deliver(room, message, frame);
    }
    room.nextSeq = seq;
  }

  private expire(room: LocalRoom): void {
    this.metrics.roomEnded('expired');
    // Memory mode keeps no one else to tell; with Redis the keys expire by their own TTL.
    void this.store.deleteRoom(room.roomId).catch(() => undefined);
    this.endRoom(room, 'expired');
  }

  private endRoom(room: LocalRoom, reason: EndReason): void {
    if (room.ended) return;
    const frame = destroyedFrame(reason);
    const connections = [...room.connections];
    this.closeRoom(room);
    for (const connection of connections) connection.endRoom(reason, frame);
    this.bus.unsubscribe(room.roomId).catch(() => undefined);
  }

  private closeRoom(room: LocalRoom): void {
    room.ended = true;
    clearTimeout(room.gapTimer);
    clearTimeout(room.expiryTimer);
    room.pending.clear();
    if (this.rooms.get(room.roomId) === room) {
      this.rooms.delete(room.roomId);
      this.metrics.localRooms(-1);
    }
  }
}
