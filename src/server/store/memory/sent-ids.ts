/**
 * A room's idempotency records in the memory store: for each sender, the seq of
 * every retained message by its id, so that a resent id gets its first answer
 * (exactly-once sends). Ids are kept as 30-bit keys (idKey), which the
 * collector never copies, rather than as strings, which it copied and promoted
 * for every message while the room held it. A key match is confirmed against
 * the id stored with the message (`idOfSeq`, MessageRing); two live ids of one
 * sender with the same key (chance, or a sender who made them on purpose) put
 * the later one in an exact map by its string: slower, never wrong.
 */
export class SentIds {
  private readonly bySender = new Map<string, Map<number, number>>();
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
    if (!keys) this.bySender.set(from, (keys = new Map()));
    if (!keys.has(key)) keys.set(key, seq);
    else (this.collided ??= new Map()).set(collidedKey(from, id), seq);
  }

  /** The message `seq` (sender `from`, key `key`) leaves history; call while it is still retained. */
  forget(from: string, key: number, seq: number): void {
    const keys = this.bySender.get(from);
    if (keys?.get(key) === seq) {
      keys.delete(key);
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
