/**
 * One room's live link to the server: a reconnecting WebSocket (partysocket)
 * that resumes from the last contiguous seq, a queue that decrypts frames in
 * arrival order, and the outbox of sealed messages awaiting their `ack`.
 * It knows nothing of React: it reports everything as RoomActions.
 *
 * Exactly-once across drops: every reconnect asks for `after=<contiguous seq>`
 * (replayed duplicates are dropped by seq), and every unacknowledged message is
 * sent again with its original id, which the server acknowledges without
 * storing it twice.
 */
import ReconnectingWebSocket from 'partysocket/ws';
import { CLOSE_CODES, FINAL_CLOSE_CODES } from '../../shared/errors.js';
import { serverFrameSchema, type ClientFrame, type ServerFrame } from '../../shared/protocol.js';
import { openEnvelope, sealEnvelope, ENVELOPE_VERSION, type Envelope } from '../crypto/envelope.js';
import type { RoomAction, RoomEnd } from './room-state.js';
import { SeqTracker } from './seq-tracker.js';

/** Backoff: 0.5 s, 1 s, 2 s … capped at 10 s, each plus up to 50 % random jitter. */
const RECONNECT = { minDelayMs: 500, maxDelayMs: 10_000, growFactor: 2, jitter: 0.5 } as const;
/** A message without an ack after this long is shown as failed (it can be retried). */
const ACK_TIMEOUT_MS = 10_000;
/**
 * At most this many sends await their ack at once; the rest go out as acks come back. A long outbox after a
 * reconnect must not arrive as one burst: past the send budget, each refusal is a strike, and enough of them in a
 * row close the socket (RATE_LIMIT_STRIKES, 10 by default: more than this window).
 */
const SEND_WINDOW = 8;
/** At most one `typing` frame per this interval: they count against the rate limit. */
const TYPING_INTERVAL_MS = 3_000;
/** How long "typing…" shows after a `typing` frame. */
const TYPING_SHOWN_MS = 4_000;

export interface RoomConnectionOptions {
  roomId: string;
  key: CryptoKey;
  /**
   * Our memberId when already known (the join answer); '' when not (a reload
   * enters with a GET, which does not say it). The `welcome` frame always
   * tells. Messages are sealed with it in their AAD, so they wait until it is known.
   */
  memberId: string;
  dispatch(action: RoomAction): void;
  /** The current display name, read at send time. */
  displayName(): string;
  /** Whether this browser still has to introduce itself to the room with a `hello`. */
  needsHello(): boolean;
  onGreeted(): void;
}

interface OutgoingMessage {
  envelope: Envelope;
  /** The sealed body, once our memberId is known; the same bytes on every re-send. */
  body: string | null;
  /** The memberId `body` was sealed for (the sender in its AAD). */
  sealedFor: string | null;
  /** Set while on the wire awaiting its ack. */
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Shown as not sent: it waits for Retry (or the next connection), not for its turn. */
  failed: boolean;
}

function closeEnd(code: number): RoomEnd {
  if (code === CLOSE_CODES.roomEnded) return 'destroyed';
  if (code === CLOSE_CODES.roomNotFound) return 'room_not_found';
  if (code === CLOSE_CODES.notAMember) return 'not_a_member';
  return 'failure';
}

function newMessageId(): string {
  return crypto.randomUUID();
}

/**
 * A `hello`'s id says what it is, so that a page that cannot open it (another key) shows it as a
 * member joining with another key rather than as a message. The server learns nothing new: a hello is
 * always a member's first send after taking a seat.
 */
export const HELLO_ID_PREFIX = 'hello-';

