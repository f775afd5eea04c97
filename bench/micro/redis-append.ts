/**
 * Micro-benchmark of one send in Redis mode, both sides of the wire: the real
 * RedisRoomStore.appendMessage (budget, idempotency, history, publish) against
 * a redis-server of its own, with the bus subscribed to every room as an
 * instance holding their sockets would be, so each append also comes back as
 * a push. Rooms are first filled past their history limit, so every measured
 * append also trims. Reports CPU µs per append of this process (ioredis and
 * Hush's store) and of redis-server (the script), medians of several runs.
 * Usage: npx tsx bench/micro/redis-append.ts [ROOMS] [APPENDS] [IN_FLIGHT]
 */
import pino from 'pino';
import type { AppendPolicy } from '../../src/server/store/room-store.js';
import { createRedisEngine } from '../../src/server/store/redis/redis-engine.js';
import { cpuMicros } from '../proc-stats.js';
import { startRedis } from '../targets.js';

const rooms = Number(process.argv[2] ?? 100);
const appends = Number(process.argv[3] ?? 50_000);
const inFlight = Number(process.argv[4] ?? 16);
const policy: AppendPolicy = { maxMessages: 500, maxBytes: 2_097_152, sendBudget: { points: Number.MAX_SAFE_INTEGER, windowMs: 1000 } };
const body = 'x'.repeat(64);
const senders = ['AbCdEfGhIjKlMnOp', 'QrStUvWxYzAbCdEf'];
const ID_PREFIX = '2f0c1a52-8d7e-4b9a-a1c3-';

const redis = await startRedis();
const engine = await createRedisEngine({ REDIS_URL: redis.url, REDIS_CLUSTER_NODES: undefined }, pino({ level: 'warn' }));
let pushes = 0;
engine.bus.setListener(() => void pushes++);
const roomIds = Array.from({ length: rooms }, (_, i) => `bench-room-${i}`.padEnd(22, 'x'));
for (const roomId of roomIds) {
  await engine.store.createRoom({ roomId, capacity: 2, expiresAt: engine.clock.now() + 3_600_000 });
  await engine.bus.subscribe(roomId);
}

let counter = 0;
async function run(total: number): Promise<{ clientUs: number; redisUs: number }> {
  const clientStart = process.cpuUsage();
  const redisStart = cpuMicros(redis.process.pid);
  let issued = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (issued < total) {
        const i = counter++;
        issued++;
        const result = await engine.store.appendMessage(
          roomIds[i % rooms]!,
          { id: `${ID_PREFIX}${i.toString(16).padStart(12, '0')}`, from: senders[Math.floor(i / rooms) % 2]!, body },
          policy,
        );
        if (result.kind !== 'appended') throw new Error(`append ${i}: ${result.kind}`);
      }
    }),
  );
  const client = process.cpuUsage(clientStart);
  return { clientUs: (client.user + client.system) / total, redisUs: (cpuMicros(redis.process.pid) - redisStart) / total };
}

await run(rooms * (policy.maxMessages + 100)); // every room past its history limit
const results: Array<{ clientUs: number; redisUs: number }> = [];
for (let i = 0; i < 5; i++) results.push(await run(appends));
const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
process.stdout.write(
  `${appends} appends × 5 runs, ${rooms} rooms, ${inFlight} in flight: ` +
    `client ${median(results.map((r) => r.clientUs)).toFixed(1)} µs, redis-server ${median(results.map((r) => r.redisUs)).toFixed(1)} µs CPU per append ` +
    `(runs: ${results.map((r) => `${r.clientUs.toFixed(1)}+${r.redisUs.toFixed(1)}`).join(', ')}); ${pushes} pushes received\n`,
);
await engine.close();
await redis.process.stop();
process.exit(0);
