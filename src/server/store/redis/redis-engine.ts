/**
 * The Redis engine: the store, bus, clock and rate limiters that let any
 * number of Hush instances serve the same rooms. Picked by createEngine
 * (engine.ts) when REDIS_URL or REDIS_CLUSTER_NODES is set; tests build it
 * directly to inject a skewed local clock or short presence leases.
 */
import { createHash } from 'node:crypto';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../../config.js';
import { systemClock, type Engine, type EngineStats, type RateLimiterOptions } from '../engine.js';
import type { Clock } from '../room-store.js';
import { RedisClock } from './redis-clock.js';
import { DEFAULT_TUNING, openRedis, type RedisClient, type RedisConnections, type RedisTuning } from './redis-connection.js';
import { describeError, storeError } from './redis-errors.js';
import { KEY_PREFIX } from './redis-keys.js';
import { RedisRoomBus } from './redis-room-bus.js';
import { RedisRoomStore, type LocalDelivery } from './redis-room-store.js';

export interface RedisEngineOptions {
  /** This instance's own clock (default: Date.now); the engine corrects it to Redis's. */
  localClock?: Clock;
  /** Presence lease of an open connection (default 30 s): how long a crashed instance's members may still look online. */
  presenceLeaseMs?: number;
  /** How often the clock offset to Redis is measured again (default 60 s). */
  clockSyncIntervalMs?: number;
  /** How long start-up waits for Redis before giving up (default 10 s). */
  startupTimeoutMs?: number;
  tuning?: Partial<RedisTuning>;
  /** How long sends gather into one append script call (REDIS_APPEND_WINDOW_MS); default 0: the sends of one event-loop turn. */
  appendWindowMs?: number;
}

export interface RedisEngine extends Engine {
  readonly kind: 'redis';
  readonly store: RedisRoomStore;
  readonly bus: RedisRoomBus;
  readonly clock: RedisClock;
  readonly stats: EngineStats;
  readonly connections: RedisConnections;
}

