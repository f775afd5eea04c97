/**
 * The protocol contract against the Redis engine, on a redis-server of its own
 * (free loopback port, nothing on disk) — never the shared Redis on 6379.
 * Skipped, loudly, on a machine without redis-server.
 */
import type { Redis } from 'ioredis';
import { RedisServer, redisSkipReason, scanKeys } from '../support/redis-server.js';
import { registerProtocolSuite } from './protocol-suite.js';

let redis: RedisServer | undefined;
let reader: Redis | undefined;

registerProtocolSuite({
  name: 'redis',
  ...(redisSkipReason ? { skipReason: redisSkipReason } : {}),
  async setup() {
    redis = await RedisServer.start();
    reader = redis.client();
  },
  async teardown() {
    reader?.disconnect();
    await redis?.stop();
  },
  settings: () => ({ REDIS_URL: redis!.url }),
  roomTraces: async (_hush, roomId) => (await scanKeys([reader!], `*{${roomId}}*`)).length,
});
