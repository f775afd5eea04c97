/**
 * Redis's clock, read locally: the local clock plus an offset measured from
 * Redis `TIME`. Rooms end by Redis's clock (keys expire at PEXPIREAT expiresAt,
 * as Redis counts time), so every instance computes expiresAt, countdowns and
 * its expiry timers by this clock — an instance whose own clock is off by
 * minutes still agrees with the others. Re-measured periodically by the engine.
 */
import type { Clock } from '../room-store.js';

export interface TimeSource {
  /** Redis TIME: [unix seconds, microseconds]. */
  time(): Promise<[string | number, string | number] | unknown[]>;
}

/** Samples per measurement; the one with the shortest round trip wins (its midpoint is the tightest bound). */
const SAMPLES = 3;

export class RedisClock implements Clock {
  private offsetMs = 0;

  constructor(private readonly local: Clock) {}

  now(): number {
    return this.local.now() + this.offsetMs;
  }

  /** Redis time minus local time, as last measured (ms). */
  get offset(): number {
    return this.offsetMs;
  }

  async sync(source: TimeSource): Promise<void> {
    let best: { roundTrip: number; offset: number } | undefined;
    for (let i = 0; i < SAMPLES; i++) {
      const before = this.local.now();
      const [seconds, micros] = await source.time();
      const after = this.local.now();
      const redisMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      const sample = { roundTrip: after - before, offset: redisMs - (before + after) / 2 };
      if (!best || sample.roundTrip < best.roundTrip) best = sample;
    }
    if (best) this.offsetMs = Math.round(best.offset);
  }
}