export async function createRedisEngine(
  config: Pick<Config, 'REDIS_URL' | 'REDIS_CLUSTER_NODES'>,
  logger: Logger,
  options: RedisEngineOptions = {},
): Promise<RedisEngine> {
  const leaseMs = options.presenceLeaseMs ?? 30_000;
  const connections = openRedis(config, { ...DEFAULT_TUNING, ...options.tuning });
  const log = logger.child({ redis: connections.description, redisMode: connections.mode });
  const stats: EngineStats = { errors: 0, reconnects: 0 };

  const clock = new RedisClock(options.localClock ?? systemClock);
  try {
    await connections.ready(options.startupTimeoutMs ?? 10_000);
    await clock.sync(connections.client);
  } catch (error) {
    await connections.close();
    throw new Error(`cannot reach Redis at ${connections.description}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const watch = watchConnection(connections, log, stats);
  log.info({ clockOffsetMs: clock.offset }, 'connected to Redis');
  if (Math.abs(clock.offset) > 1000) {
    log.warn({ clockOffsetMs: clock.offset }, "this host's clock differs from Redis's; rooms follow Redis's clock");
  }
  const clockTimer = setInterval(() => {
    clock.sync(connections.client).catch((error: unknown) => log.debug({ err: describeError(error) }, 'clock sync with Redis failed; keeping the last offset'));
  }, options.clockSyncIntervalMs ?? 60_000);
  clockTimer.unref();

  const failed = () => void stats.errors++;
  const presence = { leaseMs, renewIntervalMs: Math.max(50, Math.floor(leaseMs / 3)) };
  // The store and the bus know each other: the bus reads the store to catch up, the store hands the bus
  // the messages it did not need to publish.
  const local: LocalDelivery = {
    holds: (roomId) => bus.holds(roomId),
    deliver: (roomId, event) => bus.deliver(roomId, event),
    catchUp: (roomId) => bus.catchUp(roomId),
  };
  const store: RedisRoomStore = new RedisRoomStore(connections, clock, presence, local, failed, options.appendWindowMs ?? 0);
  const bus: RedisRoomBus = new RedisRoomBus(connections, store, log, failed);

  return {
    kind: 'redis',
    store,
    bus,
    clock,
    stats,
    connections,
    createRateLimiter: (limits) => createRedisRateLimiter(connections, limits),
    async ping() {
      try {
        if (connections.mode === 'cluster') await expectClusterOk(connections.client);
        else await expectPrimary(connections.client);
      } catch (error) {
        failed();
        throw storeError(error, 'ping');
      }
    },
    async close() {
      watch.closing = true;
      clearInterval(clockTimer);
      await bus.close();
      await store.close();
      await connections.close();
    },
  };
}

/**
 * A limiter whose counters live in Redis, shared by every instance with the
 * same limits. The counter key names the limit (points per window) — counters
 * of a different budget are a different policy — and carries a hash of the
 * caller's key, so Redis holds neither room ids nor client addresses in clear.
 */
function createRedisRateLimiter(connections: RedisConnections, { keyPrefix, points, durationSeconds }: RateLimiterOptions): RateLimiterAbstract {
  return new HashedKeyRateLimiterRedis({
    storeClient: connections.client,
    keyPrefix: `${keyPrefix.startsWith(KEY_PREFIX) ? '' : KEY_PREFIX}${keyPrefix}:${points}/${durationSeconds}s`,
    points,
    duration: durationSeconds,
    // Refuse at once while Redis is down (the caller answers 503) rather than queue.
    rejectIfRedisNotReady: true,
  });
}

class HashedKeyRateLimiterRedis extends RateLimiterRedis {
  override getKey(key: string | number): string {
    return super.getKey(createHash('sha256').update(String(key)).digest('base64url').slice(0, 22));
  }
}

/** Logs connection trouble once per outage (not once per retry) and counts it for /metrics. */
function watchConnection(connections: RedisConnections, log: Logger, stats: EngineStats): { closing: boolean } {
  const watch = { closing: false };
  // One connection on one Redis (subscriptions included); in a cluster, the cluster client stands for its node connections.
  const { client } = connections;
  let down = false;
  let reported = false;
  const lost = () => {
    if (down || watch.closing) return;
    down = true;
    reported = false;
    log.warn('Redis connection lost; requests get 503 until it is back');
  };
  client.on('close', lost);
  client.on('error', (error: unknown) => {
    stats.errors++;
    lost();
    if (reported || watch.closing) return;
    reported = true;
    log.error({ err: describeError(error) }, 'Redis connection error');
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    stats.reconnects++;
    log.info('Redis connection restored');
  });
  if (connections.mode === 'cluster') {
    connections.client.on('node error', (error: unknown, node: string) => {
      stats.errors++;
      log.warn({ err: describeError(error), node }, 'Redis cluster node error');
    });
  }
  return watch;
}

/**
 * A round trip that fails unless the cluster serves commands: a node answers PING while its cluster
 * is down (a master lost with no replica to take over), and then refuses every command with
 * CLUSTERDOWN.
 */
async function expectClusterOk(client: RedisClient): Promise<void> {
  const info = await callOrPing(client, 'CLUSTER', 'INFO');
  if (info === undefined) return;
  const state = /^cluster_state:(\w+)/m.exec(String(info))?.[1];
  if (state !== 'ok') throw new Error(`the Redis cluster's state is ${state ?? 'unknown'}: it refuses commands`);
}

/** A round trip that fails unless this Redis takes writes: a replica answers PING too. */
async function expectPrimary(client: RedisClient): Promise<void> {
  const reply = await callOrPing(client, 'ROLE');
  if (reply === undefined) return;
  const [role] = reply as [string, ...unknown[]];
  if (role !== 'master') throw new Error(`Redis is a ${role}, not a primary: it refuses writes`);
}

/**
 * The reply to a readiness command; for a Redis user its ACL does not allow it (ROLE is in the
 * @dangerous category), undefined after a PING, which is then the check.
 */
async function callOrPing(client: RedisClient, command: string, ...args: string[]): Promise<unknown> {
  try {
    return await client.call(command, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOPERM')) throw error;
    await client.ping();
    return undefined;
  }
}