export class RoomConnection {
  private readonly socket: ReconnectingWebSocket;
  private readonly seqs = new SeqTracker();
  private readonly outbox = new Map<string, OutgoingMessage>();
  private frames: Promise<void> = Promise.resolve();
  /** Our memberId as last known (join answer or any welcome); kept across drops, used to seal. */
  private selfId: string | null;
  /** A `welcome` arrived on the current socket (so `selfId` is current); false while (re)connecting: the "may send" gate. */
  private welcomed = false;
  private lastTypingSent = 0;
  private ended = false;
  /** The send budget refused a send: nothing goes out before this time (the server said when it renews). */
  private holdUntil = 0;
  private holdTimer: ReturnType<typeof setTimeout> | undefined;
  /** After a hold, one send goes first; its ack opens the window again. */
  private probing = false;
  /**
   * A refusal not tied to a send (a connection turned away for reconnecting too fast, a `typing` frame over its
   * budget) said when the member's budget renews: no reconnect and no `typing` frame before then, as each would
   * only be refused again and count as a strike.
   */
  private quietUntil = 0;
  /** The OS says the network is back: try now rather than at the end of the current backoff. */
  private readonly onOnline = () => {
    if (this.socket.readyState !== WebSocket.OPEN) this.socket.reconnect();
  };
  /**
   * The OS says the network is gone. A socket can look open for minutes after that (TCP learns late), with
   * the header saying "connected" while nothing goes through: drop it, so the page says it is reconnecting
   * and retries with backoff until `online`.
   */
  private readonly onOffline = () => {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.reconnect();
  };

  constructor(private readonly options: RoomConnectionOptions) {
    this.selfId = options.memberId || null;
    this.socket = new ReconnectingWebSocket(() => this.nextUrl(), undefined, {
      minReconnectionDelay: RECONNECT.minDelayMs,
      maxReconnectionDelay: RECONNECT.maxDelayMs,
      reconnectionDelayGrowFactor: RECONNECT.growFactor,
      // The outbox re-sends after each welcome; frames queued inside the socket would go out twice.
      maxEnqueuedMessages: 0,
      shouldReconnectOnClose: (event) => !FINAL_CLOSE_CODES.has(event.code),
    });
    this.socket.addEventListener('message', (event) => {
      const frame = readServerFrame(event.data);
      if (!frame) return;
      // Decryption is async; chaining keeps frames in the order the server sent them.
      this.frames = this.frames.then(() => this.handleFrame(frame)).catch((error: unknown) => console.error('frame failed', error));
    });
    this.socket.addEventListener('close', (event) => this.handleClose(event.code));
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
  }

  /** Encrypts and sends a chat line; it shows at once as pending. */
  async send(text: string): Promise<void> {
    const id = newMessageId();
    const name = this.options.displayName();
    // Receivers stop showing "typing…" when a message arrives; the next keystroke should say so again.
    this.lastTypingSent = 0;
    this.options.dispatch({ type: 'outgoing', id, from: this.selfId ?? '', name, text, time: Date.now() });
    await this.enqueue(id, { v: ENVELOPE_VERSION, name, text, kind: 'text', ts: Date.now() });
  }

  /** Sends a failed message again under its original id. */
  retry(id: string): void {
    const message = this.outbox.get(id);
    if (!message) return;
    message.failed = false;
    this.options.dispatch({ type: 'retrying', ids: [id] });
    this.transmit(id);
  }

  /** Tells the room this member is typing, at most once per TYPING_INTERVAL_MS. */
  typing(): void {
    const now = Date.now();
    if (now - this.lastTypingSent < TYPING_INTERVAL_MS || now < this.quietUntil || this.socket.readyState !== WebSocket.OPEN) return;
    this.lastTypingSent = now;
    this.write({ type: 'typing' });
  }

  close(): void {
    this.ended = true;
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    for (const message of this.outbox.values()) clearTimeout(message.timer);
    clearTimeout(this.holdTimer);
    this.socket.close();
  }

  private nextUrl(): Promise<string> {
    const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
    const url = () => `${scheme}://${window.location.host}/ws?roomId=${encodeURIComponent(this.options.roomId)}&after=${this.seqs.contiguous}`;
    const retries = this.socket?.retryCount ?? 0;
    // partysocket's backoff is exponential but not random; spread reconnecting clients out.
    const base = Math.min(RECONNECT.minDelayMs * RECONNECT.growFactor ** (retries - 1), RECONNECT.maxDelayMs);
    const jitter = retries <= 0 ? 0 : Math.random() * base * RECONNECT.jitter;
    // A server that turned the last connection away said when it takes one again: not before then.
    const wait = Math.max(jitter, this.quietUntil - Date.now());
    if (wait <= 0) return Promise.resolve(url());
    // The URL is built after the wait, so `after` is as fresh as possible.
    return new Promise((resolve) => setTimeout(() => resolve(url()), wait));
  }

