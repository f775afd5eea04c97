/**
 * The storage seam: everything about a room that must outlive one socket —
 * metadata, seats (hashed member tokens), presence, history and idempotency
 * records, send budgets. One interface, two implementations (memory, redis); the
 * room domain and the transports only ever see this. test/protocol/ runs one suite
 * against both.
 *
 * Every operation on a room that has ended (expired or destroyed) behaves as if
 * the room never existed: reads return null/empty, writes report `not_found`.
 */
import type { MemberPresence } from '../../shared/protocol.js';
import type { MessageFrame } from './room-bus.js';

export interface RoomRecord {
  roomId: string;
  capacity: number;
  /** Epoch ms, by the store's clock. Every trace of the room is gone after it. */
  expiresAt: number;
  /** The creator's key check (KEY_CHECK_PATTERN), which joins must match; absent when the creator sent none. */
  keyCheck?: string;
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
  /** Approximate bytes of retained messages (each counted as its stored frame's length). */
  maxBytes: number;
}

/**
 * A member's budget of sends in a room: at most `points` per window of
 * `windowMs`, windows aligned to the store's clock (window n covers
 * [n·windowMs, (n+1)·windowMs)), so every instance agrees on them. Every
 * attempt counts, refused and duplicate ones too. Kept with the room, so it
 * ends with it.
 *
 * A send the budget refuses holds back the sender's later sends until it comes
 * again: a client's pipelined sends that reach the store after the window
 * renews must not be stored before the refused one, which the client resends
 * first. The hold lasts while the refusal's window or the next one runs, so a
 * send that never comes again delays the rest by at most a window.
 */
export interface SendBudget {
  points: number;
  windowMs: number;
}

/** The rules one append obeys: the room's history limits and the sender's budget. */
export interface AppendPolicy extends HistoryLimits {
  sendBudget: SendBudget;
}

export type AppendResult =
  | { kind: 'appended'; seq: number; sentAt: number }
  /** The id was used before in this room: the original message, not stored again. */
  | { kind: 'duplicate'; seq: number; sentAt: number }
  /** The sender spent its budget for the current window: nothing stored. */
  | { kind: 'rate_limited' }
  /** The store holds all the history it may (memory mode's MEMORY_MAX_HISTORY_BYTES): nothing stored. */
  | { kind: 'server_full' }
  | { kind: 'not_found' };

export interface HistoryPage {
  /**
   * Messages with seq > after, oldest first, at most `limit`, as their `message`
   * frames: serialised once when stored and sent to sockets as they are
   * (server-frames.ts parses one back when its fields are needed).
   */
  frames: MessageFrame[];
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
   * Atomically spends one point of the sender's budget, checks (sender, message id)
   * against the idempotency records of the messages the room retains, assigns the
   * next seq, stores the message, trims history to the policy's limits (a message
   * that leaves history takes its idempotency record with it), and publishes the
   * message to the room's RoomBus subscribers in that same step, so the bus
   * carries a room's messages in seq order (a duplicate or refused send is not
   * published).
   *
   * A store that can answer at once (memory) returns the result itself rather than a promise:
   * this is the one call made for every message, and in memory mode the promise and the
   * suspended async frames around it were a third of the heap allocated per message.
   */
  appendMessage(roomId: string, draft: MessageDraft, policy: AppendPolicy): AppendResult | Promise<AppendResult>;
  /** Spends one point of a member's send budget without sending (a refused frame costs like a send); false when it is spent. */
  spendSendBudget(roomId: string, memberId: string, budget: SendBudget): Promise<boolean>;
  readMessages(roomId: string, afterSeq: number, limit: number): Promise<HistoryPage>;
  /** Removes every trace of the room. True if this call ended it, false if it was already gone. */
  deleteRoom(roomId: string): Promise<boolean>;
  close(): Promise<void>;
}
