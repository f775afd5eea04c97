/**
 * Pings every open socket once per interval and drops the ones that did not
 * answer the previous ping. Sockets are spread over slices visited one after
 * another through the interval, because pinging them all at once is one write
 * per socket in a single event-loop turn: with 10,000 idle sockets that stalled
 * every room on the instance for 300-400 ms (the bench's idle scenario).
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
  /** Each socket stays in one slice, so it is visited exactly once per interval. */
  private readonly slices: Array<Set<Peer>>;
  private readonly timer: NodeJS.Timeout;
  private nextSlice = 0;
  private slicePlacingNext = 0;

  constructor(intervalMs: number) {
    const count = Math.max(1, Math.min(MAX_SLICES, Math.floor(intervalMs / MIN_TICK_MS)));
    this.slices = Array.from({ length: count }, () => new Set<Peer>());
    this.timer = setInterval(() => this.visitNextSlice(), intervalMs / count);
    this.timer.unref();
  }

  add(peer: Peer): void {
    // Round-robin placement keeps the slices even as sockets arrive.
    this.slices[this.slicePlacingNext]!.add(peer);
    this.slicePlacingNext = (this.slicePlacingNext + 1) % this.slices.length;
  }

  delete(peer: Peer): void {
    for (const slice of this.slices) if (slice.delete(peer)) return;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private visitNextSlice(): void {
    const slice = this.slices[this.nextSlice]!;
    this.nextSlice = (this.nextSlice + 1) % this.slices.length;
    for (const peer of slice) {
      if (peer.missedPong) {
        slice.delete(peer);
        peer.terminate();
      } else {
        peer.ping();
      }
    }
  }
}
