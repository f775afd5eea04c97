/**
 * The idle scenario: N open member connections (N/2 rooms of two), no
 * traffic. Reports the server's RSS per connection: VmRSS after connecting
 * minus VmRSS once the rooms and seats exist but no socket is open, divided by
 * the open sockets; the figure including the rooms' own memory is reported
 * beside it. Before each reading the server is made to collect its garbage
 * (through its inspector), so the figures hold live memory, not garbage left
 * by the HTTP and WebSocket handshakes. Also counts every failure and
 * unexpected close (target: none), and the longest event-loop stall during the
 * hold (from the server's `/metrics`), while Hush pings every idle socket each
 * IDLE_PING_INTERVAL_MS: what a heartbeat costs the others at scale.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from '../context.js';
import { connectInspector, type Inspector } from '../inspector.js';
import type { StatusResult } from '../ipc.js';
import { openFileLimit, rssKiB } from '../proc-stats.js';
import { readPauses } from '../server-pauses.js';
import type { RunningTarget } from '../targets.js';

/** Hush's ping interval in this scenario (30 s by default): short, so that the hold sees several rounds of pings. */
export const IDLE_PING_INTERVAL_MS = 1000;

export interface IdleResult {
  target: string;
  connections: number;
  rooms: number;
  open: number;
  errors: number;
  firstError?: string;
  /** KiB: before any room, after rooms and seats, after connecting. */
  rssStartKiB: number;
  rssRoomsKiB: number;
  rssConnectedKiB: number;
  kibPerConnection: number;
  /** Including the rooms' and seats' memory (from the very start). */
  kibPerConnectionWithRooms: number;
  redisKibPerConnection: number | null;
  connectMs: number;
  serverOpenFileLimit: number;
  /** Longest event-loop stall of the server during the hold, ms (read from its /metrics; null in results written before the relay had one). */
  maxLoopStallMs: number | null;
}

export async function runIdle(ctx: BenchContext, target: RunningTarget): Promise<IdleResult> {
  const gc = target.inspectPort ? await connectInspector(target.inspectPort) : undefined;
  try {
    return await measureIdle(ctx, target, gc);
  } finally {
    gc?.close();
  }
}

async function measureIdle(ctx: BenchContext, target: RunningTarget, gc: Inspector | undefined): Promise<IdleResult> {
  const { options, pool, log } = ctx;
  const endpoint = target.endpoints[0]!;
  const serverPid = target.serverPids[0]!;
  const redisRss = () => (target.redisPid ? rssKiB(target.redisPid) : 0);
  const settledRss = async () => {
    await gc?.collectGarbage();
    await sleep(200);
    return rssKiB(serverPid);
  };
  await sleep(1000);
  const rssStartKiB = await settledRss();
  const rooms = options.idleConnections / 2;
  const prepared = await pool.addRooms(target.name, rooms, { create: endpoint, a: endpoint, b: endpoint });
  await sleep(1000);
  const rssRoomsKiB = await settledRss();
  const redisBefore = redisRss();
  const connectStart = Date.now();
  const connected = await pool.connectAll();
  const connectMs = Date.now() - connectStart;
  // Reading the gauge resets it: the second reading covers the hold alone. (The relay sends no pings: its figure is the floor.)
  await readPauses(endpoint.http);
  await sleep(options.idleHoldMs);
  const stallMs = (await readPauses(endpoint.http)).loopStallMs;
  const statuses = await pool.all<StatusResult>(() => ({ type: 'status' }));
  const rssConnectedKiB = await settledRss();
  const redisAfter = redisRss();
  const open = statuses.reduce((sum, status) => sum + status.open, 0);
  const errors =
    prepared.failures * 2 + connected.failures + statuses.reduce((sum, status) => sum + status.unexpectedCloses + status.errorFrames, 0);
  const firstError = prepared.firstError ?? connected.firstError ?? statuses.find((status) => status.firstError)?.firstError;
  const result: IdleResult = {
    target: target.name,
    connections: options.idleConnections,
    rooms,
    open,
    errors,
    rssStartKiB,
    rssRoomsKiB,
    rssConnectedKiB,
    kibPerConnection: open > 0 ? (rssConnectedKiB - rssRoomsKiB) / open : Number.NaN,
    kibPerConnectionWithRooms: open > 0 ? (rssConnectedKiB - rssStartKiB) / open : Number.NaN,
    redisKibPerConnection: target.redisPid && open > 0 ? (redisAfter - redisBefore) / open : null,
    connectMs,
    serverOpenFileLimit: openFileLimit(serverPid).soft,
    maxLoopStallMs: stallMs,
  };
  if (firstError) result.firstError = firstError;
  log(
    `  ${target.name.padEnd(7)} idle: ${open}/${options.idleConnections} open in ${connectMs} ms, ${errors} errors, ` +
      `RSS ${rssStartKiB} → ${rssRoomsKiB} (rooms) → ${rssConnectedKiB} KiB (connected): ${result.kibPerConnection.toFixed(2)} KiB/connection` +
      `, longest event-loop stall ${stallMs.toFixed(1)} ms`,
  );
  return result;
}
