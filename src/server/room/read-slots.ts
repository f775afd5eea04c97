/**
 * At most a few history reads of one client in flight on this instance; the rest wait their turn.
 *
 * Why: a read's size is charged to the client's byte budget (CLIENT_READ_LIMIT_KIB) only once the
 * read is done, so reads in flight together do not see each other's charges. Without a bound, a
 * client holding many seats could start thousands of reads at once against a budget with room for
 * one; with it, the budget is overshot by at most `limit` reads per instance. Reads wait rather than
 * fail, so many clients behind one address (a NAT reconnecting after a restart) only queue.
 */
export class ReadSlots {
  /** Reads in flight per client key (absent: none). */
  private readonly inFlight = new Map<string, number>();
  /** Reads waiting for a slot per client key, first come first served (absent: none). */
  private readonly waiting = new Map<string, Array<() => void>>();

  constructor(private readonly limit: number) {}

  /** Runs `read` once `clientKey` has a free slot, and frees the slot when it settles. */
  async run<T>(clientKey: string, read: () => Promise<T>): Promise<T> {
    const count = this.inFlight.get(clientKey) ?? 0;
    if (count < this.limit) this.inFlight.set(clientKey, count + 1);
    // A slot that frees up is handed to the first waiter as it is, so no newcomer can take it in between.
    else await new Promise<void>((resolve) => this.queueOf(clientKey).push(resolve));
    try {
      return await read();
    } finally {
      this.release(clientKey);
    }
  }

  /** Reads of `clientKey` in flight and waiting (what its tests look at). */
  pending(clientKey: string): { inFlight: number; waiting: number } {
    return { inFlight: this.inFlight.get(clientKey) ?? 0, waiting: this.waiting.get(clientKey)?.length ?? 0 };
  }

  private queueOf(clientKey: string): Array<() => void> {
    let queue = this.waiting.get(clientKey);
    if (!queue) this.waiting.set(clientKey, (queue = []));
    return queue;
  }

  private release(clientKey: string): void {
    const queue = this.waiting.get(clientKey);
    const next = queue?.shift();
    if (next) {
      if (queue!.length === 0) this.waiting.delete(clientKey);
      next();
      return;
    }
    const count = (this.inFlight.get(clientKey) ?? 1) - 1;
    if (count === 0) this.inFlight.delete(clientKey);
    else this.inFlight.set(clientKey, count);
  }
}

/** Reads of one client in flight at once on one instance (see ReadSlots). */
export const READS_IN_FLIGHT_PER_CLIENT = 16;
