/**
 * Which message seqs this page has seen, as "everything up to `contiguous`"
 * plus the few seen beyond a gap. `contiguous` is the resume point sent as
 * `after=` on every reconnect: resuming from there can only replay messages
 * the page already has (dropped as duplicates), never skip one.
 */
export class SeqTracker {
  private last = 0;
  private readonly ahead = new Set<number>();

  get contiguous(): number {
    return this.last;
  }

  has(seq: number): boolean {
    return seq <= this.last || this.ahead.has(seq);
  }

  /** Records a seq; false if it was already seen. */
  add(seq: number): boolean {
    if (this.has(seq)) return false;
    this.ahead.add(seq);
    while (this.ahead.delete(this.last + 1)) this.last++;
    return true;
  }

  /** The server no longer holds messages up to `seq` (history cap): stop waiting for them. */
  skipTo(seq: number): void {
    if (seq <= this.last) return;
    this.last = seq;
    for (const pending of this.ahead) if (pending <= seq) this.ahead.delete(pending);
    while (this.ahead.delete(this.last + 1)) this.last++;
  }
}
