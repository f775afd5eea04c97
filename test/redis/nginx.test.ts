/**
 * The documented deployment, for real: nginx (configured from deploy/nginx.conf,
 * only ports and scratch paths substituted) in front of two Hush processes and
 * one redis-server, all on free loopback ports. A conversation runs through
 * nginx; one instance is SIGKILLed mid-conversation; its clients reconnect
 * through nginx to the other and, resuming from their last seq and resending
 * what was not acknowledged, miss nothing and see nothing twice.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, ServerFrame } from '../../src/shared/protocol.js';
import { HttpClient } from '../support/http-client.js';
import { eventually, roomWithMembers, sleep, type Member, type RunningHush } from '../support/hush-instance.js';
import { freePort, startHushProcess, type HushProcess } from '../support/hush-process.js';
import { RedisServer, redisSkipReason } from '../support/redis-server.js';
import { TestSocket } from '../support/test-socket.js';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path)) ?? (spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).stdout.trim() || undefined);
const skipReason = redisSkipReason ?? (NGINX ? undefined : 'nginx is not installed (apt-get install nginx-light); the load-balanced deployment was NOT tested');
if (skipReason) console.warn(`[nginx] deployment tests SKIPPED: ${skipReason}`);
const suite = skipReason ? describe.skip : describe;

const DEPLOY_CONF = resolve(import.meta.dirname, '../../deploy/nginx.conf');

/**
 * deploy/nginx.conf with the test's ports: the upstream's server lines and the
 * listen port replaced, scratch paths added. Everything else — the location
 * block above all — is the shipped file, so this tests what operators run.
 */
