/**
 * Starts and stops what the benchmark measures, each as its own child process
 * on a free loopback port: the minimal relay (bench/relay.ts), Hush in memory
 * mode, and Hush on its own redis-server (never the shared one on 6379), with
 * one or two instances. Hush runs from a private build of src/server
 * (node_modules/.cache/hush-bench/dist) so the benchmark never writes the
 * repository's dist/ that other work may be using.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { sourcesChanged } from '../scripts/build-freshness.mjs';
import { freePort } from '../test/support/free-port.js';
import type { Endpoint } from './ipc.js';
import { openFileLimit } from './proc-stats.js';

export const TARGET_NAMES = ['relay', 'memory', 'redis1', 'redis2', 'socketio', 'socketio-redis'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export const TARGET_LABELS: Record<TargetName, string> = {
  relay: 'ws relay (ceiling)',
  memory: 'Hush, memory',
  redis1: 'Hush + Redis, 1 instance',
  redis2: 'Hush + Redis, 2 instances',
  socketio: 'Socket.IO chat (reference)',
  'socketio-redis': 'Socket.IO chat + Redis adapter (reference)',
};

/** Targets that are not Hush: the ceiling and reference points from the field (bench/socketio-chat.ts, alone and on Redis). */
export const REFERENCE_TARGETS: ReadonlySet<TargetName> = new Set(['relay', 'socketio', 'socketio-redis']);

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUILD_ROOT = join(REPO_ROOT, 'node_modules/.cache/hush-bench');
const BUILD_DIR = join(BUILD_ROOT, 'dist');
const HUSH_ENTRY = join(BUILD_DIR, 'server/main.js');
const RELAY_ENTRY = join(REPO_ROOT, 'bench/relay.ts');
const SOCKETIO_ENTRY = join(REPO_ROOT, 'bench/socketio-chat.ts');

/**
 * The settings every Hush target runs with. The rate limits are raised so
 * they do not throttle the load (the limiter still runs on every frame);
 * everything else — validation, history (HISTORY_LIMIT 500), idempotency,
 * ordering, acks — stays at its default.
 */
export const HUSH_BENCH_ENV: Readonly<Record<string, string>> = {
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  LOG_FORMAT: 'json',
  MESSAGE_RATE_LIMIT: '1000000',
  MESSAGE_RATE_WINDOW_SECONDS: '1',
  ROOM_CREATE_LIMIT: '1000000',
  API_REQUEST_LIMIT: '1000000',
  // Every generated client comes from 127.0.0.1 (10,000 of them in the idle scenario).
  MAX_CONNECTIONS_PER_CLIENT: '1000000',
  CLIENT_READ_LIMIT_KIB: '1000000000',
  // The longest lifetime: in an interleaved ramp a target's rooms live through every target's steps.
  ROOM_TTL_SECONDS: '86400',
  SHUTDOWN_TIMEOUT_MS: '1000',
};

// ------------------------------------------------------------------ processes

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly exited: boolean;
  /** The last few KiB of its stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Open files the process will need; it is started under `ulimit -n` when the inherited soft limit is lower. */
  openFiles?: number;
  /** Called with every whole line the process writes to stdout or stderr. */
  onLine?: (line: string) => void;
}