  private async enqueue(id: string, envelope: Envelope): Promise<void> {
    // Into the outbox first (keeps writing order); sealed as soon as our memberId is known.
    this.outbox.set(id, { envelope, body: null, sealedFor: null, timer: undefined, failed: false });
    await this.seal(id);
    this.transmit(id);
  }

  /** Seals an outbox message for our current memberId (the sender bound into its AAD), once. */
  private async seal(id: string): Promise<void> {
    const sender = this.selfId;
    const message = this.outbox.get(id);
    if (!sender || !message || message.sealedFor === sender) return;
    const body = await sealEnvelope(this.options.key, { roomId: this.options.roomId, messageId: id, senderMemberId: sender }, message.envelope);
    // Someone else (a welcome) may have sealed it meanwhile: keep the body that may already be on the wire.
    if (message.sealedFor === sender || this.selfId !== sender) return;
    message.body = body;
    message.sealedFor = sender;
  }

  private transmit(id: string): void {
    const message = this.outbox.get(id);
    if (!message) return;
    clearTimeout(message.timer);
    // Not connected, or not sealed for who we are: it stays pending and goes out after the next welcome.
    if (this.socket.readyState !== WebSocket.OPEN || !this.welcomed) return;
    if (message.body === null || message.sealedFor !== this.selfId) return;
    // Held by the budget, or the window is full: it stays pending and goes out in its turn (sendWaiting).
    if (!this.maySendMore()) return;
    this.write({ type: 'send', id, body: message.body });
    message.timer = setTimeout(() => {
      message.timer = undefined;
      message.failed = true;
      this.options.dispatch({ type: 'send-failed', ids: [id] });
      this.sendWaiting();
      // An open socket that answers nothing for this long is probably a dead one: a new connection resends
      // the outbox (the server stores each id once) and says so in the header meanwhile.
      if (this.socket.readyState === WebSocket.OPEN) this.socket.reconnect();
    }, ACK_TIMEOUT_MS);
  }

  /** Not held by the send budget, and fewer sends awaiting their ack than the window (one while probing after a hold). */
  private maySendMore(): boolean {
    if (Date.now() < this.holdUntil) return false;
    let inFlight = 0;
    for (const message of this.outbox.values()) if (message.timer !== undefined) inFlight++;
    return inFlight < (this.probing ? 1 : SEND_WINDOW);
  }

  /** Sends, in the order they were written, the outbox messages waiting for their turn, as far as the window allows. */
  private sendWaiting(): void {
    for (const [id, message] of this.outbox) {
      if (!this.maySendMore()) return;
      if (message.timer === undefined && !message.failed) this.transmit(id);
    }
  }

  /** The send budget refused `message`: it waits, as do the rest, until the budget renews; then one goes first. */
  private holdFor(message: OutgoingMessage, retryAfterMs: number): void {
    clearTimeout(message.timer);
    message.timer = undefined;
    this.probing = true;
    const until = Date.now() + retryAfterMs;
    if (until <= this.holdUntil) return;
    this.holdUntil = until;
    clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(() => this.sendWaiting(), retryAfterMs + 1);
  }

  private write(frame: ClientFrame): void {
    this.socket.send(JSON.stringify(frame));
  }

  private settle(id: string): OutgoingMessage | undefined {
    const message = this.outbox.get(id);
    if (!message) return undefined;
    clearTimeout(message.timer);
    this.outbox.delete(id);
    if (message.envelope.kind === 'hello') this.options.onGreeted();
    this.probing = false;
    this.sendWaiting();
    return message;
  }

