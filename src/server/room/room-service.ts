/**
 * The room domain: the rules of creating, joining, speaking in and ending a
 * room, independent of HTTP and WebSocket. Both transports call this; it talks
 * to storage and fan-out only through the RoomStore and RoomBus seams.
 */
import { PAGE_MAX_MESSAGES, ROOM_ID_PATTERN, type ChatMessage, type CreateRoomRequest, type CreateRoomResponse, type JoinRoomResponse, type RoomLimits, type RoomView } from '../../shared/protocol.js';
import type { Config } from '../config.js';
import { frameByteLength, type MessageFrame, type RoomBus } from '../store/room-bus.js';
import type { AppendPolicy, AppendResult, Clock, RoomRecord, RoomStore } from '../store/room-store.js';
import { HushError, notAMember, rateLimited, roomNotFound } from './hush-error.js';
import { parseMessageFrame } from './server-frames.js';
import { hashMemberToken, MEMBER_TOKEN_PATTERN, newMemberId, newRoomId } from './ids.js';
import type { RoomMetrics } from './room-metrics.js';

/** Rough upper bound of the bodies in one page of GET …/messages (characters ≈ bytes: bodies are base64 text). */
export const PAGE_MAX_BYTES = 1_048_576;

export interface Member {
  room: RoomRecord;
  memberId: string;
}

export interface SendResult {
  seq: number;
  sentAt: number;
  duplicate: boolean;
}

type RoomRules = Pick<
  Config,
  | 'ROOM_TTL_SECONDS'
  | 'ROOM_TTL_MIN_SECONDS'
  | 'ROOM_TTL_MAX_SECONDS'
  | 'ROOM_CAPACITY'
  | 'ROOM_CAPACITY_MAX'
  | 'HISTORY_LIMIT'
  | 'HISTORY_MAX_BYTES'
  | 'MESSAGE_RATE_LIMIT'
  | 'MESSAGE_RATE_WINDOW_SECONDS'
>;

export class RoomService {
  /** What every append obeys; built once, it travels with each send to the store. */
  private readonly appendPolicy: AppendPolicy;
  /** What a creator may choose (`GET /api/limits`), and what createRoom() checks a request against. */
  readonly roomLimits: RoomLimits;

  constructor(
    private readonly store: RoomStore,
    private readonly bus: RoomBus,
    private readonly clock: Clock,
    private readonly rules: RoomRules,
    private readonly metrics: RoomMetrics,
  ) {
    this.appendPolicy = {
      maxMessages: rules.HISTORY_LIMIT,
      maxBytes: rules.HISTORY_MAX_BYTES,
      sendBudget: { points: rules.MESSAGE_RATE_LIMIT, windowMs: rules.MESSAGE_RATE_WINDOW_SECONDS * 1000 },
    };
    this.roomLimits = {
      ttlSeconds: { default: rules.ROOM_TTL_SECONDS, min: rules.ROOM_TTL_MIN_SECONDS, max: rules.ROOM_TTL_MAX_SECONDS },
      capacity: { default: rules.ROOM_CAPACITY, min: 2, max: rules.ROOM_CAPACITY_MAX },
    };
  }

  async createRoom(request: CreateRoomRequest): Promise<CreateRoomResponse> {
    const limits = this.roomLimits;
    const ttlSeconds = request.ttlSeconds ?? limits.ttlSeconds.default;
    const capacity = request.capacity ?? limits.capacity.default;
    for (const [field, value] of [['ttlSeconds', ttlSeconds], ['capacity', capacity]] as const) {
      const { min, max } = limits[field];
      if (value < min || value > max) throw new HushError('invalid_request', `${field} must be between ${min} and ${max}.`);
    }
    const room: RoomRecord = { roomId: newRoomId(), capacity, expiresAt: this.clock.now() + ttlSeconds * 1000, keyCheck: request.keyCheck };
    await this.store.createRoom(room);
    this.metrics.roomCreated();
    return { roomId: room.roomId, expiresAt: room.expiresAt, capacity: room.capacity };
  }

  /**
   * Takes a seat for the browser holding `token`, or gives back the seat it already holds. A join whose
   * `keyCheck` is not the room's holds the wrong key: it is refused before it can take a seat.
   */
  async join(roomId: string, token: string, keyCheck?: string): Promise<JoinRoomResponse> {
    if (!ROOM_ID_PATTERN.test(roomId)) throw this.rejectJoin('room_not_found');
    const room = await this.store.getRoom(roomId);
    if (!room) throw this.rejectJoin('room_not_found');
    if (keyCheck !== undefined && room.keyCheck !== undefined && keyCheck !== room.keyCheck) throw this.rejectJoin('wrong_key');
    const seat = await this.store.claimSeat(roomId, hashMemberToken(roomId, token), newMemberId());
    if (seat.kind === 'not_found') throw this.rejectJoin('room_not_found');
    if (seat.kind === 'full') throw this.rejectJoin('room_full');
    const members = await this.store.listMembers(roomId);
    if (seat.isNew) await this.bus.publish(roomId, { type: 'presence', members });
    return { roomId, memberId: seat.memberId, expiresAt: room.expiresAt, capacity: room.capacity, members };
  }

