/**
 * A load-generator process, forked by GeneratorPool (bench/generator-pool.ts).
 * It holds rooms of two members each, created the way a browser does it
 * (POST /api/rooms, POST /api/rooms/:id/join for the cookie, WebSocket
 * /ws?roomId=… and its `welcome`), and on command sends `send` frames at an
 * offered rate, alternating the sender in each room. Both members of a room
 * live in the same process, so end-to-end latency is measured on one clock:
 * the body carries the send time and the receiving member subtracts it.
 *
 * Kept cheap on purpose (the generator shares two cores with the server):
 * frames are built as strings, received frames are read with Buffer.indexOf
 * rather than JSON.parse, and client frames use an all-zero mask, which `ws`
 * then skips applying (the server still unmasks; that cost is the same for
 * every target).
 *
 * The `socketio` reference target is spoken to in Socket.IO's own packets over
 * its WebSocket transport (Engine.IO v4): `40` to join the default namespace,
 * `3` for each ping, `42<ackId>["send",{…}]` to send; the server's
 * `42["message",{…}]`, `43<ackId>[…]` and `42["welcome",…]` are read the same
 * cheap way.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { Histogram } from './histogram.js';
import type { Endpoint, GeneratorCommand, GeneratorReply, GeneratorRequest, GeneratorResult, SetupResult, StatusResult, StepResult, StormResult } from './ipc.js';

/** Bodies are exactly this many characters: `s<step>t<µs>.` padded with `x`. */
const BODY_CHARS = 64;
const PAD = 'x'.repeat(BODY_CHARS);
const BODY_MARK = Buffer.from('"body":"s');
/**
 * Message ids are shaped like the web client's (crypto.randomUUID(): 36 characters): a random
 * prefix per process and a counter in the last 12 hex digits, so they are unique and cheap to make.
 * (Very short ids would be a different workload: V8 interns JSON string values of up to 10 characters.)
 */
const ID_PREFIX = randomUUID().slice(0, 24);
// Server frames are JSON objects that start with {"type":"<t>…; byte 9 is the type's first letter.
const TYPE_OFFSET = 9;
const CHAR = { a: 97, e: 101, m: 109, s: 115, t: 116, w: 119, dot: 46 } as const;
/** A Socket.IO packet's first byte: its Engine.IO type ('0' open, '2' ping, '4' message). */
const ENGINE_IO = { open: 48, ping: 50, message: 52 } as const;
/** Its second byte, in an Engine.IO message: the Socket.IO type ('2' event, '3' ack, '4' connect error). */
const SOCKET_IO = { event: 50, ack: 51, connectError: 52 } as const;
const WELCOME_EVENT = Buffer.from('42["welcome"');
/** In `42["message",{…}]` and `42["welcome",…]` the event name's first letter. */
const SOCKET_IO_EVENT_OFFSET = 4;

interface Client {
  endpoint: Endpoint;
  cookie: string;
  ws: WebSocket | undefined;
}

interface Pair {
  /** Which target the room belongs to (several may be held at once). */
  group: string;
  roomId: string;
  a: Client;
  b: Client;
  turn: number;
}

const agent = new http.Agent({ keepAlive: true });
const pairs: Pair[] = [];
let resetting = false;

// Counters of the current step (reset by each `step`).
let currentStep = -1;
let received = 0;
let late = 0;
let acks = 0;
let errorFrames = 0;
let unexpectedCloses = 0;
let firstError: string | undefined;
const latency = new Histogram();
let messageCounter = 0;

const nowMicros = () => Math.round(performance.now() * 1000);
const zeroMask = () => undefined; // leaves the 4-byte mask at zero, so ws skips masking

function noteError(text: string): void {
  firstError ??= text.slice(0, 300);
}

// ------------------------------------------------------------------ HTTP

interface HttpAnswer {
  status: number;
  text: string;
  cookie: string | undefined;
}

