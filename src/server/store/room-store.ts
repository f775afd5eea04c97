/**
 * The storage seam: everything about a room that must outlive one socket —
 * metadata, seats (hashed member tokens), presence, history and idempotency
 * records. One interface, two implementations (memory, redis); the room domain
 * and the transports only ever see this. test/contract/ runs one suite against both.
 *
 * Every operation on a room that has ended (expired or destroyed) behaves as if
 * the room never existed: reads return null/empty, writes report `not_found`.
 */
import type { ChatMessage, MemberPresence } from '../../shared/protocol.js';

export interface RoomRecord {
  roomId: string;
  capacity: number;
  /** Epoch ms, by the store's clock. Every trace of the room is gone after it. */
  expiresAt: number;
}

export type SeatResult =
  | { kind: 'seated'; memberId: string; isNew: boolean }
  | { kind: 'full' }
  | { kind: 'not_found' };

export interface MessageDraft {
  id: string;
  from: string;
  body: string;
}

/** How much history a room keeps; the oldest messages go first (the newest is always kept). */
export interface HistoryLimits {
  maxMessages: number;
  /** Approximate bytes of retained messages (each counted as its stored JSON size). */
  maxBytes: number;
}

export type AppendResult =
  | { kind: 'appended'; message: ChatMessage }
  /** The id was used before in this room: the original message, not stored again. */
  | { kind: 'duplicate'; seq: number; sentAt: number }
  | { kind: 'not_found' };

export interface HistoryPage {
  /** Messages with seq > after, oldest first, at most `limit`. */
  messages: ChatMessage[];
  /** Oldest retained seq, 0 if the room has no message. */
  oldestSeq: number;
  /** Newest seq, 0 if the room has no message. */
  lastSeq: number;
}

/** Wall-clock of the store. Rooms end by this clock, whatever the instance's own clock says. */
export interface Clock {
  now(): number;
}

export interface RoomStore {
  /** Stores a new room. The id is fresh (128 random bits), so no collision check is made. */
  createRoom(room: RoomRecord): Promise<void>;
  getRoom(roomId: string): Promise<RoomRecord | null>;
  /**
   * Atomically gives `tokenHash` a seat: the existing one if it holds one, else
   * a new seat named `candidateMemberId` if a seat is free.
   */
  claimSeat(roomId: string, tokenHash: string, candidateMemberId: string): Promise<SeatResult>;
  /** The memberId whose seat `tokenHash` holds, or null. */
  findMember(roomId: string, tokenHash: string): Promise<string | null>;
  /** Every seated member, in joining order, with whether any connection of theirs is open. */
  listMembers(roomId: string): Promise<MemberPresence[]>;
  /** Marks one connection of a member as open or closed; returns the room's presence after the change. */
  setConnection(roomId: string, memberId: string, connectionId: string, open: boolean): Promise<MemberPresence[]>;
  /**
   * Atomically checks (sender, message id) against the room's idempotency records,
   * assigns the next seq, stores the message, trims history to `limits`, and
   * publishes the message to the room's RoomBus subscribers in that same step,
   * so the bus carries a room's messages in seq order (a duplicate is not published).
   */
  appendMessage(roomId: string, draft: MessageDraft, limits: HistoryLimits): Promise<AppendResult>;
  readMessages(roomId: string, afterSeq: number, limit: number): Promise<HistoryPage>;
  /** Removes every trace of the room. True if this call ended it, false if it was already gone. */
  deleteRoom(roomId: string): Promise<boolean>;
  close(): Promise<void>;
}
