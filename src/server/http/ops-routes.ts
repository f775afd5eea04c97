/**
 * Endpoints for load balancers, orchestrators and Prometheus: liveness,
 * readiness (a real round trip to the store) and metrics. Metrics say when and
 * how much a server's rooms talk, which is worth hiding on a private chat
 * server: behind METRICS_TOKEN if it is set; else only to requests from this
 * machine, addressed to a loopback name, that carry no forwarding header, and to none at all when TRUST_PROXY
 * says a proxy is in front (a proxy on this machine that adds no such header
 * would make every request look local).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import type { Engine } from '../store/engine.js';
import { isLoopback } from './client-address.js';
import { sendError } from './error-handler.js';

export function registerOpsRoutes(app: FastifyInstance, engine: Engine, registry: Registry, metricsToken: string | undefined, behindProxy: boolean): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (request, reply) => {
    try {
      await engine.ping();
      return { status: 'ready', engine: engine.kind };
    } catch (error) {
      // A load balancer probes every few seconds; the outage itself is logged once by the store's connection.
      request.log.debug({ err: error }, 'readiness check failed');
      return sendError(reply, 'unavailable', `The ${engine.kind} store cannot be reached.`);
    }
  });

  app.get('/metrics', async (request, reply) => {
    if (metricsToken && !bearerMatches(request.headers.authorization, metricsToken)) {
      reply.header('www-authenticate', 'Bearer');
      return sendError(reply, 'unauthorized', 'GET /metrics needs "Authorization: Bearer <METRICS_TOKEN>".');
    }
    if (!metricsToken && (behindProxy || !isLocalAndDirect(request))) {
      return sendError(reply, 'forbidden', 'GET /metrics answers only on this machine and with no proxy configured; set METRICS_TOKEN to scrape it otherwise.');
    }
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}

/**
 * Made on this machine and straight to us: the peer is a loopback address, no proxy says it forwarded
 * the request, and it was addressed to a loopback name. The last defeats DNS rebinding: a page of
 * another site whose name it has pointed at 127.0.0.1 reaches us from a local browser with its own
 * name in Host.
 */
function isLocalAndDirect(request: FastifyRequest): boolean {
  return (
    isLoopback(request.socket.remoteAddress ?? '') &&
    isLoopbackHost(request.headers.host) &&
    request.headers['x-forwarded-for'] === undefined &&
    request.headers.forwarded === undefined
  );
}

/** `localhost` (or a name under it, which browsers keep on this machine), a loopback address, with or without a port. */
function isLoopbackHost(host: string | undefined): boolean {
  const name = (host ?? '').toLowerCase().replace(/:\d*$/, '').replace(/^\[(.*)\]$/, '$1');
  return name === 'localhost' || name.endsWith('.localhost') || isLoopback(name);
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
