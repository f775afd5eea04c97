/**
 * A room's retained messages in the memory store, oldest first, kept off the
 * JavaScript heap: each message's `message` frame as UTF-8 in one byte ring
 * per room, and its sender, time, id key and place in typed arrays.
 *
 * Why bytes: every retained string outlives one or two young-generation
 * collections, so the collector copied each message's frame and id (and
 * promoted them) while a busy room kept hundreds; bytes in a Buffer are not
 * traced at all. The frame strings a send creates now die young, which costs
 * the collector nothing. Replay decodes the frames it reads (rare next to sends).
 *
 * Slots grow by doubling. The bytes grow when neither the space after the
 * newest message nor the space before the oldest holds the next one: to half as
 * much again as what is kept plus the new message, copied to the start. The
 * store evicts before it pushes, so a room's buffer stays within about 1.5×
 * its HISTORY_MAX_BYTES plus a message.
 */
import { inspect } from 'node:util';
import { MESSAGE_ID_MAX_CHARS } from '../../../shared/protocol.js';

export class MessageRing {
  private bytes: Buffer = EMPTY;
  /** Where the next message's bytes go (the end of the newest message's). */
  private writeAt = 0;
  private starts: Int32Array;
  private frameLengths: Int32Array;
  private idKeys: Int32Array;
  private sentAts: Float64Array;
  /** Member ids are long-lived strings shared with the room's seats: holding them costs no copying. */
  private senders: Array<string | undefined>;
  /** Slot of the oldest message. */
  private head = 0;
  private count = 0;
  private frameBytes = 0;

  constructor(initialSlots = 16) {
    const slots = Math.max(1, Math.floor(initialSlots));
    this.starts = new Int32Array(slots);
    this.frameLengths = new Int32Array(slots);
    this.idKeys = new Int32Array(slots);
    this.sentAts = new Float64Array(slots);
    this.senders = new Array<string | undefined>(slots).fill(undefined);
  }

  get length(): number {
    return this.count;
  }

  /** UTF-8 bytes of the retained frames: what HISTORY_MAX_BYTES bounds. */
  get byteLength(): number {
    return this.frameBytes;
  }

  /**
   * Keeps a message: its frame and the frame's UTF-8 length (Buffer.byteLength, which the caller needed
   * first for its byte limit); `idKey` is the caller's hash of its id (SentIds), kept so that eviction
   * need not decode the frame.
   */
  push(frame: string, frameLength: number, from: string, idKey: number, sentAt: number): void {
    if (this.count === this.senders.length) this.growSlots();
    const start = this.placeFor(frameLength);
    // byteLength and write agree for every string the frame serialisers make (lone surrogates travel escaped); a
    // disagreement would leave bytes of an older message in this one.
    if (this.bytes.write(frame, start, frameLength, 'utf8') !== frameLength) throw new Error('frame length changed while stored');
    const slot = (this.head + this.count) % this.senders.length;
    this.starts[slot] = start;
    this.frameLengths[slot] = frameLength;
    this.idKeys[slot] = idKey;
    this.sentAts[slot] = sentAt;
    this.senders[slot] = from;
    this.writeAt = start + frameLength;
    this.frameBytes += frameLength;
    this.count++;
  }

  /** Bytes allocated off the heap for the frames (kept ones, gaps and free space). */
  get allocatedBytes(): number {
    return this.bytes.length;
  }

  /** The oldest message's sender and id key (the ring must not be empty): what its eviction must undo. */
  get oldestSender(): string {
    return this.senders[this.head]!;
  }

  get oldestIdKey(): number {
    return this.idKeys[this.head]!;
  }

  /** Forgets the oldest message. */
  dropOldest(): void {
    this.frameBytes -= this.frameLengths[this.head]!;
    this.senders[this.head] = undefined;
    this.head = (this.head + 1) % this.senders.length;
    this.count--;
    if (this.count === 0) this.writeAt = 0;
  }

  /** The UTF-8 length of the frame of the message `index` places after the oldest. */
  frameLengthOf(index: number): number {
    return this.frameLengths[this.slotOf(index)]!;
  }

  /** The time of the message `index` places after the oldest. */
  sentAtOf(index: number): number {
    return this.sentAts[this.slotOf(index)]!;
  }

  /** The id of the message `index` places after the oldest, read from the start of its frame (for the rare id-key match). */
  idOf(index: number): string {
    const slot = this.slotOf(index);
    const start = this.starts[slot]!;
    const head = this.bytes.toString('utf8', start, start + Math.min(this.frameLengths[slot]!, FRAME_HEAD_BYTES));
    const id = FRAME_ID.exec(head)?.[1];
    if (id === undefined) throw new Error('stored frame without an id');
    return JSON.parse(id) as string;
  }

