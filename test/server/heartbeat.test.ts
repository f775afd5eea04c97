import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Heartbeat, type HeartbeatPeer } from '../../src/server/ws/heartbeat.js';

/** Pings made in one synchronous run of the event loop: a heartbeat that pings everyone at once makes one batch of all. */
const batches: number[] = [];
let openBatch = 0;
function recordPing(): void {
  if (openBatch++ === 0) {
    queueMicrotask(() => {
      batches.push(openBatch);
      openBatch = 0;
    });
  }
}

class Peer implements HeartbeatPeer {
  pings = 0;
  terminated = 0;
  /**
   * pongAfterMs: like a real socket, a ping marks the pong as missing until the peer answers
   * this many ms later (null: never answers; undefined: the mark is never set).
   */
  constructor(
    public missedPong = false,
    private readonly pongAfterMs?: number | null,
  ) {}
  ping(): void {
    this.pings++;
    recordPing();
    if (this.pongAfterMs === undefined) return;
    this.missedPong = true;
    if (this.pongAfterMs !== null) setTimeout(() => (this.missedPong = false), this.pongAfterMs);
  }
  terminate(): void {
    this.terminated++;
  }
}

describe('Heartbeat', () => {
  let heartbeat: Heartbeat<Peer> | undefined;
  afterEach(() => {
    heartbeat?.stop();
    batches.length = 0;
  });

  it('pings every socket once per interval, a slice at a time rather than all in one turn', async () => {
    heartbeat = new Heartbeat<Peer>(200); // 20 slices of 10 ms
    const peers = Array.from({ length: 1000 }, () => new Peer());
    for (const peer of peers) heartbeat.add(peer);
    // Until every socket has been pinged twice (timers may run late on a busy machine; bounded).
    for (let waited = 0; peers.some((peer) => peer.pings < 2) && waited < 5000; waited += 20) await sleep(20);
    heartbeat.stop();
    const pings = peers.map((peer) => peer.pings);
    expect(Math.min(...pings)).toBe(2);
    // A round visits each socket once: no socket is ever more than one ping ahead of another.
    expect(Math.max(...pings)).toBeLessThanOrEqual(3);
    // Each slice is a twentieth of the sockets, pinged in its own turn of the event loop.
    expect(Math.max(...batches)).toBe(50);
    expect(batches.length).toBeGreaterThanOrEqual(40);
  });

  it('keeps a peer that answers within the interval and terminates, once, one round after its ping, one that never does', async () => {
    heartbeat = new Heartbeat<Peer>(200);
    const answering = new Peer(false, 100);
    const silent = new Peer(false, null);
    heartbeat.add(answering);
    heartbeat.add(silent);
    for (let waited = 0; answering.pings < 4 && waited < 5000; waited += 20) await sleep(20);
    expect(answering.terminated).toBe(0);
    expect(silent.pings).toBe(1);
    expect(silent.terminated).toBe(1);
  });

  it('pings sockets that arrive in the middle of a round, spread over the emptiest slices', async () => {
    heartbeat = new Heartbeat<Peer>(200);
    const early = Array.from({ length: 100 }, () => new Peer());
    for (const peer of early) heartbeat.add(peer);
    await sleep(90);
    const late = Array.from({ length: 100 }, () => new Peer());
    for (const peer of late) heartbeat.add(peer);
    for (let waited = 0; late.some((peer) => peer.pings < 1) && waited < 5000; waited += 20) await sleep(20);
    heartbeat.stop();
    expect(late.every((peer) => peer.pings >= 1)).toBe(true);
    // The late arrivals went to the emptiest slices: no slice ever held more than its share of the 200.
    expect(Math.max(...batches)).toBeLessThanOrEqual(10);
  });

  it('forgets a deleted socket', async () => {
    heartbeat = new Heartbeat<Peer>(100);
    const gone = new Peer();
    heartbeat.add(gone);
    heartbeat.delete(gone);
    await sleep(250);
    expect(gone.pings).toBe(0);
  });
});
