/**
 * One member's WebSocket: replays history on connect, then relays live events
 * in seq order; validates and rate-limits every frame it receives; protects the
 * process from peers that do not read. Implements HubConnection for the RoomHub.
 */
import { randomInt } from 'node:crypto';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { CLOSE_CODES, type ErrorCode } from '../../shared/errors.js';
import type { EndReason, MemberPresence, ServerFrame } from '../../shared/protocol.js';
import { HushError, rateLimited } from '../room/hush-error.js';
import type { HubConnection, RoomHub } from '../room/room-hub.js';
import type { RoomMetrics } from '../room/room-metrics.js';
import type { Member, RoomService, SendResult } from '../room/room-service.js';
import type { ClientReadBudget } from '../room/client-read-budget.js';
import { readBudgetKey, spendBudget } from '../room/rate-budget.js';
import { ackFrame, destroyedFrame } from '../room/server-frames.js';
import type { MessageFrame, MessageHeader } from '../store/room-bus.js';
import type { HistoryPage, RoomStore } from '../store/room-store.js';
import { errorFrame, parseClientFrame } from './frames.js';
import { CountMap } from './count-map.js';
import { textFrame } from './text-frame.js';
import type { HeartbeatPeer } from './heartbeat.js';

export interface MemberSocketDeps {
  service: RoomService;
  hub: RoomHub;
  store: RoomStore;
  clockNow: () => number;
  rateLimiter: RateLimiterAbstract;
  /** Each client address's budget of history bytes read, which replays share with history pages. */
  clientReads: ClientReadBudget;
  metrics: RoomMetrics;
  historyLimit: number;
  rateLimitStrikes: number;
  maxSocketsPerMember: number;
  sendBufferLimitBytes: number;
  /** Frames one socket may have awaiting the store's answer; more are refused with rate_limited at once. */
  maxFramesInFlight: number;
}

type Queued = { message: MessageHeader; frame: MessageFrame } | { message?: undefined; frame: string };

export class MemberSocket implements HubConnection, HeartbeatPeer {
  readonly memberId: string;
  /** Set by the gateway's heartbeat; cleared by the pong that echoes the last ping. */
  missedPong = false;
  /** The last ping's payload, which the peer's pong must echo (RFC 6455, 5.5.3): unguessable without reading the ping. */
  private pingPayload = '';
  /** Highest seq this socket has been sent (as `message` or `ack`). */
  private cursor = 0;
  /** Frames that arrived from the hub before the welcome and replay went out. */
  private startupQueue: Queued[] | undefined = [];
  private readonly started: Promise<void>;
  /**
   * Ids this socket sent whose `ack` has not gone out yet, each with how many of its sends hold it
   * there: sends still in flight, plus one once stored and not yet delivered here. The hub's copy of
   * such a message becomes the ack. Counted because a resend may be stored after its original failed.
   */
  private readonly awaitingAck = new CountMap<string>();
  /**
   * The id being appended right now: a store that answers at once (memory) delivers the message
   * before send() returns, and its copy for this socket becomes the ack without entering
   * awaitingAck (a map that goes from empty to one entry and back on every send reallocates its
   * table each time).
   */
  private appendingId: string | undefined;
  /** Frames waiting on the store (sends, typing, refused frames' charge): with Redis, a round trip each. */
  private framesInFlight = 0;
  /** Rate-limit refusals in a row; RATE_LIMIT_STRIKES of them close the socket. */
  private strikes = 0;
  /** Frames received before `ready`, which wait for start() (at most MAX_EARLY_FRAMES). */
  private earlyFrames = 0;
  /** True once the welcome and replay went out: frames are then handled without waiting for `started`. */
  private ready = false;
  private roomEnded = false;
  /** Set once start() asks the store to count this connection: only then does its close change presence. */
  private registered = false;
  private readonly roomId: string;
  /** The connection under `ws`, which frames from textFrame() go to whole (see text-frame.ts); unset if an extension was negotiated. */
  private readonly socket: Writable | undefined;
  /** Rate-limiter key of this member's typing budget in this room (sends are budgeted by the store). */
  private readonly typingBudget: string;