  /** Resolves the caller's seat: 404 if the room is gone, 403 if the token holds no seat. */
  async authenticate(roomId: string, token: string | undefined): Promise<Member> {
    if (!ROOM_ID_PATTERN.test(roomId)) throw roomNotFound();
    const room = await this.store.getRoom(roomId);
    if (!room) throw roomNotFound();
    if (!token || !MEMBER_TOKEN_PATTERN.test(token)) throw notAMember();
    const memberId = await this.store.findMember(roomId, hashMemberToken(roomId, token));
    if (!memberId) throw notAMember();
    return { room, memberId };
  }

  async view(member: Member): Promise<RoomView> {
    const { room } = member;
    const members = await this.store.listMembers(room.roomId);
    return { roomId: room.roomId, expiresAt: room.expiresAt, capacity: room.capacity, members };
  }

  /**
   * Stores a message (exactly once per sender and id), spending one point of the
   * sender's send budget (shared by HTTP and WebSocket sends, and across instances
   * with Redis); storing it also fans it out (RoomStore.appendMessage).
   */
  send(member: Member, id: string, body: string): SendResult | Promise<SendResult> {
    const result = this.store.appendMessage(member.room.roomId, { id, from: member.memberId, body }, this.appendPolicy);
    // As the store answers: at once in memory (so a refusal throws here), later with Redis.
    return result instanceof Promise ? result.then((settled) => this.sendOutcome(settled)) : this.sendOutcome(result);
  }

  private sendOutcome(result: AppendResult): SendResult {
    switch (result.kind) {
      case 'appended':
        this.metrics.messageAccepted();
        return { seq: result.seq, sentAt: result.sentAt, duplicate: false };
      case 'duplicate':
        return { seq: result.seq, sentAt: result.sentAt, duplicate: true };
      case 'rate_limited':
        this.metrics.rateLimited('message');
        throw rateLimited(this.sendBudgetRenewsIn());
      case 'server_full':
        throw new HushError('server_full', 'This server holds all the messages it can right now; try again when some rooms have ended.');
      case 'not_found':
        throw roomNotFound();
    }
  }

  /** A frame the member sent was refused before it could be a send: it still costs a point of the send budget. */
  async chargeRefusedFrame(member: Member): Promise<void> {
    if (await this.store.spendSendBudget(member.room.roomId, member.memberId, this.appendPolicy.sendBudget)) return;
    this.metrics.rateLimited('message');
    throw rateLimited(this.sendBudgetRenewsIn());
  }

  /** Milliseconds until the send budget's window ends: windows are aligned to the store's clock, in both engines. */
  private sendBudgetRenewsIn(): number {
    const { windowMs } = this.appendPolicy.sendBudget;
    return windowMs - (this.clock.now() % windowMs);
  }

  /**
   * One page of history, oldest first. Besides `limit`, a page stops once its
   * frames pass PAGE_MAX_BYTES (it always holds at least one message), so a
   * reader cannot make the server build megabytes per request; page with `after`.
   * `framesRead`: what the store handed over for it (the page and what did not fit), which the client pays for.
   */
  async listMessages(member: Member, after: number, limit: number | undefined): Promise<{ messages: ChatMessage[]; framesRead: readonly MessageFrame[] }> {
    const cap = Math.min(limit ?? this.rules.HISTORY_LIMIT, this.rules.HISTORY_LIMIT, PAGE_MAX_MESSAGES);
    const page = await this.store.readMessages(member.room.roomId, after, cap);
    let bytes = 0;
    const messages: ChatMessage[] = [];
    for (const frame of page.frames) {
      bytes += frameByteLength(frame);
      if (messages.length > 0 && bytes > PAGE_MAX_BYTES) break;
      messages.push(parseMessageFrame(frame));
    }
    return { messages, framesRead: page.frames };
  }

  async typing(member: Member): Promise<void> {
    await this.bus.publish(member.room.roomId, { type: 'typing', from: member.memberId });
  }

  /** Ends the room for everyone now. */
  async destroy(member: Member): Promise<void> {
    const { roomId } = member.room;
    if (await this.store.deleteRoom(roomId)) this.metrics.roomEnded('destroyed');
    // Published even if another request won the delete: the listeners treat a second `destroyed` as a no-op.
    await this.bus.publish(roomId, { type: 'destroyed', reason: 'destroyed' });
  }

  private rejectJoin(code: 'room_not_found' | 'room_full' | 'wrong_key'): HushError {
    this.metrics.joinRejected(code);
    if (code === 'room_full') return new HushError('room_full', 'Every seat in this room is taken.');
    if (code === 'wrong_key') return new HushError('wrong_key', "This join brings another key than the room's; it was refused.");
    return roomNotFound();
  }
}
