/**
 * The benchmark's ceiling: a minimal `ws` room relay, run as its own process
 * by bench/targets.ts, with the reference servers' HTTP API
 * (bench/reference-http.ts). `GET /ws?roomId=…` upgrades, puts the socket in
 * that room and sends a one-line `welcome`; every text frame received is
 * forwarded unchanged (same bytes, no JSON.parse, no re-serialisation) to every
 * other socket of the room, and the sender gets `{"type":"ack","seq":<n>}`
 * with a per-room counter — the same number of frames out per message as Hush
 * (message + ack).
 *
 * It does nothing else: no validation, no authentication, no storage or
 * history, no rate limit, no ordering guarantees beyond TCP's. Same `ws`
 * options as Hush's gateway (no compression, no client tracking, same
 * maxPayload).
 */
import type http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { createReferenceHttpServer, listenAsTold } from './reference-http.js';

interface Room {
  sockets: WebSocket[];
  seq: number;
}

const rooms = new Map<string, Room>();
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: 16_384 });
const server = createReferenceHttpServer();

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

listenAsTold(server);
