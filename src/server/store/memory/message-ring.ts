/**
 * A room's retained messages in the memory store, oldest first: a ring of
 * parallel arrays (each message's frame, sender, id and time) that grows by
 * doubling and never moves what it keeps. Arrays used as queues (push, shift)
 * were left-trimmed on every shift and copied whole every few hundred pushes;
 * a busy room appends and evicts one message per send.
 */
export class MessageRing {
  private frames: Array<string | undefined>;
  private senders: Array<string | undefined>;
  private ids: Array<string | undefined>;
  private sentAts: number[];
  /** Index of the oldest message. */
  private head = 0;
  private count = 0;

  constructor(initialCapacity = 16) {
    const capacity = Math.max(1, Math.floor(initialCapacity));
    this.frames = new Array<string | undefined>(capacity).fill(undefined);
    this.senders = new Array<string | undefined>(capacity).fill(undefined);
    this.ids = new Array<string | undefined>(capacity).fill(undefined);
    this.sentAts = new Array<number>(capacity).fill(0);
  }

  get length(): number {
    return this.count;
  }

  push(frame: string, from: string, id: string, sentAt: number): void {
    if (this.count === this.frames.length) this.grow();
    const slot = (this.head + this.count) % this.frames.length;
    this.frames[slot] = frame;
    this.senders[slot] = from;
    this.ids[slot] = id;
    this.sentAts[slot] = sentAt;
    this.count++;
  }

  /** The oldest message's frame, sender and id (the ring must not be empty): what its eviction must undo. */
  get oldestFrame(): string {
    return this.frames[this.head]!;
  }

  get oldestSender(): string {
    return this.senders[this.head]!;
  }

  get oldestId(): string {
    return this.ids[this.head]!;
  }

  /** Forgets the oldest message. */
  dropOldest(): void {
    // Cleared, so the collector can take the strings.
    this.frames[this.head] = this.senders[this.head] = this.ids[this.head] = undefined;
    this.head = (this.head + 1) % this.frames.length;
    this.count--;
  }

  /** The time of the message `index` places after the oldest. */
  sentAtOf(index: number): number {
    return this.sentAts[(this.head + index) % this.frames.length]!;
  }

  /** The frames from `start` (places after the oldest) up to, not including, `end`. */
  slice(start: number, end: number): string[] {
    const frames: string[] = [];
    for (let i = Math.max(0, start); i < Math.min(end, this.count); i++) frames.push(this.frames[(this.head + i) % this.frames.length]!);
    return frames;
  }

  private grow(): void {
    const capacity = this.frames.length * 2;
    const reorder = <T>(items: T[], empty: T): T[] => {
      const next = new Array<T>(capacity).fill(empty);
      for (let i = 0; i < this.count; i++) next[i] = items[(this.head + i) % items.length]!;
      return next;
    };
    this.frames = reorder(this.frames, undefined);
    this.senders = reorder(this.senders, undefined);
    this.ids = reorder(this.ids, undefined);
    this.sentAts = reorder(this.sentAts, 0);
    this.head = 0;
  }
}
