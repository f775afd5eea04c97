/**
 * Endpoints for load balancers, orchestrators and Prometheus: liveness,
 * readiness (a real round trip to the store) and metrics (optionally behind a
 * bearer token).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Engine } from '../store/engine.js';
import { sendError } from './error-handler.js';

export function registerOpsRoutes(app: FastifyInstance, engine: Engine, registry: Registry, metricsToken: string | undefined): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (request, reply) => {
    try {
      await engine.ping();
      return { status: 'ready', engine: engine.kind };
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed');
      return sendError(reply, 'unavailable', `The ${engine.kind} store cannot be reached.`);
    }
  });

  app.get('/metrics', async (request, reply) => {
    if (metricsToken && !bearerMatches(request.headers.authorization, metricsToken)) {
      reply.header('www-authenticate', 'Bearer');
      return sendError(reply, 'unauthorized', 'GET /metrics needs "Authorization: Bearer <METRICS_TOKEN>".');
    }
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
