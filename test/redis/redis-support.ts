/**
 * Helpers for the Redis-specific tests: an in-process Hush on a Redis engine
 * built by the test (to inject a skewed clock or short leases), a cuttable TCP
 * proxy to simulate a network partition between one instance and Redis, and
 * type-aware reads of every key for the "what is in Redis" tests.
 */
import net from 'node:net';
import type { Redis } from 'ioredis';
import { createRedisEngine, type RedisEngine, type RedisEngineOptions } from '../../src/server/store/redis/redis-engine.js';
import { startHush, type RunningHush, type Settings } from '../support/hush-instance.js';

export const RELAXED: Settings = { ROOM_TTL_MIN_SECONDS: 1, MESSAGE_RATE_LIMIT: 100_000, ROOM_CREATE_LIMIT: 100_000, API_REQUEST_LIMIT: 100_000 };

export interface RedisHush extends RunningHush {
  engine: RedisEngine;
}

/** A Hush server in this process on a Redis engine the test configures; logs are kept in `logs`. */
export async function startRedisHush(settings: Settings, engineOptions: RedisEngineOptions = {}): Promise<RedisHush> {
  let engine: RedisEngine | undefined;
  const hush = await startHush({ ...RELAXED, ...settings }, async (config, logger) => {
    engine = await createRedisEngine(config, logger, { startupTimeoutMs: 5000, ...engineOptions });
    return engine;
  });
  return { ...hush, engine: engine! };
}

/** Every key with its type, TTL, absolute expiry and content as text. */
export interface KeyDump {
  key: string;
  type: string;
  pttl: number;
  expireAt: number;
  content: string;
}

export async function dumpKeys(client: Redis, keys: string[]): Promise<KeyDump[]> {
  const dumps: KeyDump[] = [];
  for (const key of keys) {
    const type = await client.type(key);
    let content: unknown;
    if (type === 'string') content = await client.get(key);
    else if (type === 'hash') content = await client.hgetall(key);
    else if (type === 'list') content = await client.lrange(key, 0, -1);
    else if (type === 'zset') content = await client.call('ZRANGE', key, '0', '-1', 'WITHSCORES');
    else if (type === 'set') content = await client.smembers(key);
    else content = (await client.dumpBuffer(key))?.toString('latin1');
    dumps.push({
      key,
      type,
      pttl: await client.pttl(key),
      expireAt: Number(await client.call('PEXPIRETIME', key)),
      content: JSON.stringify(content),
    });
  }
  return dumps;
}

/**
 * A TCP proxy in front of Redis that a test can cut (every connection dropped,
 * new ones refused) and heal, like a network partition between one instance
 * and Redis while Redis itself and the other instances carry on.
 */
export class CuttableProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    readonly port: number,
    private readonly targetPort: number,
  ) {}

  static async start(targetPort: number): Promise<CuttableProxy> {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const proxy = new CuttableProxy(port, targetPort);
    await proxy.heal();
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async heal(): Promise<void> {
    if (this.server) return;
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}
