/**
 * The HTTP side shared by the benchmark's reference servers (the raw relay,
 * bench/relay.ts, and the Socket.IO chat, bench/socketio-chat.ts): just enough
 * of Hush's API for the same load generator to drive them.
 *
 *   - `POST /api/rooms` answers 201 with a random 22-character roomId;
 *   - `POST /api/rooms/:id/join` answers 200 and sets a random `hush_token` cookie
 *     (never checked: the reference servers authenticate nothing);
 *   - `GET /healthz` answers 200;
 *   - `GET /metrics` answers the one line of Hush's metrics that the bench's
 *     pause readings need, the longest event-loop delay since the previous
 *     scrape (so a reference server's stalls can be set beside Hush's).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';

// Hush's EVENT_LOOP_SAMPLING_MS (src/server/metrics.ts), repeated: the reference servers load none of Hush's modules.
const EVENT_LOOP_SAMPLING_MS = 20;

export function createReferenceHttpServer(): http.Server {
  const loopDelay = monitorEventLoopDelay({ resolution: EVENT_LOOP_SAMPLING_MS });
  loopDelay.enable();
  return http.createServer((request, response) => {
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
}

/** Listens where bench/targets.ts said (PORT, HOST) and exits cleanly when stopped. */
export function listenAsTold(server: http.Server): void {
  server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
}

function json(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}
