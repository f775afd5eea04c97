/**
 * The storage engine, picked in one place: memory by default, Redis when
 * REDIS_URL (or REDIS_CLUSTER_NODES) is set. An Engine bundles the implementations of the seams that
 * must agree with each other (store, bus, clock, shared rate limits).
 */
import type { FastifyBaseLogger as Logger } from 'fastify';
import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import { MemoryRoomBus } from './memory/memory-room-bus.js';
import { MemoryRoomStore } from './memory/memory-room-store.js';
import type { RoomBus } from './room-bus.js';
import type { Clock, RoomStore } from './room-store.js';

export interface RateLimiterOptions {
  keyPrefix: string;
  points: number;
  durationSeconds: number;
}

/** Counters an engine keeps about its own connection to the store, read by /metrics. */
export interface EngineStats {
  errors: number;
  reconnects: number;
}

export interface Engine {
  readonly kind: 'memory' | 'redis';
  readonly store: RoomStore;
  readonly bus: RoomBus;
  readonly clock: Clock;
  /** A limiter whose counts every instance on this engine shares. */
  createRateLimiter(options: RateLimiterOptions): RateLimiterAbstract;
  /** Store connection counters; absent for engines that have no connection (memory). */
  readonly stats?: EngineStats;
  /** A real round trip to the store; rejects if it cannot serve. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now() };

/** maxHistoryBytes: MEMORY_MAX_HISTORY_BYTES, the history all rooms together may retain. */
export function createMemoryEngine(clock: Clock = systemClock, maxHistoryBytes?: number): Engine {
  const bus = new MemoryRoomBus();
  const store = new MemoryRoomStore(clock, (roomId, event) => bus.deliver(roomId, event), maxHistoryBytes);
  return {
    kind: 'memory',
    store,
    bus,
    clock,
    createRateLimiter: ({ keyPrefix, points, durationSeconds }) => new RateLimiterMemory({ keyPrefix, points, duration: durationSeconds }),
    ping: async () => undefined,
    async close() {
      await bus.close();
      await store.close();
    },
  };
}

export async function createEngine(config: Config, logger: Logger): Promise<Engine> {
  if (!config.REDIS_URL && !config.REDIS_CLUSTER_NODES) return createMemoryEngine(systemClock, config.MEMORY_MAX_HISTORY_BYTES);
  // Loaded only when asked for, so the memory mode never touches the Redis client.
  const { createRedisEngine } = await import('./redis/redis-engine.js');
  return createRedisEngine(config, logger, { appendWindowMs: config.REDIS_APPEND_WINDOW_MS });
}
