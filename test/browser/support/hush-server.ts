/**
 * A real Hush server in this process on 127.0.0.1 and a free port, with the
 * built client, its logs captured for the canary test, and a switch that
 * takes one browser's WebSockets off the network: their TCP connections are
 * destroyed without a closing handshake (what a dropped network looks like
 * to the browser, close code 1006) and new upgrades from that browser are
 * refused until it is back online. Chromium's own offline emulation
 * (context.setOffline, CDP Network.emulateNetworkConditions) leaves open
 * WebSockets untouched, so it cannot simulate this.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Writable } from 'node:stream';
import { buildServer, type HushServer } from '../../../src/server/app.js';
import { configWith, type SettingName } from '../../../src/server/config.js';
import { ensureClientBuilt } from './build-client.js';

export type Settings = Partial<Record<SettingName, string | number | boolean>>;

export interface TestServer {
  server: HushServer;
  baseUrl: string;
  /** Every log line, raw. */
  logs: string[];
  /** Cuts the WebSockets whose Cookie header contains `token`, and refuses new ones until `reconnect(token)`. */
  disconnect(token: string): number;
  reconnect(token: string): void;
  /**
   * Stops reading the open WebSockets whose Cookie header contains `token`, leaving them open: what a
   * connection that died without a word looks like from the browser. New connections are read as usual.
   */
  stall(token: string): number;
  stop(): Promise<void>;
}

export async function startServer(settings: Settings = {}): Promise<TestServer> {
  await ensureClientBuilt();
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const config = configWith({ HOST: '127.0.0.1', PORT: 0, LOG_LEVEL: 'trace', MESSAGE_RATE_LIMIT: 1000, ...settings });
  const server = await buildServer(config, { logger: { level: 'trace', stream } });

  const sockets = new Map<Duplex, string>();
  const offline = new Set<string>();
  const belongsTo = (cookie: string, token: string) => cookie.includes(`hush_token=${token}`);
  server.app.server.on('upgrade', (request: IncomingMessage, socket: Duplex) => {
    const cookie = request.headers.cookie ?? '';
    if ([...offline].some((token) => belongsTo(cookie, token))) {
      // Runs after the gateway's listener has started its async work; it sees the socket destroyed and stops.
      socket.destroy();
      return;
    }
    sockets.set(socket, cookie);
    socket.once('close', () => sockets.delete(socket));
  });

  const socketsOf = (token: string) => [...sockets].filter(([, cookie]) => belongsTo(cookie, token)).map(([socket]) => socket);

  const baseUrl = await server.listen(0);
  return {
    server,
    baseUrl,
    logs,
    disconnect(token) {
      offline.add(token);
      const cut = socketsOf(token);
      for (const socket of cut) socket.destroy();
      return cut.length;
    },
    reconnect(token) {
      offline.delete(token);
    },
    stall(token) {
      const stalled = socketsOf(token);
      for (const socket of stalled) socket.pause();
      return stalled.length;
    },
    stop: () => server.close(1000),
  };
}