  /** Zeroes the bytes (the room has ended: nothing of it should outlive it in this process's memory) and forgets everything. */
  wipe(): void {
    this.bytes.fill(0);
    this.bytes = EMPTY;
    this.senders.fill(undefined);
    this.head = this.count = this.frameBytes = this.writeAt = 0;
  }

  /** The frames from `start` (places after the oldest) up to, not including, `end`, as new strings. */
  slice(start: number, end: number): string[] {
    const frames: string[] = [];
    for (let i = Math.max(0, start); i < Math.min(end, this.count); i++) {
      frames.push(this.frameAt(this.slotOf(i)));
    }
    return frames;
  }

  private frameAt(slot: number): string {
    const start = this.starts[slot]!;
    return this.bytes.toString('utf8', start, start + this.frameLengths[slot]!);
  }

  /** util.inspect shows the bytes as text, unused parts included: what a dump of the process would find. */
  [inspect.custom](): object {
    return { length: this.count, frameBytes: this.frameBytes, bytes: this.bytes.toString('utf8') };
  }

  private slotOf(index: number): number {
    return (this.head + index) % this.senders.length;
  }

  /**
   * Where `size` bytes can go: after the newest message, or at the start of the bytes when the
   * oldest message begins far enough in (the ring wraps; the tail past the newest is left unused).
   */
  private placeFor(size: number): number {
    if (this.count === 0) {
      if (size > this.bytes.length) this.growBytes(size);
      return 0;
    }
    const oldestStart = this.starts[this.head]!;
    if (this.writeAt > oldestStart) {
      // Not wrapped: the kept bytes run from oldestStart to writeAt.
      if (this.bytes.length - this.writeAt >= size) return this.writeAt;
      if (oldestStart >= size) return 0;
    } else if (oldestStart - this.writeAt >= size) {
      // Wrapped: the gap between the newest and the oldest is free.
      return this.writeAt;
    }
    this.growBytes(size);
    return this.writeAt;
  }

  /** Copies the kept messages, oldest first, to the start of a larger buffer with room for `size` more bytes. */
  private growBytes(size: number): void {
    let kept = 0;
    for (let i = 0; i < this.count; i++) {
      const slot = this.slotOf(i);
      kept += this.frameLengths[slot]!;
    }
    const next = Buffer.allocUnsafeSlow(Math.max(INITIAL_BYTES, Math.ceil((kept + size) * 1.5)));
    let at = 0;
    for (let i = 0; i < this.count; i++) {
      const slot = this.slotOf(i);
      const start = this.starts[slot]!;
      const length = this.frameLengths[slot]!;
      this.bytes.copy(next, at, start, start + length);
      this.starts[slot] = at;
      at += length;
    }
    this.bytes.fill(0);
    this.bytes = next;
    this.writeAt = at;
  }

  private growSlots(): void {
    const capacity = this.senders.length * 2;
    const order = Array.from({ length: this.count }, (_, i) => this.slotOf(i));
    const reorder = <T extends Int32Array | Float64Array>(items: T, next: T): T => {
      order.forEach((slot, i) => (next[i] = items[slot]!));
      return next;
    };
    this.starts = reorder(this.starts, new Int32Array(capacity));
    this.frameLengths = reorder(this.frameLengths, new Int32Array(capacity));
    this.idKeys = reorder(this.idKeys, new Int32Array(capacity));
    this.sentAts = reorder(this.sentAts, new Float64Array(capacity));
    const senders = new Array<string | undefined>(capacity).fill(undefined);
    order.forEach((slot, i) => (senders[i] = this.senders[slot]));
    this.senders = senders;
    this.head = 0;
  }
}

/** A room that never speaks holds no buffer; the first message allocates this much (or what it needs). */
const INITIAL_BYTES = 4096;
/**
 * A `message` frame begins `{"type":"message","seq":<seq>,"id":<id>` (messageFrameFromTail); an id is at
 * most MESSAGE_ID_MAX_CHARS characters of up to six bytes each when escaped, so this many bytes hold it.
 */
const FRAME_HEAD_BYTES = 64 + 6 * MESSAGE_ID_MAX_CHARS;
const FRAME_ID = /^\{"type":"message","seq":\d+,"id":("(?:[^"\\]|\\.)*")/;
const EMPTY = Buffer.alloc(0);