export function spawnManaged(name: string, command: string, args: string[], options: SpawnOptions = {}): ManagedProcess {
  let file = command;
  let argv = args;
  const limit = openFileLimit();
  if (options.openFiles && options.openFiles > limit.soft) {
    if (options.openFiles > limit.hard) {
      process.stderr.write(`bench: ${name} needs ${options.openFiles} open files but the hard limit is ${limit.hard}; it may fail\n`);
    }
    const wanted = Math.min(options.openFiles, limit.hard);
    // exec keeps the pid, so CPU and memory are still read from the server itself.
    file = '/bin/sh';
    argv = ['-c', `ulimit -n ${wanted} && exec "$0" "$@"`, command, ...args];
  }
  const child = spawn(file, argv, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  running.add(child);
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-8192);
  };
  // BENCH_SERVER_OUTPUT=DIR keeps every process's whole output (say, a server's --trace-gc) in DIR/<name>-<pid>.log.
  const outputDir = process.env.BENCH_SERVER_OUTPUT;
  const whole = outputDir ? createWriteStream(join(outputDir, `${name}-${child.pid}.log`)) : undefined;
  // First line: the command and the environment it was given on top of the bench's own (a --variant's settings among them).
  whole?.write(`# ${command} ${args.join(' ')} ${JSON.stringify(options.env ?? {})}\n`);
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const { onLine } = options;
  if (onLine) {
    // Each stream keeps its own unfinished last line.
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream?.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop()!;
        for (const line of lines) onLine(line);
      });
    }
  }
  if (whole) {
    child.stdout?.pipe(whole, { end: false });
    child.stderr?.pipe(whole, { end: false });
    // Both pipes feed one file: it ends when the process's output has (after 'exit', stdio closes).
    child.once('close', () => whole.end());
  }
  let exited = false;
  const exit = new Promise<void>((done) =>
    child.once('exit', () => {
      exited = true;
      running.delete(child);
      done();
    }),
  );
  const pid = child.pid;
  return {
    name,
    pid,
    get exited() {
      return exited;
    },
    output: () => tail,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((done) => {
    const request = http.get(url, { timeout: 1000 }, (response) => {
      response.resume();
      done(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => done(false));
  });
}

async function waitUntil(what: ManagedProcess, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (what.exited) throw new Error(`${what.name} exited during start-up: ${lastLines(what.output())}`);
    if (await check()) return;
    await sleep(100);
  }
  await what.stop();
  throw new Error(`${what.name} did not become ready within ${timeoutMs} ms: ${lastLines(what.output())}`);
}

function lastLines(text: string): string {
  const lines = text.trim().split('\n').filter(Boolean);
  return lines.slice(-3).join(' | ') || '(no output)';
}

// ------------------------------------------------------------------ builds

/** Compiles src/server into the private build unless it is newer than the sources. */
export function ensureHushBuild(log: (line: string) => void): void {
  if (existsSync(HUSH_ENTRY) && !sourcesChanged(BUILD_DIR, [join(REPO_ROOT, 'src/server'), join(REPO_ROOT, 'src/shared')])) return;
  log(`building the server into ${BUILD_DIR} …`);
  mkdirSync(BUILD_DIR, { recursive: true });
  // Inside node_modules, Node stops looking for the repository's package.json, so the build says it is ESM itself.
  writeFileSync(join(BUILD_DIR, 'package.json'), '{ "type": "module" }\n');
  try {
    execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.server.json', '--outDir', BUILD_DIR], {
      cwd: REPO_ROOT,
      stdio: 'pipe',
    });
  } catch (error) {
    // tsc still emits on type errors (in-progress work elsewhere); use the output if there is one.
    const output = (error as { stdout?: Buffer }).stdout?.toString() ?? '';
    if (!existsSync(HUSH_ENTRY)) throw new Error(`server build failed: ${output.slice(0, 2000)}`);
    log(`warning: tsc reported errors, benchmarking what it emitted:\n${output.split('\n').slice(0, 5).join('\n')}`);
  }
}

/**
 * Builds the server as it was at git revision `rev` into its own directory
 * (for A/B runs of bench/steady.ts against the working tree); returns its entry
 * point. Built once per commit; uses the repository's node_modules.
 */
export function buildHushRevision(rev: string, log: (line: string) => void): string {
  const commit = execFileSync('git', ['rev-parse', '--short', rev], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  const root = join(BUILD_ROOT, `rev-${commit}`);
  const entry = join(root, 'dist/server/main.js');
  if (existsSync(entry)) return entry;
  log(`building the server of ${rev} (${commit}) into ${root} …`);
  mkdirSync(root, { recursive: true });
  execFileSync('sh', ['-c', `git archive ${commit} src tsconfig.json tsconfig.server.json | tar -x -C "${root}"`], { cwd: REPO_ROOT });
  writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
  execFileSync('ln', ['-sfn', join(REPO_ROOT, 'node_modules'), join(root, 'node_modules')]);
  try {
    execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.server.json', '--outDir', join(root, 'dist')], { cwd: root, stdio: 'pipe' });
  } catch (error) {
    if (!existsSync(entry)) throw new Error(`build of ${rev} failed: ${String((error as { stdout?: Buffer }).stdout ?? error).slice(0, 2000)}`);
  }
  writeFileSync(join(root, 'dist/package.json'), '{ "type": "module" }\n');
  return entry;
}

// ------------------------------------------------------------------ servers

function endpointAt(port: number): Endpoint {
  return { http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}` };
}

export interface ServerProcess {
  process: ManagedProcess;
  endpoint: Endpoint;
}

/** The relay or the Socket.IO chat: one process running a bench/ file. */
async function startReference(name: 'relay' | 'socketio', openFiles?: number, nodeArgs: string[] = [], redisUrl?: string): Promise<ServerProcess> {
  const port = await freePort();
  const entry = name === 'relay' ? RELAY_ENTRY : SOCKETIO_ENTRY;
  const child = spawnManaged(name, process.execPath, [...nodeArgs, '--import', 'tsx', entry], {
    env: { PORT: String(port), HOST: '127.0.0.1', ...(redisUrl ? { REDIS_URL: redisUrl } : {}) },
    ...(openFiles ? { openFiles } : {}),
  });
  const endpoint: Endpoint = name === 'socketio' ? { ...endpointAt(port), dialect: 'socketio' } : endpointAt(port);
  await waitUntil(child, () => httpOk(`${endpoint.http}/healthz`));
  return { process: child, endpoint };
}

export async function startHush(
  name: string,
  env: Record<string, string> = {},
  openFiles?: number,
  nodeArgs: string[] = [],
  entry = HUSH_ENTRY,
  onLine?: (line: string) => void,
): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawnManaged(name, process.execPath, [...nodeArgs, entry], {
    // Run outside the repository so a developer's .env cannot change what is measured.
    cwd: dirname(entry),
    env: { ...HUSH_BENCH_ENV, ...env, PORT: String(port) },
    ...(openFiles ? { openFiles } : {}),
    ...(onLine ? { onLine } : {}),
  });
  const endpoint = endpointAt(port);
  await waitUntil(child, () => httpOk(`${endpoint.http}/healthz`));
  return { process: child, endpoint };
}

/** One RESP command over a fresh connection; resolves with the raw reply. */
export function redisCommand(port: number, ...args: string[]): Promise<string> {
  return new Promise((done, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    socket.setTimeout(2000, () => socket.destroy(new Error('redis command timed out')));
    socket.on('connect', () => socket.write(`*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      // Simple and bulk replies of the commands used here end with CRLF once complete.
      const bulk = /^\$(\d+)\r\n/.exec(reply);
      if (!bulk ? reply.endsWith('\r\n') : reply.length >= bulk[0].length + Number(bulk[1]) + 2) {
        socket.end();
        done(bulk ? reply.slice(bulk[0].length, bulk[0].length + Number(bulk[1])) : reply.trim());
      }
    });
    socket.on('error', reject);
  });
}

