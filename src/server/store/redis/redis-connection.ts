/**
 * Opens this instance's Redis connections from the config: one Redis
 * (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES). On one Redis, a single
 * RESP3 connection carries everything: scripts, publishes, rate limits and the
 * room subscriptions (RESP3 lets a subscribed connection run commands). A send
 * then costs one write and one read: Redis answers the append script and pushes
 * the message it published on the same connection, in the same reply batch. In
 * cluster mode there is the cluster's command connection per node and its
 * sharded subscribers (one connection per master that owns a subscribed slot).
 * Every command fails fast when Redis is
 * unreachable — no offline queue, no retries, a command timeout, and a
 * connection that sent nothing back for as long while commands waited is
 * dropped — so a request gets a 503 instead of hanging. Used by redis-engine.ts.
 */
import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';
import type { Config } from '../../config.js';
import { HUSH_SCRIPTS, type HushScriptCommands } from './redis-scripts.js';

export type RedisClient = (Redis | Cluster) & HushScriptCommands;

export interface RedisTuning {
  /** A command without a reply after this long fails, and a connection silent for this long while commands wait is dropped; the requests get a 503. */
  commandTimeoutMs: number;
  /** How long one connection attempt may take. */
  connectTimeoutMs: number;
}

export const DEFAULT_TUNING: RedisTuning = { commandTimeoutMs: 2000, connectTimeoutMs: 2000 };

