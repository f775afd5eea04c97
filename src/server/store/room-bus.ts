/**
 * The fan-out seam: carries room events between the instances that hold sockets
 * of a room (Centrifuge's Broker, socket.io's Adapter). The memory bus calls
 * listeners in-process; the Redis bus goes over per-room pub/sub channels.
 * An instance subscribes to a room only while it holds a socket of that room.
 * Delivery is at-most-once and may reorder across publishers; the RoomHub
 * restores seq order and fills gaps from the store.
 */
import type { ChatMessage, EndReason, MemberPresence } from '../../shared/protocol.js';

/** What the hub needs of a message to order it and route its ack; the body travels only inside its frame. */
export type MessageHeader = Pick<ChatMessage, 'seq' | 'id' | 'from' | 'sentAt'>;

/** A message's `message` frame: text, or the bytes a Redis push carried (sent on without decoding or copying). */
export type MessageFrame = string | Buffer;

/** A frame's size in UTF-8 bytes, what goes on the wire (a string's length counts UTF-16 units). */
export function frameByteLength(frame: MessageFrame): number {
  return typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length;
}

export type RoomEvent =
  /** `frame` is the message's `message` frame as stored, sent to every local socket as is. */
  | { type: 'message'; message: MessageHeader; frame: MessageFrame }
  | { type: 'presence'; members: MemberPresence[] }
  | { type: 'typing'; from: string }
  | { type: 'destroyed'; reason: EndReason };

export type RoomEventListener = (roomId: string, event: RoomEvent) => void;

export interface RoomBus {
  /** Starts delivering the room's events to the bus listener; resolves once subscribed. */
  subscribe(roomId: string): Promise<void>;
  unsubscribe(roomId: string): Promise<void>;
  publish(roomId: string, event: RoomEvent): Promise<void>;
  /** The single listener of this instance (its RoomHub). */
  setListener(listener: RoomEventListener): void;
  close(): Promise<void>;
}