export interface RedisProcess {
  process: ManagedProcess;
  port: number;
  url: string;
}

export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort();
  const child = spawnManaged('redis-server', 'redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning', '--daemonize', 'no',
  ]);
  await waitUntil(child, () => redisCommand(port, 'PING').then((reply) => reply === '+PONG', () => false), 10_000);
  return { process: child, port, url: `redis://127.0.0.1:${port}` };
}

// ------------------------------------------------------------------ targets

export interface RunningTarget {
  name: TargetName;
  /** One per server instance; redis2 has two. */
  endpoints: Endpoint[];
  /** The relay or the Hush instances. */
  serverPids: number[];
  /** redis-server, for Redis targets. */
  redisPid: number | undefined;
  /** [redisPid], or none: for CPU meters. */
  redisPids: number[];
  /** redis-server's port, for Redis targets. */
  redisPort?: number;
  /** Inspector port of the first server process, when asked for. */
  inspectPort: number | undefined;
  stop(): Promise<void>;
}

export interface TargetOptions {
  /** Open connections the target must hold (raises `ulimit -n` in the child if needed). */
  connections?: number;
  /** Extra Node.js options for the server processes (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Start the first server process with its V8 inspector on this loopback port (to force GC before reading RSS). */
  inspectPort?: number;
  /** Hush's entry point (default: the private build of the working tree; see buildHushRevision). */
  entry?: string;
  /** Called with every line a Hush server process of the target writes (not the relay's, Socket.IO's or redis-server's). */
  onHushLine?: (line: string) => void;
  /** Extra environment of the Hush processes (settings to compare). */
  env?: Record<string, string>;
}

export async function startTarget(name: TargetName, options: TargetOptions = {}): Promise<RunningTarget> {
  const openFiles = options.connections ? options.connections + 1024 : undefined;
  const nodeArgs = options.nodeArgs ?? [];
  const { inspectPort } = options;
  const firstArgs = inspectPort ? [...nodeArgs, `--inspect=127.0.0.1:${inspectPort}`] : nodeArgs;
  if (name === 'relay' || name === 'socketio') {
    const reference = await startReference(name, openFiles, firstArgs);
    return { name, endpoints: [reference.endpoint], serverPids: [reference.process.pid], redisPid: undefined, redisPids: [], inspectPort, stop: () => reference.process.stop() };
  }
  if (name === 'memory') {
    const hush = await startHush('hush (memory)', { ...options.env }, openFiles, firstArgs, options.entry, options.onHushLine);
    return { name, endpoints: [hush.endpoint], serverPids: [hush.process.pid], redisPid: undefined, redisPids: [], inspectPort, stop: () => hush.process.stop() };
  }
  const redis = await startRedis();
  const instances: ServerProcess[] = [];
  try {
    if (name === 'socketio-redis') {
      instances.push(await startReference('socketio', openFiles, firstArgs, redis.url));
    } else {
      for (let i = 0; i < (name === 'redis2' ? 2 : 1); i++) {
        const env = { ...options.env, REDIS_URL: redis.url };
        instances.push(await startHush(`hush (redis #${i + 1})`, env, openFiles, i === 0 ? firstArgs : nodeArgs, options.entry, options.onHushLine));
      }
    }
  } catch (error) {
    await Promise.all(instances.map((instance) => instance.process.stop()));
    await redis.process.stop();
    throw error;
  }
  return {
    name,
    endpoints: instances.map((instance) => instance.endpoint),
    serverPids: instances.map((instance) => instance.process.pid),
    redisPid: redis.process.pid,
    redisPids: [redis.process.pid],
    redisPort: redis.port,
    inspectPort,
    async stop() {
      await Promise.all(instances.map((instance) => instance.process.stop()));
      await redis.process.stop();
    },
  };
}

export function redisServerVersion(): string {
  try {
    const text = execFileSync('redis-server', ['--version'], { encoding: 'utf8' });
    return /v=(\S+)/.exec(text)?.[1] ?? text.trim();
  } catch {
    return 'not installed';
  }
}