export interface RedisConnections {
  readonly mode: 'standalone' | 'cluster';
  /** Commands, scripts, publishes and rate limits. */
  readonly client: RedisClient;
  /** Where subscriptions live: the same connection as `client` on one Redis, or the cluster (its sharded subscribers). */
  readonly subscriber: Redis | Cluster;
  /** host:port of the Redis (or seed nodes), without credentials, for log lines. */
  readonly description: string;
  /** Resolves once commands can be served; rejects after `timeoutMs`. */
  ready(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Reconnect quickly at first, then every second, forever: Redis may come back at any time. */
const reconnectDelay = (attempt: number) => Math.min(100 * attempt, 1000);

function failFast(tuning: RedisTuning): Partial<RedisOptions> {
  return {
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // A command fails after this long whatever happens to it (a cluster retries a command whose node
    // connection closed: this bounds the retries too)…
    commandTimeout: tuning.commandTimeoutMs,
    // …and a connection that sends nothing back for as long while commands wait (a hung Redis, a path
    // that drops packets) is dropped, failing every command on it, so that later requests are refused
    // at once while ioredis reconnects instead of each waiting out its own timeout on it.
    socketTimeout: tuning.commandTimeoutMs,
    connectTimeout: tuning.connectTimeoutMs,
  };
}

export function openRedis(config: Pick<Config, 'REDIS_URL' | 'REDIS_CLUSTER_NODES'>, tuning: RedisTuning = DEFAULT_TUNING): RedisConnections {
  if (config.REDIS_CLUSTER_NODES) return openCluster(config.REDIS_CLUSTER_NODES, tuning);
  if (config.REDIS_URL) return openStandalone(config.REDIS_URL, tuning);
  throw new Error('openRedis: neither REDIS_URL nor REDIS_CLUSTER_NODES is set');
}

function openStandalone(url: string, tuning: RedisTuning): RedisConnections {
  const client = new Redis(url, {
    ...failFast(tuning),
    enableOfflineQueue: false,
    retryStrategy: reconnectDelay,
    // Commands while subscribed need RESP3; a Redis older than 6 cannot serve Hush.
    protocol: 3,
    // Off: ioredis's auto-pipelining builds a Pipeline object per event-loop turn, which at a few sends
    // per turn doubles the client's CPU per command (48 → 24 µs with one command in flight, measured
    // here). The hot path batches by itself: a turn's sends are one script call (RedisRoomStore).
    enableAutoPipelining: false,
    // Subscriptions are restored by RedisRoomBus itself after a reconnect, from the rooms it still holds.
    autoResubscribe: false,
    connectionName: 'hush',
    scripts: HUSH_SCRIPTS,
    // A failover that demotes this Redis leaves the connection open, answering every write READONLY
    // (inside a script's error text on Redis 6): reconnect, so that an address that now leads to the
    // new primary (DNS, a proxy) is followed.
    reconnectOnError: (error) => (error.message.includes('READONLY') ? 1 : false),
  }) as Redis & HushScriptCommands;
  const { hostname, port } = new URL(url);
  return {
    mode: 'standalone',
    client,
    subscriber: client,
    description: `${hostname}:${port || 6379}`,
    ready: (timeoutMs) => untilReady(client, timeoutMs),
    close: () => quit(client),
  };
}

interface ClusterSeed {
  nodes: ClusterNode[];
  username: string | undefined;
  password: string | undefined;
  tls: boolean;
}

/** Parses `host:port,redis://user:pass@host:port,…`; credentials and TLS of any item apply to all nodes. */
export function parseClusterNodes(text: string): ClusterSeed {
  const seed: ClusterSeed = { nodes: [], username: undefined, password: undefined, tls: false };
  for (const item of text.split(',').map((part) => part.trim()).filter(Boolean)) {
    const url = new URL(item.includes('://') ? item : `redis://${item}`);
    const port = Number(url.port);
    if (!url.hostname || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`REDIS_CLUSTER_NODES: bad node "${item}"`);
    seed.nodes.push({ host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port });
    if (url.username) seed.username = decodeURIComponent(url.username);
    if (url.password) seed.password = decodeURIComponent(url.password);
    if (url.protocol === 'rediss:') seed.tls = true;
  }
  if (seed.nodes.length === 0) throw new Error('REDIS_CLUSTER_NODES: no node given');
  return seed;
}

function openCluster(text: string, tuning: RedisTuning): RedisConnections {
  const seed = parseClusterNodes(text);
  const cluster = new Cluster(seed.nodes, {
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    // ioredis 6 would auto-pipeline these onto a data connection instead of the sharded subscriber,
    // which then receives the channel's messages and drops them (no listener there).
    autoPipeliningIgnoredCommands: ['ssubscribe', 'sunsubscribe'],
    // SSUBSCRIBE goes to the master owning the channel's slot (the room's slot): traffic stays on its shard.
    shardedSubscribers: true,
    scripts: HUSH_SCRIPTS,
    clusterRetryStrategy: reconnectDelay,
    slotsRefreshTimeout: tuning.connectTimeoutMs,
    redisOptions: {
      ...failFast(tuning),
      connectionName: 'hush',
      ...(seed.username ? { username: seed.username } : {}),
      ...(seed.password ? { password: seed.password } : {}),
      ...(seed.tls ? { tls: {} } : {}),
    },
  }) as Cluster & HushScriptCommands;
  return {
    mode: 'cluster',
    client: cluster,
    subscriber: cluster,
    description: seed.nodes.map((node) => (typeof node === 'object' ? `${node.host}:${node.port}` : String(node))).join(','),
    ready: (timeoutMs) => untilReady(cluster, timeoutMs),
    close: () => quit(cluster),
  };
}

function untilReady(connection: Redis | Cluster, timeoutMs: number): Promise<void> {
  if (connection.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError: unknown;
    const settle = (error?: Error) => {
      clearTimeout(timer);
      connection.off('ready', onReady);
      connection.off('error', onError);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => settle();
    const onError = (error: unknown) => {
      lastError = error;
      // Credentials Redis refused will not get better by waiting: say so at once.
      if (error instanceof Error && REFUSED_CREDENTIALS.test(error.message)) settle(new Error(`Redis refused the credentials in REDIS_URL: ${error.message}`));
    };
    const timer = setTimeout(() => {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
      settle(new Error(`not ready within ${timeoutMs} ms${detail}`));
    }, timeoutMs);
    connection.once('ready', onReady);
    connection.on('error', onError);
  });
}

/** Redis's answers to a wrong password or user, or to none where one is required. */
const REFUSED_CREDENTIALS = /^(WRONGPASS|NOAUTH)\b|invalid (username-)?password/i;

/** QUIT (pending replies first), but never wait long for a Redis that is gone. */
async function quit(connection: Redis | Cluster): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([connection.quit(), new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
  } catch {
    // Already disconnected: nothing to say goodbye to.
  } finally {
    clearTimeout(timer);
    connection.disconnect();
  }
}
