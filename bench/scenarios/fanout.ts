/**
 * The fan-out scenario (Redis mode): two Hush instances on one redis-server,
 * each reaching Redis through a counting proxy. Instance A holds both members
 * of all but one of the busy rooms; the last room has one member on A and one
 * on B. Every room gets the same traffic. What B receives from Redis shows
 * whether an instance only receives its own rooms' traffic (B ≈ 1/N of the
 * total) or everything; what A receives shows that rooms held by one instance
 * alone cost it no pub/sub at all (it is their channels' only subscriber, so
 * their messages come back in its own append replies, not as pushes).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from '../context.js';
import { startCountingProxy, type ProxyCounters } from '../redis-proxy.js';
import { redisCommand, startHush, startRedis } from '../targets.js';

export interface FanoutInstance {
  instance: 'A' | 'B';
  rooms: number;
  /** Messages sent in this instance's rooms during the measurement. */
  ownMessages: number;
  pushesFromRedis: number;
  bytesFromRedis: number;
  bytesToRedis: number;
  redisConnections: number;
  /** Pub/sub channels (sub + ssub + psub) its Redis connections hold, from CLIENT LIST. */
  subscriptions: number;
}

export interface FanoutResult {
  rooms: number;
  rate: number;
  durationMs: number;
  sent: number;
  received: number;
  instances: FanoutInstance[];
  /** B's pushes divided by all messages sent: ≈ 1/rooms if B only gets its own room. */
  quietShareOfTraffic: number;
}

export async function runFanout(ctx: BenchContext): Promise<FanoutResult> {
  const { options, pool, log } = ctx;
  const redis = await startRedis();
  const proxyA = await startCountingProxy(redis.port);
  const proxyB = await startCountingProxy(redis.port);
  const servers: Array<Awaited<ReturnType<typeof startHush>>> = [];
  try {
    servers.push(await startHush('hush (fan-out A)', { REDIS_URL: `redis://127.0.0.1:${proxyA.port}` }));
    servers.push(await startHush('hush (fan-out B)', { REDIS_URL: `redis://127.0.0.1:${proxyB.port}` }));
    const [a, b] = servers.map((server) => server.endpoint) as [typeof servers[0]['endpoint'], typeof servers[0]['endpoint']];
    const busy = await pool.addRooms('fanout', options.fanoutRooms - 1, { create: a, a, b: a });
    const quiet = await pool.addRooms('fanout', 1, { create: b, a, b }, 0);
    const connected = await pool.connectAll();
    const failures = busy.failures + quiet.failures + connected.failures;
    if (failures > 0) throw new Error(`fan-out setup: ${failures} failures: ${busy.firstError ?? quiet.firstError ?? connected.firstError}`);
    await sleep(500);

    const beforeA = proxyA.counters();
    const beforeB = proxyB.counters();
    const results = await pool.step('fanout', 1_000_000, options.fanoutRate, options.fanoutMs, options.drainMs);
    const afterA = proxyA.counters();
    const afterB = proxyB.counters();
    const clients = await redisCommand(redis.port, 'CLIENT', 'LIST');

    const sent = results.reduce((sum, result) => sum + result.sent, 0);
    const received = results.reduce((sum, result) => sum + result.received, 0);
    // Every generator round-robins its rooms, so each room carries an equal share (±1) of its generator's messages.
    const quietMessages = Math.round((results[0]?.sent ?? 0) / (pool.roomsOf('fanout')[0] ?? 1));
    const describe = (instance: 'A' | 'B', rooms: number, ownMessages: number, before: ProxyCounters, after: ProxyCounters, ports: number[]): FanoutInstance => ({
      instance,
      rooms,
      ownMessages,
      pushesFromRedis: after.pushesFromRedis - before.pushesFromRedis,
      bytesFromRedis: after.bytesFromRedis - before.bytesFromRedis,
      bytesToRedis: after.bytesToRedis - before.bytesToRedis,
      redisConnections: ports.length,
      subscriptions: subscriptionsOf(clients, ports),
    });
    const instances = [
      describe('A', options.fanoutRooms, sent, beforeA, afterA, proxyA.upstreamPorts()),
      describe('B', 1, quietMessages, beforeB, afterB, proxyB.upstreamPorts()),
    ];
    const result: FanoutResult = {
      rooms: options.fanoutRooms,
      rate: options.fanoutRate,
      durationMs: options.fanoutMs,
      sent,
      received,
      instances,
      quietShareOfTraffic: sent > 0 ? instances[1]!.pushesFromRedis / sent : Number.NaN,
    };
    for (const instance of instances) {
      log(
        `  fan-out instance ${instance.instance}: ${instance.rooms} rooms, ${instance.ownMessages} own messages; from Redis ` +
          `${instance.pushesFromRedis} pushes, ${instance.bytesFromRedis} bytes; ${instance.subscriptions} subscriptions`,
      );
    }
    return result;
  } finally {
    await pool.reset();
    await Promise.all(servers.map((server) => server.process.stop()));
    await proxyA.close();
    await proxyB.close();
    await redis.process.stop();
  }
}

/** Sums sub/ssub/psub of the CLIENT LIST lines whose addr port is one of `ports`. */
function subscriptionsOf(clientList: string, ports: number[]): number {
  let total = 0;
  for (const line of clientList.split('\n')) {
    const port = Number(/addr=[^ ]*:(\d+)/.exec(line)?.[1]);
    if (!ports.includes(port)) continue;
    for (const field of ['sub', 'ssub', 'psub']) total += Number(new RegExp(`\\b${field}=(\\d+)`).exec(line)?.[1] ?? 0);
  }
  return total;
}
