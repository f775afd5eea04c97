/**
 * A room's retained messages in the memory store, oldest first, kept off the
 * JavaScript heap: each message's `message` frame as UTF-8 in byte chunks, and
 * its sender, time, id key and place in typed arrays.
 *
 * Why bytes: every retained string outlives one or two young-generation
 * collections, so the collector copied each message's frame and id (and
 * promoted them) while a busy room kept hundreds; bytes in a Buffer are not
 * traced at all. The frame strings a send creates now die young, which costs
 * the collector nothing. Replay decodes the frames it reads (rare next to sends).
 *
 * Why chunks: the bytes used to be one buffer that grew by copying everything
 * kept into a fresh one 1.5 times larger. Fresh memory costs a page fault per
 * 4 KiB at its first touch (about 11 µs each on the benchmark's virtual
 * machine), so a room wrote three times its history into new pages, and rooms
 * that filled at the same pace grew in the same moment: 500 of them stalled the
 * event loop for over 100 ms. Frames now go into chunks that are written once
 * and never copied, each twice the size of the one before up to CHUNK_MAX_BYTES
 * (a frame larger than that gets a chunk of its own size): a room that never
 * speaks holds none, a quiet one a kilobyte. A frame never spans two chunks; a
 * chunk whose last kept message leaves is zeroed, and dropped or kept as the
 * next chunk. The space held is at most about twice what is kept plus three
 * chunks — or, after a frame larger than a chunk, its chunk, which the frames
 * after it fill until they leave too.
 */
import { inspect } from 'node:util';
import { MESSAGE_ID_MAX_CHARS } from '../../../shared/protocol.js';

