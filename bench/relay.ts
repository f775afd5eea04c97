/**
 * The benchmark's ceiling: a minimal `ws` room relay, run as its own process
 * by bench/targets.ts. It speaks just enough of Hush's API for the same load
 * generator to drive it:
 *
 *   - `POST /api/rooms` answers 201 with a random 22-character roomId;
 *   - `POST /api/rooms/:id/join` answers 200 and sets a random `hush_token` cookie;
 *   - `GET /ws?roomId=…` upgrades, puts the socket in that room and sends a
 *     one-line `welcome`;
 *   - every text frame received is forwarded unchanged (same bytes, no
 *     JSON.parse, no re-serialisation) to every other socket of the room, and
 *     the sender gets `{"type":"ack","seq":<n>}` with a per-room counter — the
 *     same number of frames out per message as Hush (message + ack);
 *   - `GET /healthz` answers 200;
 *   - `GET /metrics` answers the one line of Hush's metrics that the bench's
 *     pause readings need, the longest event-loop delay since the previous
 *     scrape (so the relay's stalls can be set beside Hush's).
 *
 * It does nothing else: no validation, no authentication (the cookie is not
 * checked), no storage or history, no rate limit, no ordering guarantees
 * beyond TCP's. Same `ws` options as Hush's gateway (no compression, no
 * client tracking, same maxPayload).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocketServer, type WebSocket } from 'ws';

interface Room {
  sockets: WebSocket[];
  seq: number;
}

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';
const rooms = new Map<string, Room>();
// Hush's EVENT_LOOP_SAMPLING_MS (src/server/metrics.ts), repeated: the relay loads none of Hush's modules.
const loopDelay = monitorEventLoopDelay({ resolution: 20 });
loopDelay.enable();
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: 16_384 });

function json(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

const server = http.createServer((request, response) => {
  request.resume(); // the bodies are not needed
  request.on('end', () => {
    const url = request.url ?? '/';
    if (request.method === 'GET' && url === '/healthz') return json(response, 200, { status: 'ok' });
    if (request.method === 'GET' && url === '/metrics') {
      const text = `hush_nodejs_eventloop_lag_max_seconds ${loopDelay.max / 1e9}\n`;
      loopDelay.reset();
      response.writeHead(200, { 'content-type': 'text/plain' });
      return response.end(text);
    }
    if (request.method === 'POST' && url === '/api/rooms') {
      return json(response, 201, { roomId: randomBytes(16).toString('base64url'), expiresAt: Date.now() + 3_600_000, capacity: 2 });
    }
    const joinMatch = request.method === 'POST' ? /^\/api\/rooms\/([A-Za-z0-9_-]{22})\/join$/.exec(url) : null;
    if (joinMatch) {
      const token = randomBytes(32).toString('base64url');
      return json(response, 200, { roomId: joinMatch[1], memberId: randomBytes(9).toString('base64url') }, {
        'set-cookie': `hush_token=${token}; Path=/; HttpOnly; SameSite=Strict`,
      });
    }
    json(response, 404, { error: { code: 'not_found', message: 'not found' } });
  });
});

server.on('upgrade', (request: http.IncomingMessage, socket, head) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const roomId = url.searchParams.get('roomId');
  if (url.pathname !== '/ws' || !roomId) {
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(request, socket, head, (ws) => {
    let room = rooms.get(roomId);
    if (!room) rooms.set(roomId, (room = { sockets: [], seq: 0 }));
    const joined = room;
    joined.sockets.push(ws);
    ws.send(`{"type":"welcome","roomId":"${roomId}"}`);
    ws.on('message', (data: Buffer, isBinary) => {
      for (const other of joined.sockets) if (other !== ws) other.send(data, { binary: isBinary });
      ws.send(`{"type":"ack","seq":${++joined.seq}}`);
    });
    ws.on('close', () => {
      joined.sockets.splice(joined.sockets.indexOf(ws), 1);
      if (joined.sockets.length === 0) rooms.delete(roomId);
    });
    ws.on('error', () => undefined);
  });
});

server.listen(port, host);
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
