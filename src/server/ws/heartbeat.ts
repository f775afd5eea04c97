/**
 * Pings every open socket once per interval and drops the ones that did not
 * answer the previous ping. Sockets are spread over slices visited one after
 * another through the interval, because pinging them all at once is one write
 * per socket in a single event-loop turn: with 10,000 idle sockets that stalled
 * every room on the instance for about 300 ms (the bench's idle scenario).
 */

/** What the heartbeat needs from a socket; MemberSocket implements it. */
export interface HeartbeatPeer {
  /** Set by ping(), cleared by the peer's pong. */
  readonly missedPong: boolean;
  ping(): void;
  terminate(): void;
}

/** At most this many slices per interval, each visited at least MIN_TICK_MS after the previous one. */
const MAX_SLICES = 100;
const MIN_TICK_MS = 10;

export class Heartbeat<Peer extends HeartbeatPeer> {
  private readonly slices: Array<Set<Peer>>;
  /** Each socket stays in one slice, so it is visited once per round of the slices. */
  private readonly sliceOf = new Map<Peer, Set<Peer>>();
  private readonly tickMs: number;
  private readonly startedAt = performance.now();
  private ticks = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(intervalMs: number) {
    const count = Math.max(1, Math.min(MAX_SLICES, Math.floor(intervalMs / MIN_TICK_MS)));
    this.slices = Array.from({ length: count }, () => new Set<Peer>());
    this.tickMs = intervalMs / count;
    this.scheduleNextTick();
  }

  add(peer: Peer): void {
    // The emptiest slice: arrivals and departures in any pattern keep the slices even.
    let target = this.slices[0]!;
    for (const slice of this.slices) if (slice.size < target.size) target = slice;
    target.add(peer);
    this.sliceOf.set(peer, target);
  }

  delete(peer: Peer): void {
    this.sliceOf.get(peer)?.delete(peer);
    this.sliceOf.delete(peer);
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** Ticks are due at fixed times from the start, so a late tick does not push the next ones back: a round stays one interval. */
  private scheduleNextTick(): void {
    this.ticks++;
    const due = this.startedAt + this.ticks * this.tickMs;
    this.timer = setTimeout(() => {
      this.visit(this.slices[(this.ticks - 1) % this.slices.length]!);
      this.scheduleNextTick();
    }, Math.max(0, due - performance.now()));
    this.timer.unref();
  }

  private visit(slice: Set<Peer>): void {
    for (const peer of slice) {
      if (peer.missedPong) {
        this.delete(peer);
        peer.terminate();
      } else {
        peer.ping();
      }
    }
  }
}