export class MessageRing {
  /** The chunks holding kept frames, oldest first; the last is the one being written. */
  private chunks: Buffer[] = [];
  /** The number of chunks[0] in the order of all chunks this ring has made (chunk numbers go up by one). */
  private firstChunk = 0;
  /** Where the next frame goes in the last chunk. */
  private writeAt = 0;
  /**
   * A full-size chunk whose messages all left, zeroed, for the next chunk: a busy room whose history is
   * full then goes round its chunks without allocating.
   */
  private spare: Buffer | undefined;
  private chunkOf: Int32Array;
  /** Where each frame starts in its chunk. */
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
    this.chunkOf = new Int32Array(slots);
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
    const chunk = this.chunkFor(frameLength);
    // byteLength and write agree for every string the frame serialisers make (lone surrogates travel escaped); a
    // disagreement would leave bytes of an older message in this one.
    if (chunk.write(frame, this.writeAt, frameLength, 'utf8') !== frameLength) throw new Error('frame length changed while stored');
    const slot = (this.head + this.count) % this.senders.length;
    this.chunkOf[slot] = this.firstChunk + this.chunks.length - 1;
    this.starts[slot] = this.writeAt;
    this.frameLengths[slot] = frameLength;
    this.idKeys[slot] = idKey;
    this.sentAts[slot] = sentAt;
    this.senders[slot] = from;
    this.writeAt += frameLength;
    this.frameBytes += frameLength;
    this.count++;
  }

  /** Bytes allocated off the heap for the frames: every chunk held (kept frames, unused ends, what left from the oldest) and the spare. */
  get allocatedBytes(): number {
    let bytes = this.spare?.length ?? 0;
    for (const chunk of this.chunks) bytes += chunk.length;
    return bytes;
  }

  /** The oldest message's sender and id key (the ring must not be empty): what its eviction must undo. */
  get oldestSender(): string {
    return this.senders[this.head]!;
  }

  get oldestIdKey(): number {
    return this.idKeys[this.head]!;
  }

  /** Forgets the oldest message; a chunk left with no kept message is zeroed and dropped (but the one being written). */
  dropOldest(): void {
    this.frameBytes -= this.frameLengths[this.head]!;
    this.senders[this.head] = undefined;
    this.head = (this.head + 1) % this.senders.length;
    this.count--;
    const keptFrom = this.count === 0 ? this.firstChunk + this.chunks.length - 1 : this.chunkOf[this.head]!;
    while (this.firstChunk < keptFrom) this.releaseOldestChunk();
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
    const head = this.chunkAt(slot).toString('utf8', start, start + Math.min(this.frameLengths[slot]!, FRAME_HEAD_BYTES));
    const id = FRAME_ID.exec(head)?.[1];
    if (id === undefined) throw new Error('stored frame without an id');
    return JSON.parse(id) as string;
  }

  /** Zeroes the bytes (the room has ended: nothing of it should outlive it in this process's memory) and forgets everything. */
  wipe(): void {
    for (const chunk of this.chunks) chunk.fill(0);
    this.chunks = [];
    this.spare = undefined; // zeroed when it became the spare
    this.senders.fill(undefined);
    this.head = this.count = this.frameBytes = this.writeAt = 0;
  }

  /** The frames from `start` (places after the oldest) up to, not including, `end`, as new strings. */
  slice(start: number, end: number): string[] {
    const frames: string[] = [];
    for (let i = Math.max(0, start); i < Math.min(end, this.count); i++) {
      const slot = this.slotOf(i);
      const at = this.starts[slot]!;
      frames.push(this.chunkAt(slot).toString('utf8', at, at + this.frameLengths[slot]!));
    }
    return frames;
  }

  /** util.inspect shows the bytes as text, unused parts included: what a dump of the process would find. */
  [inspect.custom](): object {
    return { length: this.count, frameBytes: this.frameBytes, bytes: this.chunks.map((chunk) => chunk.toString('utf8')).join('') };
  }

  private slotOf(index: number): number {
    return (this.head + index) % this.senders.length;
  }

  private chunkAt(slot: number): Buffer {
    return this.chunks[this.chunkOf[slot]! - this.firstChunk]!;
  }

  /** The chunk the next `size` bytes go to: the last one if they fit after what it holds, else a new one. */
  private chunkFor(size: number): Buffer {
    const last = this.chunks[this.chunks.length - 1];
    if (last && last.length - this.writeAt >= size) return last;
    // Nothing kept in the last chunk either: it goes now rather than at the next eviction.
    if (last && this.count === 0) this.releaseOldestChunk();
    // Each chunk twice the last, up to CHUNK_MAX_BYTES; a frame larger than that gets a chunk its size.
    const wanted = Math.max(size, Math.min(CHUNK_MAX_BYTES, last ? last.length * 2 : FIRST_CHUNK_BYTES));
    const next = this.spare?.length === wanted ? this.spare : Buffer.allocUnsafeSlow(wanted);
    if (next === this.spare) this.spare = undefined;
    this.chunks.push(next);
    this.writeAt = 0;
    return next;
  }

  /** Zeroes the oldest chunk and drops it, or keeps it as the spare if it is a full-size one and there is none. */
  private releaseOldestChunk(): void {
    const chunk = this.chunks.shift()!;
    chunk.fill(0);
    this.firstChunk++;
    if (chunk.length === CHUNK_MAX_BYTES && !this.spare) this.spare = chunk;
  }

  private growSlots(): void {
    const capacity = this.senders.length * 2;
    // Full: the ring runs from head to the end, then from 0 to head; each array is copied in those two pieces.
    const reorder = <T extends Int32Array | Float64Array>(items: T, next: T): T => {
      next.set(items.subarray(this.head));
      next.set(items.subarray(0, this.head), items.length - this.head);
      return next;
    };
    this.chunkOf = reorder(this.chunkOf, new Int32Array(capacity));
    this.starts = reorder(this.starts, new Int32Array(capacity));
    this.frameLengths = reorder(this.frameLengths, new Int32Array(capacity));
    this.idKeys = reorder(this.idKeys, new Int32Array(capacity));
    this.sentAts = reorder(this.sentAts, new Float64Array(capacity));
    const senders = new Array<string | undefined>(capacity).fill(undefined);
    for (let i = 0; i < this.count; i++) senders[i] = this.senders[this.slotOf(i)];
    this.senders = senders;
    this.head = 0;
  }
}

/** A room that never speaks holds no chunk; its first message takes one of this many bytes (or what it needs). */
const FIRST_CHUNK_BYTES = 1024;
/** Chunks double up to this size: a busy room takes a new one every hundred or so messages of the web client's size. */
const CHUNK_MAX_BYTES = 16 * 1024;
/**
 * A `message` frame begins `{"type":"message","seq":<seq>,"id":<id>` (messageFrameFromTail); an id is at
 * most MESSAGE_ID_MAX_CHARS characters of up to six bytes each when escaped, so this many bytes hold it.
 */
const FRAME_HEAD_BYTES = 64 + 6 * MESSAGE_ID_MAX_CHARS;
const FRAME_ID = /^\{"type":"message","seq":\d+,"id":("(?:[^"\\]|\\.)*")/;