  constructor(
    private readonly ws: WebSocket,
    readonly connectionId: string,
    private readonly member: Member,
    private readonly after: number,
    /** The client's key for per-client limits (clientKeyOf: its IPv4 address or IPv6 /64). */
    private readonly clientKey: string,
    /** One object shared by every socket: hot-path loads from it then see one shape (a copy per socket gave each its own). */
    private readonly deps: MemberSocketDeps,
    /** This connection's logger (its connectionId and memberId bound). */
    private readonly logger: Logger,
  ) {
    this.memberId = member.memberId;
    // A whole frame written past ws is only right while ws transforms and queues nothing: no extension (compression).
    this.socket = ws.extensions === '' ? (ws as unknown as { _socket: Writable })._socket : undefined;
    this.roomId = member.room.roomId;
    this.typingBudget = `${this.roomId}:${this.memberId}:typing`;
    ws.on('message', (data, isBinary) => this.onFrame(data as Buffer, isBinary));
    ws.on('pong', (data) => {
      // Only the answer to our ping counts: a peer that does not read could otherwise send pongs
      // unasked and hold its unread frames (up to SEND_BUFFER_LIMIT_BYTES) for as long as it likes.
      if (data.toString('latin1') === this.pingPayload) this.missedPong = false;
    });
    ws.on('close', () => void this.onClose());
    ws.on('error', (error) => logger.debug({ err: error }, 'socket error'));
    this.started = this.start();
    this.started.catch((error: unknown) => this.failStart(error));
  }

  // ------------------------------------------------------------ HubConnection

  deliverMessage(message: MessageHeader, frame: MessageFrame): void {
    if (this.startupQueue) {
      this.startupQueue.push({ message, frame });
      return;
    }
    if (message.seq <= this.cursor) return;
    this.cursor = message.seq;
    if (message.from === this.memberId && (message.id === this.appendingId || this.awaitingAck.delete(message.id))) {
      this.send(ackFrame(message.id, message.seq));
    } else {
      this.send(frame);
    }
  }

  sendFrame(frame: string): void {
    if (this.startupQueue) this.startupQueue.push({ frame });
    else this.send(frame);
  }

  endRoom(reason: EndReason, frame: string): void {
    this.roomEnded = true;
    this.startupQueue = undefined;
    this.send(frame);
    this.ws.close(CLOSE_CODES.roomEnded, `room ${reason}`);
  }

  // ------------------------------------------------------------- lifecycle

  /** Closes the socket with `code`; used by the gateway for shutdown. */
  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  /** Drops a dead peer without a closing handshake. */
  terminate(): void {
    this.ws.terminate();
  }

  ping(): void {
    this.missedPong = true;
    this.pingPayload = String(randomInt(PING_PAYLOAD_RANGE));
    this.ws.ping(this.pingPayload);
  }

  private async start(): Promise<void> {
    // A connection replays history and tells the room: a member reconnecting in a loop pays for it as for reads.
    const retryAfterMs = await spendBudget(this.deps.rateLimiter, readBudgetKey(this.roomId, this.memberId));
    if (retryAfterMs !== undefined) {
      this.deps.metrics.rateLimited('message');
      this.turnAway('rate_limited', 'Too many connections in a short time; wait a moment before reconnecting.', 'reconnecting too fast', retryAfterMs);
      return;
    }
    // Joining ends with the replay, a history read, which the client address's budget of bytes read pays for.
    const read = await this.deps.clientReads.read(this.clientKey, () => this.join(), (joined) => joined?.page.frames ?? []);
    if ('retryAfterMs' in read) {
      this.turnAway('rate_limited', 'Too much history read from your address in a short time; wait a moment before reconnecting.', 'client read budget spent', read.retryAfterMs);
    } else if (read.result) {
      this.welcome(read.result.members, read.result.page);
    }
  }

