/**
 * A reference point from the field, run by bench/targets.ts as the `socketio`
 * target: the minimal Socket.IO chat server that issue 6's figures describe,
 * written the way Socket.IO's own chat examples are. Each member's socket
 * joins its room (from the handshake's `roomId`); a `send` event is emitted to
 * the room's other sockets as a `message` carrying a per-room seq, the sender
 * and the time, and acknowledged to the sender with its seq (Socket.IO's ack
 * callback) — the same frames out per message as Hush and the relay.
 *
 * WebSocket transport only (no HTTP long-polling), no compression, default
 * heartbeat (the load generator answers the pings). With REDIS_URL (the
 * `socketio-redis` target) it runs on Socket.IO's Redis adapter, the way a
 * Socket.IO deployment scales out: every emit to a room is also published to
 * Redis for the other instances (there are none here), and room state stays in
 * the process. Like the relay it
 * validates, authenticates and stores nothing: it stands for "a Socket.IO
 * chat", not for Hush's guarantees. HTTP API: bench/reference-http.ts.
 */
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { createReferenceHttpServer, listenAsTold } from './reference-http.js';

interface SendEvent {
  id: string;
  body: string;
}

const server = createReferenceHttpServer();
const io = new Server(server, { transports: ['websocket'], serveClient: false, perMessageDeflate: false, maxHttpBufferSize: 16_384 });
if (process.env.REDIS_URL) {
  const publisher = new Redis(process.env.REDIS_URL);
  io.adapter(createAdapter(publisher, publisher.duplicate()));
}
/** roomId → last seq handed out. */
const lastSeq = new Map<string, number>();

io.on('connection', (socket) => {
  const roomId = socket.handshake.query.roomId;
  if (typeof roomId !== 'string' || roomId === '') {
    socket.disconnect(true);
    return;
  }
  void socket.join(roomId);
  socket.emit('welcome', { roomId });
  socket.on('send', (event: SendEvent, ack?: (reply: { seq: number }) => void) => {
    const seq = (lastSeq.get(roomId) ?? 0) + 1;
    lastSeq.set(roomId, seq);
    socket.to(roomId).emit('message', { seq, id: event.id, from: socket.id, body: event.body, sentAt: Date.now() });
    ack?.({ seq });
  });
  socket.on('disconnect', () => {
    if (!io.sockets.adapter.rooms.has(roomId)) lastSeq.delete(roomId);
  });
});

listenAsTold(server);