function post(base: string, path: string, body: string | undefined, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const request = http.request(`${base}${path}`, { method: 'POST', agent, headers, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const cookieLine = response.headers['set-cookie']?.find((line) => line.startsWith('hush_token='));
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), cookie: cookieLine?.split(';')[0] });
      });
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`POST ${path} timed out after ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

async function createRoom(endpoint: Endpoint, timeoutMs: number): Promise<string> {
  const answer = await post(endpoint.http, '/api/rooms', '{}', timeoutMs);
  if (answer.status !== 201) throw new Error(`create room: HTTP ${answer.status} ${answer.text.slice(0, 200)}`);
  return (JSON.parse(answer.text) as { roomId: string }).roomId;
}

async function join(endpoint: Endpoint, roomId: string, timeoutMs: number): Promise<string> {
  const answer = await post(endpoint.http, `/api/rooms/${roomId}/join`, undefined, timeoutMs);
  if (answer.status !== 200 || !answer.cookie) throw new Error(`join: HTTP ${answer.status} ${answer.text.slice(0, 200)}`);
  return answer.cookie;
}

// ------------------------------------------------------------------ sockets

function onFrame(data: Buffer): void {
  const type = data[TYPE_OFFSET];
  if (type === CHAR.a) {
    acks++;
  } else if (type === CHAR.m || type === CHAR.s) {
    // Hush relays a `message` frame; the relay forwards the `send` frame as it came.
    onDelivery(data);
  } else if (type === CHAR.e) {
    errorFrames++;
    noteError(data.toString('utf8'));
  }
}

/** A frame that carries one of the generator's bodies (`s<step>t<µs>.…`): counts it and records its latency. */
function onDelivery(data: Buffer): void {
  const mark = data.indexOf(BODY_MARK);
  if (mark < 0) return;
  let index = mark + BODY_MARK.length;
  let step = 0;
  while (data[index] !== CHAR.t) step = step * 10 + data[index++]! - 48;
  index++;
  let sentAt = 0;
  while (data[index] !== CHAR.dot) sentAt = sentAt * 10 + data[index++]! - 48;
  if (step !== currentStep) {
    late++;
    return;
  }
  received++;
  latency.record(nowMicros() - sentAt);
}

/**
 * One Socket.IO packet, before or after the welcome: answers the handshake and pings, counts acks and
 * deliveries. Returns true when it was the `welcome` event.
 */
function onSocketIoFrame(ws: WebSocket, data: Buffer): boolean {
  const engineType = data[0];
  if (engineType === ENGINE_IO.ping) {
    ws.send('3');
  } else if (engineType === ENGINE_IO.open) {
    ws.send('40');
  } else if (engineType === ENGINE_IO.message) {
    const packetType = data[1];
    if (packetType === SOCKET_IO.ack) acks++;
    else if (packetType === SOCKET_IO.event && data[SOCKET_IO_EVENT_OFFSET] === CHAR.m) onDelivery(data);
    else if (packetType === SOCKET_IO.event) return data.subarray(0, WELCOME_EVENT.length).equals(WELCOME_EVENT);
    else if (packetType === SOCKET_IO.connectError) {
      errorFrames++;
      noteError(data.toString('utf8'));
    }
  }
  return false;
}

/** Opens a member's socket and resolves at its `welcome`. */
function openSocket(client: Client, roomId: string, timeoutMs: number): Promise<void> {
  const socketIo = client.endpoint.dialect === 'socketio';
  const url = socketIo ? `${client.endpoint.ws}/socket.io/?EIO=4&transport=websocket&roomId=${roomId}` : `${client.endpoint.ws}/ws?roomId=${roomId}`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      headers: { cookie: client.cookie },
      perMessageDeflate: false,
      skipUTF8Validation: true,
      generateMask: zeroMask,
      handshakeTimeout: timeoutMs,
    });
    client.ws = ws;
    let welcomed = false;
    const timer = setTimeout(() => {
      if (welcomed) return;
      ws.terminate();
      reject(new Error(`no welcome within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      // Server frames are JSON text; a binary one (which a browser could not read) counts as an error.
      if (isBinary) {
        errorFrames++;
        noteError(`binary frame: ${data.toString('utf8').slice(0, 80)}`);
      }
      if (socketIo) {
        if (onSocketIoFrame(ws, data) && !welcomed) {
          welcomed = true;
          clearTimeout(timer);
          resolve();
        }
        return;
      }
      if (welcomed) return onFrame(data);
      clearTimeout(timer);
      if (data[TYPE_OFFSET] === CHAR.w) {
        welcomed = true;
        resolve();
      } else {
        ws.terminate();
        reject(new Error(`first frame was not a welcome: ${data.toString('utf8').slice(0, 200)}`));
      }
    });
    ws.on('close', (code) => {
      clearTimeout(timer);
      if (!welcomed) reject(new Error(`closed (${code}) before welcome`));
      else if (!resetting) {
        unexpectedCloses++;
        noteError(`socket closed by the server with code ${code}`);
      }
    });
    ws.on('error', (error) => {
      clearTimeout(timer);
      if (!welcomed) reject(error);
    });
  });
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

