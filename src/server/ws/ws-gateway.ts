/**
 * The WebSocket endpoint `GET /ws?roomId=…&after=…`: checks the origin at the
 * upgrade, resolves the member from the cookie, then hands the socket to a
 * MemberSocket. Owns the heartbeat and closes every socket on shutdown.
 */
import { ServerResponse, STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer } from 'ws';
import { CLOSE_CODES, ERROR_CODES, type ErrorCode } from '../../shared/errors.js';
import { wsQuerySchema } from '../../shared/protocol.js';
import type { Config } from '../config.js';
import type { OriginPolicy } from '../http/origin-policy.js';
import { memberTokenOfCookies } from '../http/member-cookie.js';
import { clientKeyOf } from '../http/client-address.js';
import { HushError, storeUnavailable } from '../room/hush-error.js';
import type { Member } from '../room/room-service.js';
import { CountMap } from './count-map.js';
import { errorFrame } from './frames.js';
import { Heartbeat } from './heartbeat.js';
import { MemberSocket, type MemberSocketDeps } from './member-socket.js';

export interface WebSocketGateway {
  readonly connectionCount: number;
  /** Stops accepting, closes every socket with `code`, and resolves when they are gone or after `timeoutMs`. */
  close(code: number, reason: string, timeoutMs: number): Promise<void>;
}

type Authentication = { ok: true; member: Member; after: number } | { ok: false; closeCode: number; frame: string };

export function attachWebSocketGateway(
  app: FastifyInstance,
  config: Config,
  originPolicy: OriginPolicy,
  /** Which proxies' X-Forwarded-For to believe for a client's address (client-address.ts proxyTrust, as app.ts compiled it). */
  trust: (address: string, hop: number) => boolean,
  deps: MemberSocketDeps,
  nodeId: string,
): WebSocketGateway {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.MESSAGE_MAX_BYTES, // larger frames are refused with 1009 by ws itself
    perMessageDeflate: false,
    clientTracking: false,
  });
  // A handshake ws itself refuses (method, Sec-WebSocket-Key or -Version) is answered in the API's shape too, not in ws's text/html;
  // one asking for a version ws does not speak is also told which it does (RFC 6455 §4.2.2).
  wss.on('wsClientError', (error: Error, socket: Duplex, request: IncomingMessage) => {
    const version = Number(request.headers['sec-websocket-version']); // read as ws reads it
    const versionHint: Record<string, string> = version === 13 || version === 8 ? {} : { 'Sec-WebSocket-Version': '13, 8' };
    refuseUpgrade(socket, 'invalid_request', `${error.message}.`, versionHint);
  });
  const sockets = new Set<MemberSocket>();
  /** Connections serving a plain request that came as a non-WebSocket upgrade: Node's server no longer tracks them. */
  const plainRequests = new Set<Duplex>();
  let nextConnection = 0;
  let closing = false;

  const heartbeat = new Heartbeat<MemberSocket>(config.PING_INTERVAL_MS);
  /**
   * Connections per client (clientKeyOf), counted from the upgrade until the TCP connection closes, so
   * those still being authenticated count too: one address cannot hold this instance's file
   * descriptors and memory with thousands of sockets.
   */
  const perClient = new CountMap<string>();

  async function authenticate(request: IncomingMessage, url: URL): Promise<Authentication> {
    const query = wsQuerySchema.safeParse(Object.fromEntries(url.searchParams));
    if (!query.success) {
      return { ok: false, closeCode: CLOSE_CODES.badRequest, frame: errorFrame('invalid_request', 'Expected ?roomId=…&after=<seq>.') };
    }
    const token = memberTokenOfCookies(app.parseCookie(request.headers.cookie ?? ''));
    try {
      const member = await deps.service.authenticate(query.data.roomId, token);
      return { ok: true, member, after: query.data.after };
    } catch (error) {
      if (error instanceof HushError && (error.code === 'room_not_found' || error.code === 'not_a_member')) {
        deps.metrics.joinRejected(error.code);
        const closeCode = error.code === 'room_not_found' ? CLOSE_CODES.roomNotFound : CLOSE_CODES.notAMember;
        return { ok: false, closeCode, frame: errorFrame(error.code, error.message) };
      }
      // An outage is logged once, where the store's connection notices it; each socket refused during it is not news.
      if (error instanceof HushError && error.code === 'unavailable') app.log.debug('websocket refused: store unavailable');
      else app.log.warn({ err: error }, 'websocket admission failed');
      return { ok: false, closeCode: CLOSE_CODES.tryAgainLater, frame: errorFrame('unavailable', storeUnavailable().message) };
    }
  }

  async function upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, url: URL, client: string): Promise<void> {
    const auth = await authenticate(request, url);
    if (socket.destroyed) return;
    wss.handleUpgrade(request, socket, head, (ws) => {
      // ws reads on until the close handshake ends, and a bad frame from the peer meanwhile is an 'error'
      // event: unheard, it would end the process. MemberSocket logs the errors of the sockets it takes.
      ws.on('error', () => undefined);
      if (!auth.ok) {
        ws.send(auth.frame);
        ws.close(auth.closeCode);
        return;
      }
      if (closing) {
        ws.close(CLOSE_CODES.serviceRestart, 'server restart');
        return;
      }
      const connectionId = `${nodeId}.${(nextConnection++).toString(36)}`;
      const logger = app.log.child({ connectionId, memberId: auth.member.memberId });
      const memberSocket = new MemberSocket(ws, connectionId, auth.member, auth.after, client, deps, logger);
      sockets.add(memberSocket);
      heartbeat.add(memberSocket);
      deps.metrics.connectionOpened();
      ws.once('close', () => {
        sockets.delete(memberSocket);
        heartbeat.delete(memberSocket);
      });
    });
  }

  app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    // Node calls this listener outside any try: a throw here would end the process.
    if (!isWebSocketUpgrade(request)) {
      plainRequests.add(socket);
      socket.once('close', () => plainRequests.delete(socket));
      return serveWithoutUpgrade(app, request, socket as Socket);
    }
    const url = requestTarget(request.url);
    if (!url) return refuseUpgrade(socket, 'invalid_request', 'Malformed request target.');
    if (url.pathname !== '/ws') return refuseUpgrade(socket, 'not_found', 'No WebSocket endpoint here; use /ws.');
    if (closing) return refuseUpgrade(socket, 'unavailable', 'The server is shutting down.');
    if (!originPolicy.isAllowed(request)) {
      return refuseUpgrade(socket, 'forbidden_origin', 'WebSocket connections from this origin are not allowed.');
    }
    const client = clientKeyOf(request, trust);
    if (perClient.count(client) >= config.MAX_CONNECTIONS_PER_CLIENT) {
      deps.metrics.joinRejected('too_many_connections');
      return refuseUpgrade(socket, 'too_many_connections', `At most ${config.MAX_CONNECTIONS_PER_CLIENT} open connections from one address.`);
    }
    perClient.increment(client);
    socket.once('close', () => perClient.decrement(client));
    upgrade(request, socket, head, url, client).catch((error: unknown) => {
      app.log.error({ err: error }, 'upgrade failed');
      socket.destroy();
    });
  });

  return {
    get connectionCount() {
      return sockets.size;
    },
    async close(code, reason, timeoutMs) {
      closing = true;
      heartbeat.stop();
      for (const socket of sockets) socket.close(code, reason);
      const deadline = Date.now() + timeoutMs;
      while (sockets.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      for (const socket of sockets) socket.terminate();
      for (const socket of plainRequests) socket.destroy();
      wss.close();
    },
  };
}

