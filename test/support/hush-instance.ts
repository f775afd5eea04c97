/**
 * Starts a real Hush server in this process on a free loopback port, with its
 * logs captured so tests can search them, plus helpers to make rooms, members
 * and sockets the way a browser would.
 */
import { Writable } from 'node:stream';
import { buildServer, type HushServer } from '../../src/server/app.js';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { configWith, type Config, type SettingName } from '../../src/server/config.js';
import type { Engine } from '../../src/server/store/engine.js';
import { loggerOptions } from '../../src/server/logging.js';
import type { JoinRoomResponse, WelcomeFrame } from '../../src/shared/protocol.js';
import { HttpClient } from './http-client.js';
import { TestSocket } from './test-socket.js';

export type Settings = Partial<Record<SettingName, string | number | boolean>>;

export interface RunningHush {
  server: HushServer;
  baseUrl: string;
  /** Every log line the server wrote, as raw JSON text. */
  logs: string[];
  settings: Settings;
  wsUrl(roomId: string, after?: number): string;
  newClient(): HttpClient;
  stop(): Promise<void>;
}

/** Builds the engine a test wants (e.g. Redis with a skewed clock); by default the config picks it. */
export type EngineFactory = (config: Config, logger: FastifyBaseLogger) => Promise<Engine>;

export async function startHush(settings: Settings = {}, createEngine?: EngineFactory): Promise<RunningHush> {
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const merged: Settings = { HOST: '127.0.0.1', PORT: 0, LOG_LEVEL: 'debug', LOG_FORMAT: 'json', ...settings };
  const config = configWith(merged);
  const engine = createEngine ? await createEngine(config, pino({ level: 'debug' }, stream)) : undefined;
  // The production logger options (redaction included), writing into memory.
  const server = await buildServer(config, { ...(engine ? { engine } : {}), logger: { ...(loggerOptions(config) as object), stream } });
  const baseUrl = await server.listen(0);
  return {
    server,
    baseUrl,
    logs,
    settings: merged,
    wsUrl: (roomId, after) => `${baseUrl.replace(/^http/, 'ws')}/ws?roomId=${encodeURIComponent(roomId)}${after === undefined ? '' : `&after=${after}`}`,
    newClient: () => new HttpClient(baseUrl),
    stop: () => server.close(2000),
  };
}

export interface Member {
  client: HttpClient;
  join: JoinRoomResponse;
  memberId: string;
}

/** Creates a room and seats `count` fresh browsers in it. */
export async function roomWithMembers(hush: RunningHush, count: number, room: Record<string, unknown> = {}): Promise<{ roomId: string; members: Member[] }> {
  const creator = hush.newClient();
  const created = await creator.createRoom({ capacity: Math.max(2, count), ...room });
  if (created.status !== 201) throw new Error(`create failed: ${created.status} ${JSON.stringify(created.body)}`);
  const roomId = created.body.roomId as string;
  const members: Member[] = [];
  for (let i = 0; i < count; i++) {
    const client = i === 0 ? creator : hush.newClient();
    const joined = await client.join(roomId);
    if (joined.status !== 200) throw new Error(`join failed: ${joined.status} ${JSON.stringify(joined.body)}`);
    members.push({ client, join: joined.body, memberId: joined.body.memberId });
  }
  return { roomId, members };
}

/** Opens a member's socket and waits for its welcome. */
export async function connect(hush: RunningHush, member: Member | HttpClient, roomId: string, after?: number): Promise<{ socket: TestSocket; welcome: WelcomeFrame }> {
  const client = member instanceof HttpClient ? member : member.client;
  const socket = await TestSocket.open(hush.wsUrl(roomId, after), { cookie: client.cookieHeader });
  const welcome = await socket.next('welcome');
  return { socket, welcome };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true or the timeout passes. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await sleep(20);
  }
}