  private async handleFrame(frame: ServerFrame): Promise<void> {
    if (this.ended) return;
    const { dispatch } = this.options;
    switch (frame.type) {
      case 'welcome': {
        this.selfId = frame.memberId;
        this.welcomed = true;
        // History older than the cap is gone: resume from what the server still has.
        if (!frame.resumed) this.seqs.skipTo(frame.oldestSeq - 1);
        dispatch({
          type: 'welcome',
          memberId: frame.memberId,
          expiresAt: frame.expiresAt,
          capacity: frame.capacity,
          members: frame.members,
          clockOffset: frame.serverTime - Date.now(),
          resumed: frame.resumed,
        });
        // Messages written before our memberId was known are sealed now, then everything goes out, a window at a time.
        for (const id of [...this.outbox.keys()]) await this.seal(id);
        for (const message of this.outbox.values()) {
          clearTimeout(message.timer);
          message.timer = undefined;
          message.failed = false;
        }
        this.sendWaiting();
        if (this.options.needsHello() && ![...this.outbox.values()].some((message) => message.envelope.kind === 'hello')) {
          await this.enqueue(HELLO_ID_PREFIX + newMessageId(), { v: ENVELOPE_VERSION, name: this.options.displayName(), text: '', kind: 'hello', ts: Date.now() });
        }
        return;
      }
      case 'message': {
        if (!this.seqs.add(frame.seq)) return; // replayed after a reconnect: already shown
        if (this.welcomed && frame.from === this.selfId) this.settle(frame.id);
        // The relayed `from` is the sender in the AAD: a body relabelled with another sender does not open.
        const envelope = await openEnvelope(this.options.key, { roomId: this.options.roomId, messageId: frame.id, senderMemberId: frame.from }, frame.body);
        dispatch({
          type: 'message',
          seq: frame.seq,
          id: frame.id,
          from: frame.from,
          time: frame.sentAt,
          name: envelope?.name ?? null,
          text: envelope ? envelope.text : null,
          // Unreadable: the id says whether it was a hello (a sender could mislabel a text so, for readers who cannot read it anyway).
          hello: envelope ? envelope.kind === 'hello' : frame.id.startsWith(HELLO_ID_PREFIX),
        });
        return;
      }
      case 'ack': {
        this.seqs.add(frame.seq);
        if (this.settle(frame.id)) dispatch({ type: 'ack', id: frame.id, seq: frame.seq, time: Date.now() });
        return;
      }
      case 'presence':
        dispatch({ type: 'presence', members: frame.members, at: Date.now() });
        return;
      case 'typing':
        dispatch({ type: 'typing', from: frame.from, until: Date.now() + TYPING_SHOWN_MS });
        return;
      case 'destroyed':
        this.finish(frame.reason);
        return;
      case 'error':
        this.handleError(frame);
        return;
    }
  }

  /** An error that answers a `send` names its id (see ServerFrame): only that message failed, or waits. */
  private handleError({ id, code, message, retryAfterMs }: Extract<ServerFrame, { type: 'error' }>): void {
    if (id === undefined && code === 'rate_limited' && retryAfterMs !== undefined) {
      this.quietUntil = Math.max(this.quietUntil, Date.now() + retryAfterMs);
    }
    const entry = id === undefined ? undefined : this.outbox.get(id);
    if (id !== undefined && entry?.timer !== undefined) {
      if (code === 'rate_limited' && retryAfterMs !== undefined) {
        // Refused for now, not for good: it goes again, on its own, once the budget renews.
        this.holdFor(entry, retryAfterMs);
        this.options.dispatch({ type: 'notice', text: 'Sending too fast: the next messages go out in a moment.' });
        return;
      }
      clearTimeout(entry.timer);
      entry.timer = undefined;
      entry.failed = true;
      // An ack that still arrives for it wins and turns it into sent.
      this.options.dispatch({ type: 'send-failed', ids: [id] });
      this.sendWaiting();
    }
    this.options.dispatch({ type: 'notice', text: message });
  }

  private handleClose(code: number): void {
    if (this.ended) return;
    if (FINAL_CLOSE_CODES.has(code)) {
      // After a `destroyed` frame the queue has already finished; otherwise this close is the news.
      this.frames = this.frames.then(() => this.finish(closeEnd(code)));
      return;
    }
    this.welcomed = false;
    this.options.dispatch({ type: 'status', status: 'reconnecting' });
  }

  private finish(end: RoomEnd): void {
    if (this.ended) return;
    this.close();
    this.options.dispatch({ type: 'ended', end });
  }
}

/** A frame as the shared schema allows it, or undefined: a frame that does not fit is ignored, never trusted into the page's state. */
function readServerFrame(data: unknown): ServerFrame | undefined {
  if (typeof data !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    value = undefined;
  }
  const parsed = serverFrameSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  console.warn('ignored a malformed frame from the server');
  return undefined;
}
