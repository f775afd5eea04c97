/**
 * Throw-away Redis servers for tests: a `redis-server` (or a 3-master cluster
 * of them) on free loopback ports, keeping nothing on disk, which a test may
 * kill and restart on the same port. Never the shared Redis on 6379. Every
 * wait is bounded; every process is killed at the latest when the test
 * process exits.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './hush-process.js';

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function which(binary: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() || undefined : undefined;
}

const REDIS_SERVER = which('redis-server');
const REDIS_CLI = which('redis-cli');

/** Why Redis tests cannot run here, or undefined if they can. */
export const redisSkipReason: string | undefined = !REDIS_SERVER
  ? 'redis-server is not installed (apt-get install redis-server); the Redis engine was NOT tested'
  : undefined;

/** Why cluster tests cannot run here (they also need redis-cli to create the cluster). */
export const clusterSkipReason: string | undefined =
  redisSkipReason ?? (!REDIS_CLI ? 'redis-cli is not installed; the Redis Cluster mode was NOT tested' : undefined);

export class RedisServer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private constructor(
    readonly port: number,
    /** The server's working directory (where it would write RDB/AOF files, if it wrote any). */
    readonly dir: string,
    private readonly extraArgs: string[],
    private readonly configFile: string | undefined,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * Starts a redis-server on a free loopback port and waits until it answers PING.
   * Without `configFile` it keeps nothing on disk by command-line flags; with one
   * (e.g. deploy/redis.conf), that file decides, only port, bind and dir overridden.
   */
  static async start(extraArgs: string[] = [], configFile?: string): Promise<RedisServer> {
    if (!REDIS_SERVER) throw new Error(redisSkipReason);
    const server = new RedisServer(await freePort(), mkdtempSync(join(tmpdir(), 'hush-redis-')), extraArgs, configFile);
    await server.restart();
    return server;
  }

  /** (Re)starts the server on the same port; resolves once it answers. */
  async restart(): Promise<void> {
    if (this.child) throw new Error('redis-server is already running');
    const persistence = this.configFile ? [] : ['--save', '', '--appendonly', 'no'];
    const child = spawn(
      REDIS_SERVER!,
      [...(this.configFile ? [this.configFile] : []), '--port', String(this.port), '--bind', '127.0.0.1', ...persistence, '--dir', this.dir, '--loglevel', 'warning', ...this.extraArgs],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    running.add(child);
    this.child = child;
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        running.delete(child);
        if (this.child === child) this.child = undefined;
        resolve();
      }),
    );
    try {
      await waitFor(() => ping(this.port), 5000, `redis-server on port ${this.port}`);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${stderr}`);
    }
  }

  /** Kills the server at once (SIGKILL): clients see the connection drop, all data is gone. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await withTimeout(this.exited, 5000, 'redis-server exit');
  }

  /** Stops the server's process (SIGSTOP): its connections stay open, but nothing is answered until thaw(). */
  freeze(): void {
    if (!this.child?.kill('SIGSTOP')) throw new Error('redis-server is not running');
  }

  /** Lets a frozen server go on (SIGCONT), with its data and connections as they were. */
  thaw(): void {
    if (!this.child?.kill('SIGCONT')) throw new Error('redis-server is not running');
  }

  /** Asks the server to shut down the way an operator's `redis-cli shutdown` does (no forced save). */
  async shutdown(): Promise<void> {
    const client = new Redis(this.port, '127.0.0.1', { retryStrategy: () => null });
    client.on('error', () => undefined);
    await client.call('SHUTDOWN').catch(() => undefined); // the connection drops instead of a reply
    client.disconnect();
    await withTimeout(this.exited, 5000, 'redis-server shutdown');
  }

  /** A fresh client on this server, for a test's own reads. */
  client(): Redis {
    const client = new Redis(this.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    client.on('error', () => undefined); // a test that kills the server expects its clients to lose it
    return client;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class RedisCluster {
  private constructor(readonly masters: RedisServer[]) {}

  /** `REDIS_CLUSTER_NODES` for this cluster. */
  get nodes(): string {
    return this.masters.map((server) => `127.0.0.1:${server.port}`).join(',');
  }

  /** Starts `size` masters with cluster mode on, joins them with redis-cli and waits for cluster_state:ok. */
  static async start(size = 3): Promise<RedisCluster> {
    if (clusterSkipReason) throw new Error(clusterSkipReason);
    const masters: RedisServer[] = [];
    const cluster = new RedisCluster(masters);
    try {
      for (let i = 0; i < size; i++) {
        // A per-node config file in the node's own temp dir; short timeouts, nothing persisted.
        masters.push(await RedisServer.start(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000']));
      }
      const create = spawnSync(
        REDIS_CLI!,
        ['--cluster', 'create', ...masters.map((server) => `127.0.0.1:${server.port}`), '--cluster-replicas', '0', '--cluster-yes'],
        { encoding: 'utf8', timeout: 20_000 },
      );
      if (create.status !== 0) throw new Error(`redis-cli --cluster create failed (${create.status}): ${create.stdout}\n${create.stderr}`);
      await waitFor(async () => (await Promise.all(masters.map((server) => clusterOk(server.port)))).every(Boolean), 15_000, 'cluster_state:ok');
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** A client of every master, for scans across the cluster. */
  clients(): Redis[] {
    return this.masters.map((server) => server.client());
  }

  async stop(): Promise<void> {
    await Promise.all(this.masters.map((server) => server.stop()));
  }
}

async function ping(port: number): Promise<boolean> {
  const client = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 500 });
  // A server started with --requirepass answers NOAUTH, and answering is all "up" means here.
  let answered = false;
  client.on('error', (error: Error) => (answered ||= error.message.startsWith('NOAUTH')));
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return answered;
  } finally {
    client.disconnect();
  }
}

async function clusterOk(port: number): Promise<boolean> {
  const client = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 500 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const info = String(await client.call('CLUSTER', 'INFO'));
    return info.includes('cluster_state:ok');
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every key of a Redis (or of every master of a cluster) matching `pattern`, by SCAN. */
export async function scanKeys(clients: Redis[], pattern: string): Promise<string[]> {
  const keys: string[] = [];
  for (const client of clients) {
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
  }
  return keys;
}