// ------------------------------------------------------------------ commands

async function prepare(command: Extract<GeneratorCommand, { type: 'prepare' }>): Promise<SetupResult> {
  const result: SetupResult = { ok: 0, failures: 0 };
  await inParallel(Array.from({ length: command.count }, (_, i) => i), command.concurrency, async () => {
    try {
      const roomId = await createRoom(command.create, 30_000);
      const [cookieA, cookieB] = [await join(command.a, roomId, 30_000), await join(command.b, roomId, 30_000)];
      pairs.push({
        group: command.group,
        roomId,
        a: { endpoint: command.a, cookie: cookieA, ws: undefined },
        b: { endpoint: command.b, cookie: cookieB, ws: undefined },
        turn: 0,
      });
      result.ok++;
    } catch (error) {
      result.failures++;
      result.firstError ??= String(error);
    }
  });
  return result;
}

async function connect(concurrency: number): Promise<SetupResult> {
  const result: SetupResult = { ok: 0, failures: 0 };
  const clients: Array<[Client, string]> = [];
  for (const pair of pairs) for (const client of [pair.a, pair.b]) if (!client.ws) clients.push([client, pair.roomId]);
  await inParallel(clients, concurrency, async ([client, roomId]) => {
    try {
      await openSocket(client, roomId, 30_000);
      result.ok++;
    } catch (error) {
      result.failures++;
      result.firstError ??= String(error);
    }
  });
  return result;
}

function sendOne(pair: Pair, step: number): boolean {
  const client = pair.turn === 0 ? pair.a : pair.b;
  pair.turn ^= 1;
  const ws = client.ws;
  if (!ws || ws.readyState !== WebSocket.OPEN) return false;
  const head = `s${step}t${nowMicros()}.`;
  const counter = messageCounter++;
  const fields = `"id":"${ID_PREFIX}${counter.toString(16).padStart(12, '0')}","body":"${head}${PAD.slice(head.length)}"`;
  // Socket.IO: an event packet with an ack id (any number: the server only echoes it).
  ws.send(client.endpoint.dialect === 'socketio' ? `42${counter}["send",{${fields}}]` : `{"type":"send",${fields}}`);
  return true;
}

