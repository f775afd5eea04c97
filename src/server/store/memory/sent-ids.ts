/**
 * A room's idempotency records in the memory store: for each sender, the seq of
 * every retained message by its id, so that a resent id gets its first answer
 * (exactly-once sends). Ids are kept as 30-bit keys (idKey), which the
 * collector never copies, rather than as strings, which it copied and promoted
 * for every message while the room held it. A key match is confirmed against
 * the id stored with the message (`idOfSeq`, MessageRing); two live ids of one
 * sender with the same key (chance, or a sender who made them on purpose) put
 * the later one in an exact map by its string: slower, never wrong.
 *
 * Each sender's keys live in a KeyTable (typed arrays) rather than a Map: a Map
 * that takes one key and drops another per message reallocates its table every
 * few hundred sends, and each table outlived young-generation collections.
 */
export class SentIds {
  private readonly bySender = new Map<string, KeyTable>();
  /** `${sender}\n${id}` → seq, for ids whose key a live id of the same sender already holds. */
  private collided: Map<string, number> | undefined;

  /** `idOfSeq(seq)`: the id of the retained message `seq`. */
  constructor(private readonly idOfSeq: (seq: number) => string) {}

  /** The seq of `from`'s retained message `id`, if any; `key` is idKey(id). */
  find(from: string, id: string, key: number): number | undefined {
    const seq = this.bySender.get(from)?.get(key);
    if (seq !== undefined && this.idOfSeq(seq) === id) return seq;
    return this.collided?.get(collidedKey(from, id));
  }

  /** Records a new message; `find` must have said `id` is not retained. */
  remember(from: string, id: string, key: number, seq: number): void {
    let keys = this.bySender.get(from);
    if (!keys) this.bySender.set(from, (keys = new KeyTable()));
    if (!keys.set(key, seq)) (this.collided ??= new Map()).set(collidedKey(from, id), seq);
  }

  /** The message `seq` (sender `from`, key `key`) leaves history; call while it is still retained. */
  forget(from: string, key: number, seq: number): void {
    const keys = this.bySender.get(from);
    if (keys?.delete(key, seq)) {
      if (keys.size === 0) this.bySender.delete(from);
    } else if (this.collided?.delete(collidedKey(from, this.idOfSeq(seq))) && this.collided.size === 0) {
      this.collided = undefined;
    }
  }

  /** Records held (for tests). */
  get size(): number {
    let size = this.collided?.size ?? 0;
    for (const keys of this.bySender.values()) size += keys.size;
    return size;
  }
}

/** A 30-bit FNV-1a hash of an id's UTF-16 code units: a small integer, which V8 keeps without allocating. */
export function idKey(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return hash & 0x3fffffff;
}

function collidedKey(from: string, id: string): string {
  return `${from}\n${id}`;
}

/** A free slot: keys are non-negative. */
const EMPTY = -1;

/**
 * Non-negative 31-bit integer keys to seqs: open addressing with linear probing in typed arrays,
 * deletion by shifting the probe run back (no tombstones), grown by doubling past half full.
 */
export class KeyTable {
  private keys = new Int32Array(16).fill(EMPTY);
  private values = new Float64Array(16);
  private count = 0;
  /** 32 − log2(slots): a key's home slot is the top bits of its Fibonacci hash. */
  private shift = 28;

  get size(): number {
    return this.count;
  }

  get(key: number): number | undefined {
    const mask = this.keys.length - 1;
    for (let slot = this.home(key); ; slot = (slot + 1) & mask) {
      const found = this.keys[slot]!;
      if (found === key) return this.values[slot];
      if (found === EMPTY) return undefined;
    }
  }

  /** Adds `key` with `value`; false (and nothing changed) if the key is already there. One probe either way. */
  set(key: number, value: number): boolean {
    if ((this.count + 1) * 2 > this.keys.length) this.resize(this.keys.length * 2);
    const { keys } = this;
    const mask = keys.length - 1;
    let slot = this.home(key);
    for (; keys[slot] !== EMPTY; slot = (slot + 1) & mask) if (keys[slot] === key) return false;
    keys[slot] = key;
    this.values[slot] = value;
    this.count++;
    return true;
  }

  /** Removes `key` if it is there (and, when `value` is given, holds it); true if it was removed. */
  delete(key: number, value?: number): boolean {
    const { keys, values } = this;
    const mask = keys.length - 1;
    let slot = this.home(key);
    while (keys[slot] !== key) {
      if (keys[slot] === EMPTY) return false;
      slot = (slot + 1) & mask;
    }
    if (value !== undefined && values[slot] !== value) return false;
    // Move back every later entry of the run that its probe could have put in the hole.
    let hole = slot;
    for (let next = (hole + 1) & mask; keys[next] !== EMPTY; next = (next + 1) & mask) {
      const home = this.home(keys[next]!);
      // `next` may fill the hole only if its home is not in (hole, next], cyclically.
      if (hole <= next ? home <= hole || home > next : home <= hole && home > next) {
        keys[hole] = keys[next]!;
        values[hole] = values[next]!;
        hole = next;
      }
    }
    keys[hole] = EMPTY;
    this.count--;
    return true;
  }

  /** Keys are hashes already (idKey), but ids a sender chooses could share their low bits: the top bits of a multiplication mix them all. */
  private home(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.shift;
  }

  private resize(slots: number): void {
    const { keys, values } = this;
    this.keys = new Int32Array(slots).fill(EMPTY);
    this.values = new Float64Array(slots);
    this.shift = 32 - Math.log2(slots);
    this.count = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) this.set(keys[i]!, values[i]!);
  }
}

