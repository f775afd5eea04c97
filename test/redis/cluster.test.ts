/**
 * Redis Cluster mode (REDIS_CLUSTER_NODES): a 3-master cluster started by the
 * test from the redis-server binary on free loopback ports. The whole protocol
 * contract runs against it unchanged; then what is specific to a cluster:
 * a room lives in one slot, and its events travel over sharded pub/sub on the
 * shard that owns that slot, between instances.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomChannel } from '../../src/server/store/redis/redis-keys.js';
import { connect, eventually, roomWithMembers } from '../support/hush-instance.js';
import { clusterSkipReason, RedisCluster, scanKeys } from '../support/redis-server.js';
import { registerProtocolSuite } from '../protocol/protocol-suite.js';
import { startRedisHush, type RedisHush } from './redis-support.js';

let cluster: RedisCluster | undefined;
let readers: Redis[] = [];
const ensureCluster = async () => {
  if (!cluster) {
    cluster = await RedisCluster.start(3);
    readers = cluster.clients();
  }
  return cluster;
};

afterAll(async () => {
  for (const reader of readers) reader.disconnect();
  await cluster?.stop();
});

if (clusterSkipReason) console.warn(`[redis-cluster] cluster tests SKIPPED: ${clusterSkipReason}`);
const suite = clusterSkipReason ? describe.skip : describe;

suite('Redis Cluster specifics', () => {
  let a: RedisHush;
  let b: RedisHush;
  beforeAll(async () => {
    const { nodes } = await ensureCluster();
    [a, b] = await Promise.all([startRedisHush({ REDIS_CLUSTER_NODES: nodes }), startRedisHush({ REDIS_CLUSTER_NODES: nodes })]);
    expect(a.engine.connections.mode).toBe('cluster');
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('a room lives in one slot on one master, and its events go over sharded pub/sub on that master between instances', async () => {
    const { roomId, members } = await roomWithMembers(a, 2);
    const one = await connect(a, members[0]!, roomId);
    const two = await connect(b, members[1]!, roomId);
    one.socket.send({ type: 'send', id: 'c1', body: 'across instances' });
    expect((await two.socket.next('message')).body).toBe('across instances');

    const perMaster = await Promise.all(readers.map((reader) => scanKeys([reader], `*{${roomId}}*`)));
    const owners = perMaster.filter((keys) => keys.length > 0);
    expect(owners).toHaveLength(1);
    const owner = readers[perMaster.findIndex((keys) => keys.length > 0)]!;
    const slots = await Promise.all(owners[0]!.map((key) => owner.call('CLUSTER', 'KEYSLOT', key)));
    expect(new Set(slots).size).toBe(1);
    expect(await owner.call('CLUSTER', 'KEYSLOT', roomChannel(roomId))).toBe(slots[0]);

    // Both instances hold a socket of the room: two shard subscribers on the owning master, none classic.
    const channel = roomChannel(roomId);
    const shardSubscribers = async (reader: Redis) => Number(((await reader.call('PUBSUB', 'SHARDNUMSUB', channel)) as [string, number])[1]);
    expect(await shardSubscribers(owner)).toBe(2);
    for (const reader of readers) expect(Number(((await reader.call('PUBSUB', 'NUMSUB', channel)) as [string, number])[1])).toBe(0);
    two.socket.close();
    await eventually(async () => (await shardSubscribers(owner)) === 1, 3000, 'instance b unsubscribed');
    one.socket.close();
    await eventually(async () => (await shardSubscribers(owner)) === 0, 3000, 'instance a unsubscribed');
  });

  it('rooms opened and closed at a quick pace, concurrently, each get their events (no subscription lost on the way)', async () => {
    // Regression: with auto-pipelining, ioredis sent SSUBSCRIBE on a data connection whose messages nobody read.
    const bus = a.engine.bus;
    const received = new Map<string, number>();
    const original = (roomId: string) => received.set(roomId, (received.get(roomId) ?? 0) + 1);
    const hubListener = (bus as unknown as { listener: Parameters<typeof bus.setListener>[0] }).listener;
    bus.setListener((roomId, event) => {
      original(roomId);
      hubListener(roomId, event);
    });
    try {
      const lost: string[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async (_, worker) => {
          for (let i = 0; i < 25; i++) {
            const roomId = `churn${worker}x${i}`.padEnd(22, 'A');
            await bus.subscribe(roomId);
            await bus.publish(roomId, { type: 'typing', from: 'nobody' });
            await eventually(() => received.has(roomId), 2000, `event of ${roomId}`).catch(() => lost.push(roomId));
            await bus.unsubscribe(roomId);
          }
        }),
      );
      expect(lost).toEqual([]);
    } finally {
      bus.setListener(hubListener);
    }
  });

  it('rooms spread over the masters', async () => {
    const rooms = await Promise.all(Array.from({ length: 12 }, () => a.newClient().createRoom()));
    const owners = new Set<number>();
    for (const { body } of rooms) {
      const counts = await Promise.all(readers.map((reader) => scanKeys([reader], `*{${body.roomId}}*`)));
      owners.add(counts.findIndex((keys) => keys.length > 0));
    }
    expect(owners.size).toBeGreaterThan(1);
  });
});

suite('Redis Cluster down', () => {
  it('a master lost with no replica to take over: every node still answers PING, but /readyz says 503 and a new room is refused as unavailable', async () => {
    // A cluster of its own: this one is broken on purpose.
    const broken = await RedisCluster.start(3);
    let hush: RedisHush | undefined;
    try {
      hush = await startRedisHush({ REDIS_CLUSTER_NODES: broken.nodes });
      const readiness = async () => (await fetch(`${hush!.baseUrl}/readyz`)).status;
      expect(await readiness()).toBe(200);
      await broken.masters[2]!.kill();
      // The survivors mark the cluster failed after cluster-node-timeout (2 s here).
      await eventually(async () => (await readiness()) === 503, 15_000, 'readyz 503');
      const survivor = broken.masters[0]!.client();
      expect(await survivor.ping()).toBe('PONG');
      expect(String(await survivor.call('CLUSTER', 'INFO'))).toMatch(/^cluster_state:fail/m);
      survivor.disconnect();
      const created = await hush.newClient().createRoom();
      expect(created.status).toBe(503);
      expect((created.body as { error: { code: string } }).error.code).toBe('unavailable');
    } finally {
      await hush?.stop();
      await broken.stop();
    }
  });
});

registerProtocolSuite({
  name: 'redis-cluster',
  ...(clusterSkipReason ? { skipReason: clusterSkipReason } : {}),
  async setup() {
    await ensureCluster();
  },
  settings: () => ({ REDIS_CLUSTER_NODES: cluster!.nodes }),
  roomTraces: async (_hush, roomId) => (await scanKeys(readers, `*{${roomId}}*`)).length,
});