/**
 * The request's path and query, or undefined if it is not an origin-form target (`/path?query`).
 * Node's parser lets through targets that URL cannot parse (`//`, `http://x:99999/`), and
 * an absolute or scheme-relative one (`//host/`, `/\\host/`) would name a host of the client's
 * choosing: the host must still be the base's after parsing.
 */
function requestTarget(target: string | undefined): URL | undefined {
  if (!target?.startsWith('/') || !URL.canParse(target, TARGET_BASE)) return undefined;
  const url = new URL(target, TARGET_BASE);
  return url.host === 'localhost' ? url : undefined;
}

const TARGET_BASE = 'http://localhost';

function isWebSocketUpgrade(request: IncomingMessage): boolean {
  return request.headers.upgrade?.trim().toLowerCase() === 'websocket';
}

/**
 * Serves a request that asked to upgrade to something other than WebSocket (`Upgrade: h2c`, which
 * `curl --http2` adds to plain-HTTP requests) as the plain HTTP request it also is, then closes the
 * connection. Node 20 hands every request with `Connection: upgrade` and an Upgrade header to the
 * 'upgrade' listener once one exists, with its parser and its idle timeout detached, so the response
 * is bound to the socket here and the server's own idle timeout (its connectionTimeout) set again: a
 * client that stops reading cannot hold the response. Only GET and HEAD: another method's body would
 * be left unread on the detached socket.
 */
function serveWithoutUpgrade(app: FastifyInstance, request: IncomingMessage, socket: Socket): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return refuseUpgrade(socket, 'invalid_request', 'Only WebSocket upgrades are supported; send the request without Upgrade.');
  }
  socket.setTimeout(app.initialConfig.connectionTimeout ?? 0, () => socket.destroy());
  const response = new ServerResponse(request);
  response.shouldKeepAlive = false;
  response.assignSocket(socket);
  response.once('finish', () => {
    response.detachSocket(socket);
    socket.destroySoon();
  });
  app.server.emit('request', request, response);
}

/**
 * Answers the upgrade request with a plain HTTP error in the API's JSON shape, then closes the
 * connection once it is written, whether or not the client closes its side (as ws's own refusals do).
 */
function refuseUpgrade(socket: Duplex, code: ErrorCode, message: string, headers: Record<string, string> = {}): void {
  const status = ERROR_CODES[code];
  const body = JSON.stringify({ error: { code, message } });
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: application/json\r\n${extra}` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