function nginxConfigFor(listenPort: number, upstreamPorts: number[], scratch: string, connectionsPerAddress?: number): string {
  const shipped = readFileSync(DEPLOY_CONF, 'utf8');
  const serverLine = /^(\s*)server 127\.0\.0\.1:\d+( [^;]*)?;\n/gm;
  const lines = [...shipped.matchAll(serverLine)];
  const limitConn = /^(\s*limit_conn hush_per_address )\d+;/m;
  if (lines.length === 0 || !/\n\s*listen 8080;/.test(shipped) || !/^\s*access_log \/var\/log\/nginx\/hush-access\.log /m.test(shipped) || !limitConn.test(shipped)) {
    throw new Error('deploy/nginx.conf changed shape: update nginxConfigFor');
  }
  const indent = lines[0]![1]!;
  const options = lines[0]![2] ?? '';
  let first = true;
  const upstreams = upstreamPorts.map((port) => `${indent}server 127.0.0.1:${port}${options};\n`).join('');
  return shipped
    .replace(serverLine, () => {
      const replacement = first ? upstreams : '';
      first = false;
      return replacement;
    })
    .replace(/\n(\s*)listen 8080;/, `\n$1listen 127.0.0.1:${listenPort};`)
    .replace(/^worker_processes [^;]+;/m, 'worker_processes 1;')
    .replace(limitConn, (line, prefix: string) => (connectionsPerAddress === undefined ? line : `${prefix}${connectionsPerAddress};`))
    .replace(/^(\s*access_log )\/var\/log\/nginx\/hush-access\.log /m, `$1${join(scratch, 'access.log')} `)
    .replace(
      /^http \{\n/m,
      `http {\n${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `    ${kind}_temp_path ${join(scratch, kind)};\n`).join('')}`,
    );
}

class Nginx {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly scratch: string,
    readonly output: () => string,
  ) {}

  /** `connectionsPerAddress`: the shipped limit_conn replaced by this (the shipped one when not given). */
  static async start(upstreamPorts: number[], connectionsPerAddress?: number): Promise<Nginx> {
    const scratch = mkdtempSync(join(tmpdir(), 'hush-nginx-'));
    const port = await freePort();
    writeFileSync(join(scratch, 'nginx.conf'), nginxConfigFor(port, upstreamPorts, scratch, connectionsPerAddress));
    // Its own process group, so the master and its workers can be stopped together.
    const child = spawn(NGINX!, ['-p', scratch, '-c', join(scratch, 'nginx.conf'), '-g', `daemon off; pid ${join(scratch, 'nginx.pid')}; error_log stderr;`], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const nginx = new Nginx(child, port, scratch, () => output);
    try {
      await eventually(
        async () => {
          if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${output}`);
          return fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
        },
        10_000,
        'nginx answering',
      );
    } catch (error) {
      await nginx.stop();
      throw error;
    }
    return nginx;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Its access log so far (the shipped format, written to the scratch directory). */
  accessLog(): string {
    const file = join(this.scratch, 'access.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.pid) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      process.kill(-this.child.pid, 'SIGTERM');
      const timer = setTimeout(() => this.child.pid && process.kill(-this.child.pid, 'SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

/** A browser tab in a room, through nginx: reconnects when its socket drops, resumes from its last seq, resends what was not acked. */
class Tab {
  readonly sessions: TestSocket[] = [];
  private sent = 0;
  /** Every id this tab sent (including resends, once). */
  readonly ids = new Set<string>();
  reconnects = 0;
  /** Ids sent again after a reconnect because no ack came for them. */
  resent = 0;

  constructor(
    readonly name: string,
    private readonly member: Member,
    private readonly wsUrl: (after: number) => string,
  ) {}

  get socket(): TestSocket {
    return this.sessions[this.sessions.length - 1]!;
  }

  /** All frames of a type across sessions, in arrival order. */
  frames<T extends ServerFrame['type']>(type: T): Extract<ServerFrame, { type: T }>[] {
    return this.sessions.flatMap((session) => session.ofType(type));
  }

  /** Highest seq this tab has been sent (messages and acks arrive in seq order). */
  get lastSeq(): number {
    return Math.max(0, ...this.frames('message').map((m) => m.seq), ...this.frames('ack').map((a) => a.seq));
  }

  async open(): Promise<void> {
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        const socket = await TestSocket.open(this.wsUrl(this.lastSeq), { cookie: this.member.client.cookieHeader });
        await socket.next('welcome');
        const reconnecting = this.sessions.length > 0;
        this.sessions.push(socket);
        if (reconnecting) this.resendUnacked();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(100);
      }
    }
  }

  /** Sends a new message if the socket is open; reconnects if it dropped. */
  async step(): Promise<void> {
    if (this.socket.ws.readyState === this.socket.ws.OPEN) {
      const id = `${this.name}-${this.sent++}`;
      this.ids.add(id);
      this.socket.send({ type: 'send', id, body: `body of ${id}` });
    } else if (this.socket.ws.readyState === this.socket.ws.CLOSED) {
      this.reconnects++;
      await this.open();
    }
  }

  private resendUnacked(): void {
    const acked = new Set(this.frames('ack').map((ack) => ack.id));
    const seen = new Set(this.frames('message').map((m) => m.id));
    // Ids sent on the dead session without an ack: the instance may or may not have stored them.
    for (const id of this.ids) {
      if (acked.has(id) || seen.has(id)) continue;
      this.resent++;
      this.socket.send({ type: 'send', id, body: `body of ${id}` });
    }
  }
}

suite('deployment: nginx in front of two instances and one Redis', () => {
  let redis: RedisServer;
  let instances: HushProcess[] = [];
  let nginx: Nginx;

  beforeAll(async () => {
    redis = await RedisServer.start();
    const env = { REDIS_URL: redis.url, TRUST_PROXY: 'true', ROOM_TTL_MIN_SECONDS: '1', MESSAGE_RATE_LIMIT: '100000', ROOM_CREATE_LIMIT: '100000', API_REQUEST_LIMIT: '100000', LOG_LEVEL: 'warn' };
    instances = await Promise.all([startHushProcess(env, 30_000), startHushProcess(env, 30_000)]);
    nginx = await Nginx.start(instances.map((instance) => instance.port));
  }, 60_000);

  afterAll(async () => {
    await nginx?.stop();
    for (const instance of instances) if (instance.child.exitCode === null) instance.child.kill('SIGKILL');
    await Promise.all(instances.map((instance) => instance.exited));
    await redis?.stop();
  });

  it('a conversation survives SIGKILL of an instance: clients resume through nginx, miss nothing, see nothing twice', async () => {
    const viaNginx = { newClient: () => new HttpClient(nginx.baseUrl) } as unknown as RunningHush;
    const { roomId, members } = await roomWithMembers(viaNginx, 4);
    const wsBase = `${nginx.baseUrl.replace(/^http/, 'ws')}/ws?roomId=${roomId}`;
    const tabs = members.map((member, i) => new Tab(`t${i}`, member, (after) => `${wsBase}&after=${after}`));
    // One after the other: nginx's round robin puts them on alternate instances.
    for (const tab of tabs) await tab.open();

    const converse = async (rounds: number, during?: () => Promise<void>) => {
      for (let round = 0; round < rounds; round++) {
        await Promise.all(tabs.map((tab) => tab.step()));
        // The kill lands right after a burst of sends: some are in flight, stored or not, unacked.
        if (round === Math.floor(rounds / 3)) await during?.();
        else await sleep(20);
      }
    };
    const victim = instances[0]!;
    await converse(30, async () => {
      // A burst the victim may or may not store before it dies...
      await Promise.all(tabs.map(async (tab) => Promise.all([tab.step(), tab.step(), tab.step()])));
      // ...and one it surely never handles: frozen first, so its tabs always have sends to resend.
      victim.child.kill('SIGSTOP');
      await Promise.all(tabs.map(async (tab) => Promise.all([tab.step(), tab.step()])));
      await sleep(50);
      victim.child.kill('SIGKILL');
      await victim.exited;
    });
    // Everyone who lost a socket is back; let the last frames arrive.
    for (const tab of tabs) if (tab.socket.ws.readyState !== tab.socket.ws.OPEN) await tab.step();
    const total = new Set(tabs.flatMap((tab) => [...tab.ids])).size;
    for (const tab of tabs) await eventually(() => tab.lastSeq >= total, 10_000, `${tab.name} caught up`);

    // Both instances held sockets (no stickiness needed): some tabs lost theirs, some did not.
    const reconnected = tabs.filter((tab) => tab.reconnects > 0);
    expect(reconnected.length).toBeGreaterThan(0);
    expect(reconnected.length).toBeLessThan(tabs.length);
    // The kill caught sends in flight, which the reconnected tabs had to resend.
    expect(reconnected.some((tab) => tab.resent > 0)).toBe(true);

    // The room's history: every id any tab sent, exactly once, seq 1..N without gap.
    const history = await members[0]!.client.request('GET', `/api/rooms/${roomId}/messages?after=0&limit=1000`);
    const stored = history.body.messages as ChatMessage[];
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(stored.map((m) => m.id).sort()).toEqual(tabs.flatMap((tab) => [...tab.ids]).sort());

    for (const tab of tabs) {
      // Across its sessions a tab sees each message once, in order...
      const seqs = tab.frames('message').map((m) => m.seq);
      expect(seqs, tab.name).toEqual([...new Set(seqs)].sort((x, y) => x - y));
      // ...and between messages and acks of its own, nothing is missing.
      const covered = new Set([...seqs, ...tab.frames('ack').map((a) => a.seq)]);
      expect(covered.size, tab.name).toBe(total);
    }
    // The survivor still serves everything through nginx.
    expect((await new HttpClient(nginx.baseUrl).createRoom()).status).toBe(201);
    for (const tab of tabs) tab.socket.close();
  }, 60_000);

  it('through nginx: the Origin check sees the browser’s host and port, the scheme is nginx’s to tell, a quiet WebSocket stays open', async () => {
    const browser = new HttpClient(nginx.baseUrl, nginx.baseUrl);
    const created = await browser.createRoom();
    expect(created.status).toBe(201);
    // A client claiming https over plain http does not get a Secure cookie: nginx sets X-Forwarded-Proto itself.
    const joined = await browser.request('POST', `/api/rooms/${created.body.roomId}/join`, undefined, { 'x-forwarded-proto': 'https' });
    expect(joined.status).toBe(200);
    expect(joined.headers.getSetCookie()[0]).not.toMatch(/Secure/i);
    const socket = await TestSocket.open(`${nginx.baseUrl.replace(/^http/, 'ws')}/ws?roomId=${created.body.roomId}`, {
      cookie: browser.cookieHeader,
      origin: nginx.baseUrl,
    });
    await socket.next('welcome');
    await sleep(500);
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    socket.close();
    // Metrics (when and how much rooms talk) are not served through the public entry point.
    expect((await fetch(`${nginx.baseUrl}/metrics`)).status).toBe(404);
  });

  it('nginx’s access log keeps 4 characters of a room id, in the API, WebSocket and page paths alike, and no Referer', async () => {
    const client = new HttpClient(nginx.baseUrl, nginx.baseUrl);
    const roomId = (await client.createRoom()).body.roomId as string;
    expect((await client.join(roomId)).status).toBe(200);
    expect((await client.request('GET', `/api/rooms/${roomId}/messages?after=0`)).status).toBe(200);
    // The page itself may be missing here (no client build); its request line is logged all the same.
    await fetch(`${nginx.baseUrl}/r/${roomId}`, { headers: { referer: `${nginx.baseUrl}/r/${roomId}` } });
    const socket = await TestSocket.open(`${nginx.baseUrl.replace(/^http/, 'ws')}/ws?roomId=${roomId}&after=0`, { cookie: client.cookieHeader, origin: nginx.baseUrl });
    await socket.next('welcome');
    socket.close();
    await socket.waitClosed(5000);
    // nginx writes a WebSocket's line when it closes.
    await eventually(() => nginx.accessLog().includes(`/ws?roomId=${roomId.slice(0, 4)}...&after=0`), 5000, 'the WebSocket logged');
    const log = nginx.accessLog();
    for (const path of [`/api/rooms/${roomId.slice(0, 4)}.../join`, `/api/rooms/${roomId.slice(0, 4)}.../messages?after=0`, `/r/${roomId.slice(0, 4)}... `]) {
      expect(log).toContain(path);
    }
    expect(log).not.toContain(roomId);
    expect(log).not.toContain(roomId.slice(0, 5));
  });
  it('nginx bounds the requests one address has in progress (limit_conn): past it an upgrade gets 429, and a closed socket frees its place', async () => {
    // The shipped limit (1,000) with only its number lowered, on an nginx of its own.
    const limited = await Nginx.start(instances.filter((instance) => instance.child.exitCode === null).map((instance) => instance.port), 2);
    try {
      const client = new HttpClient(limited.baseUrl, limited.baseUrl);
      const roomId = (await client.createRoom()).body.roomId as string;
      expect((await client.join(roomId)).status).toBe(200);
      const url = `${limited.baseUrl.replace(/^http/, 'ws')}/ws?roomId=${roomId}`;
      const open = async () => {
        const socket = await TestSocket.open(url, { cookie: client.cookieHeader, origin: limited.baseUrl });
        await socket.next('welcome');
        return socket;
      };
      const first = await open();
      const second = await open();
      await expect(open()).rejects.toMatchObject({ status: 429 });
      // A plain request from that address is refused alike while both sockets are open, in Hush's own error shape.
      const refused = await client.request('GET', `/api/rooms/${roomId}`);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
      expect(refused.body.error.code).toBe('too_many_connections');
      expect(refused.headers.get('retry-after')).toBe('10');
      first.close();
      await first.waitClosed(5000);
      // nginx counts the place free once it has seen the close: the next upgrade gets in.
      let third: TestSocket | undefined;
      await eventually(async () => (third = await open().catch(() => undefined)) !== undefined, 5000, 'a place freed');
      expect(third!.ws.readyState).toBe(third!.ws.OPEN);
      second.close();
      third!.close();
    } finally {
      await limited.stop();
    }
  });
});
