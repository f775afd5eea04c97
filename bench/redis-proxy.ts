/**
 * A counting TCP proxy between one Hush instance and redis-server, run inside
 * the benchmark's parent process for the fan-out scenario: it measures what
 * that instance receives from Redis (bytes, and pub/sub pushes recognised by
 * their RESP headers — `message`, `smessage`, `pmessage`) without relying on
 * anything inside the Redis engine.
 */
import net from 'node:net';

const PUSH_MARKERS = ['$7\r\nmessage\r\n', '$8\r\nsmessage\r\n', '$8\r\npmessage\r\n'].map((text) => Buffer.from(text));
const CARRY = Math.max(...PUSH_MARKERS.map((marker) => marker.length)) - 1;

export interface ProxyCounters {
  connections: number;
  bytesToRedis: number;
  bytesFromRedis: number;
  pushesFromRedis: number;
}

export interface CountingProxy {
  readonly port: number;
  /** Local ports of the proxy's own connections to Redis, as CLIENT LIST shows them in `addr`. */
  upstreamPorts(): number[];
  counters(): ProxyCounters;
  close(): Promise<void>;
}

export async function startCountingProxy(redisPort: number): Promise<CountingProxy> {
  const counters: ProxyCounters = { connections: 0, bytesToRedis: 0, bytesFromRedis: 0, pushesFromRedis: 0 };
  const sockets = new Set<net.Socket>();
  const upstreams = new Set<net.Socket>();
  const server = net.createServer((client) => {
    counters.connections++;
    const upstream = net.connect(redisPort, '127.0.0.1');
    sockets.add(client);
    upstreams.add(upstream);
    let carry: Buffer = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      counters.bytesToRedis += chunk.length;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      counters.bytesFromRedis += chunk.length;
      const window = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      for (const marker of PUSH_MARKERS) {
        for (let at = window.indexOf(marker); at >= 0; at = window.indexOf(marker, at + marker.length)) counters.pushesFromRedis++;
      }
      carry = window.subarray(Math.max(0, window.length - CARRY));
      client.write(chunk);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      upstreams.delete(upstream);
    };
    client.on('close', close);
    upstream.on('close', close);
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    upstreamPorts: () => [...upstreams].map((socket) => socket.localPort!).filter(Boolean),
    counters: () => ({ ...counters }),
    async close() {
      for (const socket of [...sockets, ...upstreams]) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