  /** Joins the room and reads the history to replay; undefined if the socket closed, or was turned away or ended, meanwhile. */
  private async join(): Promise<{ members: MemberPresence[]; page: HistoryPage } | undefined> {
    const { hub, store, historyLimit } = this.deps;
    // Closed during the round trips so far: onClose has run, so attaching now would leave a socket nothing detaches.
    if (this.ws.readyState !== this.ws.OPEN) return undefined;
    await hub.attach(this.roomId, this.member.room.expiresAt, this);
    if (hub.earlierConnectionsOfMember(this.roomId, this) >= this.deps.maxSocketsPerMember) {
      this.turnAway('too_many_connections', `At most ${this.deps.maxSocketsPerMember} open connections per member; close another tab first.`, 'too many connections');
      return undefined;
    }
    // Set before the call: one that failed may still have counted the connection (here or in Redis).
    this.registered = true;
    const members = await store.setConnection(this.roomId, this.memberId, this.connectionId, true);
    if (members.length === 0) {
      // The room ended between admission and subscription, so its `destroyed` event went by unseen.
      const reason = this.deps.clockNow() >= this.member.room.expiresAt ? 'expired' : 'destroyed';
      hub.detach(this.roomId, this);
      this.endRoom(reason, destroyedFrame(reason));
      return undefined;
    }
    // Only a member's first socket here can turn it online: extra tabs would otherwise send N² presence frames.
    if (hub.isFirstConnectionOfMember(this.roomId, this)) await hub.publishPresence(this.roomId, members);
    // History is read after attaching, so replay and live overlap (deduplicated by seq) and never leave a gap.
    return { members, page: await store.readMessages(this.roomId, this.after, historyLimit) };
  }

  /** Sends the welcome and the replay (once the read is paid for), then what arrived meanwhile; frames are handled from then on. */
  private welcome(members: MemberPresence[], page: HistoryPage): void {
    const { room } = this.member;
    const resumed = page.oldestSeq === 0 || this.after >= page.oldestSeq - 1;
    this.send(
      JSON.stringify({
        type: 'welcome',
        memberId: this.memberId,
        roomId: this.roomId,
        expiresAt: room.expiresAt,
        capacity: room.capacity,
        members,
        serverTime: this.deps.clockNow(),
        resumed,
        oldestSeq: page.oldestSeq,
        lastSeq: page.lastSeq,
      } satisfies ServerFrame),
    );
    // History is contiguous in seq, so the replay ends at its first seq plus its length.
    const firstSeq = Math.max(this.after + 1, page.oldestSeq);
    this.cursor = page.frames.length > 0 ? firstSeq + page.frames.length - 1 : Math.min(this.after, page.lastSeq);
    for (const frame of page.frames) this.send(frame);
    const queued = this.startupQueue ?? [];
    this.startupQueue = undefined;
    this.ready = true;
    for (const item of queued) {
      if (item.message) this.deliverMessage(item.message, item.frame);
      else this.send(item.frame);
    }
  }

  private failStart(error: unknown): void {
    if (this.roomEnded || this.ws.readyState !== this.ws.OPEN) return;
    this.logger.warn({ err: error }, 'socket start failed');
    this.send(errorFrame('unavailable', 'The room could not be opened right now; reconnect to try again.'));
    this.ws.close(CLOSE_CODES.tryAgainLater, 'unavailable');
  }

  private async onClose(): Promise<void> {
    this.startupQueue = undefined;
    this.deps.metrics.connectionClosed();
    this.deps.hub.detach(this.roomId, this);
    // A socket closed during start() must not mark itself closed before start() marks it open.
    await this.started.catch(() => undefined);
    // start() may have attached it after the detach above; detaching twice is harmless.
    this.deps.hub.detach(this.roomId, this);
    if (this.roomEnded || !this.registered) return;
    try {
      const members = await this.deps.store.setConnection(this.roomId, this.memberId, this.connectionId, false);
      // Tell the others only when this close actually took the member offline.
      const wentOffline = members.some((member) => member.memberId === this.memberId && !member.online);
      if (wentOffline) await this.deps.hub.publishPresence(this.roomId, members);
    } catch (error) {
      this.logger.debug({ err: error }, 'presence update on close failed');
    }
  }

