/**
 * Micro-benchmark of Hush's per-message JavaScript in memory mode, without
 * sockets or syscalls: real MemberSockets (the gateway's deps, Prometheus
 * metrics, the configured rate limiter) over fake WebSockets that only count
 * what is sent. Frames go in as `ws` would hand them over (Buffer), in bursts
 * across many rooms; CPU per message is process.cpuUsage() over the run. What
 * the ramp measures on top of this is the sockets' own cost (ws framing,
 * syscalls), which the relay pays too.
 * Usage: npx tsx bench/micro/message-path.ts [ROOMS] [MESSAGES]   (add --cpu-prof to node to profile)
 */
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { buildServer } from '../../src/server/app.js';
import { configWith } from '../../src/server/config.js';
import type { Member } from '../../src/server/room/room-service.js';
import { MemberSocket, type MemberSocketDeps } from '../../src/server/ws/member-socket.js';
import { ClientReadBudget } from '../../src/server/room/client-read-budget.js';

const rooms = Number(process.argv[2] ?? 500);
const total = Number(process.argv[3] ?? 300_000);

/** Just enough of a `ws` WebSocket for MemberSocket. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent = 0;
  onSend: (() => void) | undefined;
  send(_text: string): void {
    this.sent++;
    this.onSend?.();
  }
  close(): void {
    this.readyState = 3;
  }
  terminate(): void {
    this.readyState = 3;
  }
  ping(): void {}
}

const config = configWith({ LOG_LEVEL: 'warn', MESSAGE_RATE_LIMIT: 1_000_000, MESSAGE_RATE_WINDOW_SECONDS: 1, ROOM_TTL_SECONDS: 3600 });
const server = await buildServer(config, { logger: false });
const deps: MemberSocketDeps = {
  service: server.service,
  hub: server.hub,
  store: server.engine.store,
  clockNow: () => server.engine.clock.now(),
  rateLimiter: server.engine.createRateLimiter({ keyPrefix: 'bench', points: config.MESSAGE_RATE_LIMIT, durationSeconds: config.MESSAGE_RATE_WINDOW_SECONDS }),
  clientReads: new ClientReadBudget(
    server.engine.createRateLimiter({ keyPrefix: 'bench:read', points: 1_000_000, durationSeconds: config.MESSAGE_RATE_WINDOW_SECONDS }),
    server.metrics,
  ),
  metrics: server.metrics,
  historyLimit: config.HISTORY_LIMIT,
  rateLimitStrikes: config.RATE_LIMIT_STRIKES,
  maxSocketsPerMember: config.MAX_SOCKETS_PER_MEMBER,
  sendBufferLimitBytes: config.SEND_BUFFER_LIMIT_BYTES,
  maxFramesInFlight: config.MESSAGE_RATE_LIMIT,
};

interface Pair {
  a: FakeSocket;
  b: FakeSocket;
}
const pairs: Pair[] = [];
let connection = 0;
for (let r = 0; r < rooms; r++) {
  const { roomId } = await server.service.createRoom({});
  const pair: Partial<Pair> = {};
  for (const side of ['a', 'b'] as const) {
    const token = `${side}${r}`.padEnd(43, 'x');
    await server.service.join(roomId, token);
    const member: Member = await server.service.authenticate(roomId, token);
    const ws = new FakeSocket();
    new MemberSocket(ws as unknown as WebSocket, `bench.${connection++}`, member, 0, '127.0.0.1', deps, server.app.log);
    pair[side] = ws;
  }
  pairs.push(pair as Pair);
}
await new Promise((resolve) => setTimeout(resolve, 100));

const body = 'x'.repeat(64);
// Ids shaped like the web client's (randomUUID()), as bench/generator.ts sends them.
const ID_PREFIX = '2f0c1a52-8d7e-4b9a-a1c3-';
let delivered = 0;
let expected = 0;
let wake: (() => void) | undefined;
for (const pair of pairs) {
  for (const ws of [pair.a, pair.b]) {
    ws.onSend = () => {
      if (++delivered >= expected) wake?.();
    };
  }
}

async function burst(count: number, counter: number): Promise<void> {
  delivered = 0;
  expected = count * 2; // the other member's message and the sender's ack
  const done = new Promise<void>((resolve) => (wake = resolve));
  for (let i = 0; i < count; i++) {
    const pair = pairs[i % pairs.length]!;
    const sender = (counter + i) % 2 === 0 ? pair.a : pair.b;
    sender.emit("message", Buffer.from(`{"type":"send","id":"${ID_PREFIX}${(counter + i).toString(16).padStart(12, "0")}","body":"${body}"}`), false);
  }
  await done;
}

const burstSize = 200;
for (let i = 0; i < 20_000; i += burstSize) await burst(burstSize, i); // warm-up
const start = process.cpuUsage();
const wallStart = performance.now();
for (let i = 0; i < total; i += burstSize) await burst(burstSize, 1_000_000 + i);
const cpu = process.cpuUsage(start);
const wall = performance.now() - wallStart;
process.stdout.write(
  `${total} messages in ${rooms} rooms: ${(((cpu.user + cpu.system) / total)).toFixed(2)} µs CPU per message ` +
    `(${(wall * 1000 / total).toFixed(2)} µs wall), bursts of ${burstSize}\n`,
);
await server.close(100);
process.exit(0);
