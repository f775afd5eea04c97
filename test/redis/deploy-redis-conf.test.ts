/**
 * deploy/redis.conf as shipped (only port, bind and dir overridden): a room's
 * life leaves nothing on disk — not while Redis runs, not when it shuts down —
 * and a full Redis refuses writes instead of evicting a room's keys.
 */
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, roomWithMembers } from '../support/hush-instance.js';
import { RedisServer, redisSkipReason } from '../support/redis-server.js';
import { startRedisHush, type RedisHush } from './redis-support.js';

if (redisSkipReason) console.warn(`[redis] deploy/redis.conf tests SKIPPED: ${redisSkipReason}`);
const suite = redisSkipReason ? describe.skip : describe;

suite('deploy/redis.conf', () => {
  let redis: RedisServer;
  let hush: RedisHush;
  beforeAll(async () => {
    redis = await RedisServer.start([], resolve(import.meta.dirname, '../../deploy/redis.conf'));
    hush = await startRedisHush({ REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await hush?.stop();
    await redis?.stop();
  });

  it('keeps nothing on disk, through a conversation and a shutdown, and is set never to evict', async () => {
    const reader = redis.client();
    expect(await reader.config('GET', 'save')).toEqual(['save', '']);
    expect(await reader.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
    expect(await reader.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    reader.disconnect();

    const { roomId, members } = await roomWithMembers(hush, 2);
    const a = await connect(hush, members[0]!, roomId);
    const b = await connect(hush, members[1]!, roomId);
    for (let i = 0; i < 20; i++) a.socket.send({ type: 'send', id: `d${i}`, body: `ciphertext ${i}` });
    await b.socket.waitForCount('message', 20);
    expect(readdirSync(redis.dir)).toEqual([]);
    a.socket.close();
    b.socket.close();
    await hush.stop();
    await redis.shutdown();
    expect(readdirSync(redis.dir)).toEqual([]);
  });
});
