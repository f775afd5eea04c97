/**
 * Micro-benchmark of presence-lease renewal in Redis mode: an instance holding
 * one open connection in each of ROOMS rooms renews all their leases
 * (RedisRoomStore.renewLeases, what its timer does every lease / 3) against a
 * redis-server of its own. Reports, per renewed room, the CPU of this process
 * (ioredis and the store) and of redis-server, and the wall time of a whole
 * round; medians of several rounds.
 * Usage: npx tsx bench/micro/redis-renewals.ts [ROOMS] [ROUNDS]
 */
import pino from 'pino';
import { createRedisEngine } from '../../src/server/store/redis/redis-engine.js';
import { cpuMicros } from '../proc-stats.js';
import { startRedis } from '../targets.js';

const rooms = Number(process.argv[2] ?? 5000);
const rounds = Number(process.argv[3] ?? 9);

const redis = await startRedis();
// A lease far longer than the run: only the rounds below renew.
const engine = await createRedisEngine({ REDIS_URL: redis.url, REDIS_CLUSTER_NODES: undefined }, pino({ level: 'warn' }), { presenceLeaseMs: 3_600_000 });
for (let i = 0; i < rooms; i++) {
  const roomId = `bench-room-${i}`.padEnd(22, 'x');
  await engine.store.createRoom({ roomId, capacity: 2, expiresAt: engine.clock.now() + 3_600_000 });
  await engine.store.claimSeat(roomId, 'token-hash', 'member-1');
  await engine.store.setConnection(roomId, 'member-1', 'connection-1', true);
}

const results: Array<{ clientUs: number; redisUs: number; wallMs: number }> = [];
for (let round = 0; round < rounds; round++) {
  const clientStart = process.cpuUsage();
  const redisStart = cpuMicros(redis.process.pid);
  const wallStart = process.hrtime.bigint();
  await engine.store.renewLeases();
  const wallMs = Number(process.hrtime.bigint() - wallStart) / 1e6;
  const client = process.cpuUsage(clientStart);
  results.push({ clientUs: (client.user + client.system) / rooms, redisUs: (cpuMicros(redis.process.pid) - redisStart) / rooms, wallMs });
}
if (engine.store.leasedRooms !== rooms) throw new Error(`${engine.store.leasedRooms} rooms leased, expected ${rooms}`);
const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
process.stdout.write(
  `${rooms} rooms, ${rounds} rounds: per room renewed, client ${median(results.map((r) => r.clientUs)).toFixed(1)} µs CPU, ` +
    `redis-server ${median(results.map((r) => r.redisUs)).toFixed(1)} µs CPU; a round ${median(results.map((r) => r.wallMs)).toFixed(0)} ms (medians)\n`,
);
await engine.close();
await redis.process.stop();
process.exit(0);