  // ------------------------------------------------------------- inbound frames

  private onFrame(data: Buffer, isBinary: boolean): void {
    // Once the server has begun the close (strikes, a slow consumer, the room's end), ws still hands over what
    // arrives until the peer answers it or 30 s pass: a peer that never answers must not go on being served.
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (isBinary) {
      this.ws.close(CLOSE_CODES.unsupportedData, 'binary frames are not supported');
      return;
    }
    // Nothing but the welcome may be the first frame a client sees; once started, no promise per frame.
    if (this.ready) this.handleFrame(data);
    else if (++this.earlyFrames > MAX_EARLY_FRAMES) this.refuseEarlyFlood();
    // A socket that start() turned away (too many connections, room gone), or that closed meanwhile, drops its early frames.
    else this.started.then(() => this.ready && this.ws.readyState === this.ws.OPEN && this.handleFrame(data), () => undefined);
  }

  /** Early frames wait in memory for as long as start() takes (a slow Redis: seconds); a client that floods them is cut off. */
  private refuseEarlyFlood(): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.turnAway('rate_limited', `At most ${MAX_EARLY_FRAMES} frames before the welcome; wait for it.`, 'too many frames before welcome');
  }

  /**
   * Refuses the socket before its welcome: says why in an `error` frame (with when to try again, for a
   * spent budget), drops what waited for the welcome, closes with 1008.
   */
  private turnAway(code: ErrorCode, message: string, reason: string, retryAfterMs?: number): void {
    this.send(errorFrame(code, message, undefined, retryAfterMs));
    this.startupQueue = undefined;
    this.ws.close(CLOSE_CODES.policyViolation, reason);
  }

  private handleFrame(data: Buffer): void {
    const parsed = parseClientFrame(data.toString('utf8'));
    // Budgets are checked by the store (with Redis, a round trip away): until its answers come back, a burst of
    // any kind of frame would reach it whole. Not a strike: a client resending a long outbox meets this too.
    if (this.framesInFlight >= this.deps.maxFramesInFlight) {
      const id = parsed.ok ? (parsed.frame.type === 'send' ? parsed.frame.id : undefined) : parsed.id;
      this.send(errorFrame('rate_limited', `At most ${this.deps.maxFramesInFlight} frames may await the server's answer; wait for it.`, id));
      return;
    }
    if (!parsed.ok) void this.whileInFlight(this.refuseFrame(parsed.code, parsed.message, parsed.id));
    else if (parsed.frame.type === 'typing') void this.whileInFlight(this.handleTyping());
    else this.handleSend(parsed.frame.id, parsed.frame.body);
  }

  /** Counts a frame's store work as in flight until it settles (it never rejects: the handlers answer their own errors). */
  private async whileInFlight(work: Promise<void>): Promise<void> {
    this.framesInFlight++;
    try {
      await work;
    } finally {
      this.framesInFlight--;
    }
  }

  /** A frame that is not a valid send or typing: refused frames cost like sends, so a flood of garbage is rate-limited and closed like any other. */
  private async refuseFrame(code: ErrorCode, message: string, id: string | undefined): Promise<void> {
    try {
      await this.deps.service.chargeRefusedFrame(this.member);
      this.send(errorFrame(code, message, id));
    } catch (error) {
      this.refuse(error, id);
    }
  }

  private async handleTyping(): Promise<void> {
    // Typing has its own bucket, so a chatty keyboard never eats into the message budget.
    if (await this.withinTypingBudget()) {
      await this.deps.service.typing(this.member).catch((error: unknown) => this.refuse(error));
    }
  }

  /** Stores a send; in memory mode all of it, delivery and ack included, happens before this returns. */
  private handleSend(id: string, body: string): void {
    let outcome: SendResult | Promise<SendResult>;
    this.appendingId = id;
    try {
      outcome = this.deps.service.send(this.member, id, body);
    } catch (error) {
      this.refuse(error, id);
      return;
    } finally {
      this.appendingId = undefined;
    }
    if (outcome instanceof Promise) {
      this.awaitingAck.increment(id);
      this.framesInFlight++;
      outcome
        .then(
          (result) => {
            this.framesInFlight--;
            this.sendStored(id, result, true);
          },
          (error: unknown) => {
            this.framesInFlight--;
            this.awaitingAck.decrement(id);
            this.refuse(error, id);
          },
        )
        .catch((error: unknown) => this.logger.error({ err: error }, 'answering a send failed'));
    } else {
      this.sendStored(id, outcome, false);
    }
  }

  /**
   * Answers a stored send; never throws (it runs outside any handler that could catch).
   * `held`: the send was in flight and holds an awaitingAck entry.
   */
  private sendStored(id: string, result: SendResult, held: boolean): void {
    try {
      this.strikes = 0;
      if (result.seq > this.cursor) {
        // Not delivered here yet (the bus may be late or lose it): its arrival becomes the ack (a duplicate's
        // too, answered now as well), and the hub makes sure it arrives. An in-flight send's hold stays for it.
        if (!held) this.awaitingAck.increment(id);
        this.deps.hub.noteAppended(this.roomId, result.seq);
        if (result.duplicate) this.send(ackFrame(id, result.seq));
      } else if (result.duplicate) {
        // The original was delivered here before: its ack is this one.
        if (held) this.awaitingAck.decrement(id);
        this.send(ackFrame(id, result.seq));
      }
      // Stored and already delivered here: that delivery was the ack and cleared the entry.
    } catch (error) {
      this.refuse(error, id);
    }
  }

  /** Consumes one point of this member's typing budget; on refusal tells the client when it renews and counts a strike. */
  private async withinTypingBudget(): Promise<boolean> {
    let retryAfterMs: number | undefined;
    try {
      // An accepted typing frame does not clear the strikes: only an accepted send does (typing has a budget of its own).
      retryAfterMs = await spendBudget(this.deps.rateLimiter, this.typingBudget);
    } catch (error) {
      this.logger.warn({ err: error }, 'rate limiter unavailable');
      this.refuse(error);
      return false;
    }
    if (retryAfterMs === undefined) return true;
    this.deps.metrics.rateLimited('message');
    this.refuse(rateLimited(retryAfterMs));
    return false;
  }

  /** Tells the client why a frame was refused (naming the send's `id`); rate-limit refusals count strikes. */
  private refuse(error: unknown, id?: string): void {
    if (!(error instanceof HushError)) {
      this.logger.error({ err: error }, 'frame failed');
      this.send(errorFrame('internal_error', 'The server failed to handle this frame.', id));
      return;
    }
    this.send(errorFrame(error.code, error.message, id, error.retryAfterMs));
    if (error.code === 'rate_limited' && ++this.strikes >= this.deps.rateLimitStrikes) {
      this.ws.close(CLOSE_CODES.policyViolation, 'rate limit exceeded');
    }
  }

  // ------------------------------------------------------------- outbound

  private send(text: string | Buffer): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > this.deps.sendBufferLimitBytes) {
      // A peer that does not read would otherwise grow this process's memory without bound.
      this.logger.info({ bufferedAmount: this.ws.bufferedAmount }, 'dropping slow consumer');
      this.ws.terminate();
      return;
    }
    // Every server frame is JSON text, whether held as a string or as the bytes Redis sent.
    if (this.socket) this.socket.write(textFrame(text));
    else this.ws.send(text, TEXT_FRAME);
  }
}

/** Frames a socket may send before its welcome (the web client sends none; a resending client a few). */
const MAX_EARLY_FRAMES = 32;

/** Ping payloads are random integers below this (the largest range randomInt takes): 48 bits, at most 15 digits. */
const PING_PAYLOAD_RANGE = 2 ** 48 - 1;

/** ws would send a Buffer (a frame as Redis sent it) as a binary frame; every server frame is JSON text. */
const TEXT_FRAME = { binary: false } as const;