async function runStep(command: Extract<GeneratorCommand, { type: 'step' }>): Promise<StepResult> {
  currentStep = command.step;
  received = 0;
  late = 0;
  acks = 0;
  errorFrames = 0;
  firstError = undefined;
  latency.reset();
  const live = pairs.filter((pair) => pair.group === command.group && pair.a.ws && pair.b.ws);
  let sent = 0;
  let sendFailures = 0;
  let cursor = 0;
  // Catch up at most 100 ms of schedule in one tick, so a stalled loop does not turn into one huge burst.
  const maxBurst = Math.max(1, Math.ceil(command.rate * 0.1));
  const start = performance.now();
  let lastSend = start;
  if (live.length > 0 && command.rate > 0) {
    await new Promise<void>((resolve) => {
      const tick = () => {
        const elapsed = performance.now() - start;
        if (elapsed >= command.durationMs) return resolve();
        const due = Math.min(maxBurst, Math.floor((elapsed * command.rate) / 1000) - sent - sendFailures);
        for (let i = 0; i < due; i++) {
          if (sendOne(live[cursor]!, command.step)) sent++;
          else sendFailures++;
          cursor = cursor + 1 === live.length ? 0 : cursor + 1;
        }
        if (due > 0) lastSend = performance.now();
        setTimeout(tick, 1);
      };
      tick();
    });
  }
  const sendWindowMs = Math.max(1, lastSend - start);
  const drainStart = performance.now();
  while (received < sent && performance.now() - drainStart < command.drainMs) await sleep(5);
  const result: StepResult = { sent, received, late, acks, sendFailures, errorFrames, sendWindowMs, latency: latency.toSparse() };
  if (firstError) result.firstError = firstError;
  currentStep = -1;
  return result;
}

function status(): StatusResult {
  let open = 0;
  for (const pair of pairs) for (const client of [pair.a, pair.b]) if (client.ws?.readyState === WebSocket.OPEN) open++;
  const result: StatusResult = { open, unexpectedCloses, errorFrames };
  if (firstError) result.firstError = firstError;
  return result;
}

async function storm(command: Extract<GeneratorCommand, { type: 'storm' }>): Promise<StormResult> {
  const perClient = new Histogram();
  const result: StormResult = { clients: command.pairs * 2, ok: 0, failures: 0, elapsedMs: 0, perClient: { buckets: [], max: 0 } };
  const start = performance.now();
  const fail = (error: unknown, clients: number) => {
    result.failures += clients;
    result.firstError ??= String(error);
  };
  await Promise.all(
    Array.from({ length: command.pairs }, async () => {
      let roomId: string;
      try {
        roomId = await createRoom(command.endpoint, command.timeoutMs);
      } catch (error) {
        return fail(error, 2);
      }
      const pair: Pair = {
        group: 'storm',
        roomId,
        a: { endpoint: command.endpoint, cookie: '', ws: undefined },
        b: { endpoint: command.endpoint, cookie: '', ws: undefined },
        turn: 0,
      };
      pairs.push(pair);
      await Promise.all(
        [pair.a, pair.b].map(async (client) => {
          try {
            client.cookie = await join(command.endpoint, roomId, command.timeoutMs);
            await openSocket(client, roomId, command.timeoutMs);
            result.ok++;
            perClient.record((performance.now() - start) * 1000);
          } catch (error) {
            fail(error, 1);
          }
        }),
      );
    }),
  );
  result.elapsedMs = performance.now() - start;
  result.perClient = perClient.toSparse();
  return result;
}

async function reset(): Promise<Record<string, never>> {
  resetting = true;
  for (const pair of pairs) for (const client of [pair.a, pair.b]) client.ws?.terminate();
  pairs.length = 0;
  agent.destroy();
  await sleep(50);
  unexpectedCloses = 0;
  errorFrames = 0;
  firstError = undefined;
  resetting = false;
  return {};
}

async function handle(command: GeneratorCommand): Promise<GeneratorResult> {
  switch (command.type) {
    case 'prepare':
      return prepare(command);
    case 'connect':
      return connect(command.concurrency);
    case 'step':
      return runStep(command);
    case 'status':
      return status();
    case 'storm':
      return storm(command);
    case 'reset':
      return reset();
  }
}

process.on('message', (request: GeneratorRequest) => {
  handle(request.command).then(
    (result) => process.send?.({ requestId: request.requestId, ok: true, result } satisfies GeneratorReply),
    (error: unknown) => process.send?.({ requestId: request.requestId, ok: false, error: String(error) } satisfies GeneratorReply),
  );
});
// The parent is gone: nothing left to do.
process.on('disconnect', () => process.exit(0));
