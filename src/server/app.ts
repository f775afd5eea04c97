/**
 * Composition root: builds a Hush server from a Config without listening, so
 * tests can start it on port 0 and main.ts can add signals around it.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { CLOSE_CODES } from '../shared/errors.js';
import type { Config } from './config.js';
import { answerError, MAX_PARAM_LENGTH, registerErrorHandling, sendError } from './http/error-handler.js';
import { createOriginPolicy } from './http/origin-policy.js';
import { registerOpsRoutes } from './http/ops-routes.js';
import { registerRoomsRoutes } from './http/rooms-routes.js';
import { registerWebClient } from './http/web-client.js';
import { loggerOptions, RequestLogController } from './logging.js';
import { createPrometheusMetrics, type PrometheusMetrics } from './metrics.js';
import { RoomHub } from './room/room-hub.js';
import { RoomService } from './room/room-service.js';
import { createEngine, type Engine } from './store/engine.js';
import { attachWebSocketGateway, type WebSocketGateway } from './ws/ws-gateway.js';
import { proxyTrust } from './http/client-address.js';
import { ClientReadBudget } from './room/client-read-budget.js';

/** Frames one socket may have awaiting the store however small MESSAGE_RATE_LIMIT is (a client resending after a reconnect). */
const MIN_FRAMES_IN_FLIGHT = 32;

export interface BuildOptions {
  /** Storage engine; by default picked from the config (memory, or Redis with REDIS_URL). */
  engine?: Engine;
  /** Fastify logger option; by default from LOG_LEVEL and LOG_FORMAT. */
  logger?: FastifyServerOptions['logger'];
}

export interface HushServer {
  readonly app: FastifyInstance;
  readonly engine: Engine;
  readonly hub: RoomHub;
  readonly gateway: WebSocketGateway;
  readonly service: RoomService;
  readonly metrics: PrometheusMetrics;
  /** Listens on config HOST:PORT (or the given port); resolves with the base URL. */
  listen(port?: number): Promise<string>;
  /** Closes every socket with 1012, stops listening, closes the engine. */
  close(timeoutMs?: number): Promise<void>;
}

export async function buildServer(config: Config, options: BuildOptions = {}): Promise<HushServer> {
  const https = config.TLS_CERT_FILE && config.TLS_KEY_FILE ? { cert: readFileSync(config.TLS_CERT_FILE), key: readFileSync(config.TLS_KEY_FILE) } : null;
  // Which proxies' X-Forwarded-* to believe, compiled once: Fastify's request.ip and request.protocol, the origin check's
  // scheme, and the WebSocket gateway's client addresses all read TRUST_PROXY the same way.
  const trust = proxyTrust(config.TRUST_PROXY);
  const app = Fastify({
    ...(https ? { https } : {}),
    logger: options.logger ?? loggerOptions(config),
    logController: new RequestLogController(),
    // Ours, not Fastify's reading of TRUST_PROXY: Fastify alone would refuse a hop count.
    trustProxy: config.TRUST_PROXY === false ? false : trust,
    bodyLimit: config.MESSAGE_MAX_BYTES,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // An HTTP connection idle this long is closed, so a client that stops reading a response
    // cannot pin it in memory. WebSockets are exempt (ws clears the timeout on upgrade; pings keep them honest).
    connectionTimeout: 30_000,
    requestIdHeader: false,
    genReqId: () => randomBytes(6).toString('base64url'),
    frameworkErrors: answerError,
  });
  const engine = options.engine ?? (await createEngine(config, app.log));
  const metrics = createPrometheusMetrics(() => engine.stats);
  const nodeId = randomBytes(6).toString('base64url');

  const service = new RoomService(engine.store, engine.bus, engine.clock, config, metrics);
  const hub = new RoomHub(engine.bus, engine.store, engine.clock, metrics, app.log);
  const messageLimiter = engine.createRateLimiter({
    keyPrefix: 'hush:rl:msg',
    points: config.MESSAGE_RATE_LIMIT,
    durationSeconds: config.MESSAGE_RATE_WINDOW_SECONDS,
  });
  const clientReads = new ClientReadBudget(
    engine.createRateLimiter({ keyPrefix: 'hush:rl:read', points: config.CLIENT_READ_LIMIT_KIB, durationSeconds: config.MESSAGE_RATE_WINDOW_SECONDS }),
    metrics,
  );
  const roomCreateLimiter = engine.createRateLimiter({
    keyPrefix: 'hush:rl:create',
    points: config.ROOM_CREATE_LIMIT,
    durationSeconds: config.ROOM_CREATE_WINDOW_SECONDS,
  });
  const apiRequestLimiter = engine.createRateLimiter({
    keyPrefix: 'hush:rl:api',
    points: config.API_REQUEST_LIMIT,
    durationSeconds: config.API_REQUEST_WINDOW_SECONDS,
  });
  const originPolicy = createOriginPolicy(config.allowedOrigins, trust);

  // The API reads JSON only: a text/plain body gets 415, as any other type (Fastify would take it and fail it
  // with a schema error); an empty one, which `fetch(url, {method: 'POST', body: ''})` labels so, is no body.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') done(null, undefined);
    else done(Object.assign(new Error('Request bodies are JSON (application/json).'), { statusCode: 415 }), undefined);
  });
  await app.register(cookie);
  await registerWebClient(app, config);
  registerErrorHandling(app);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // Over HTTPS (directly, or behind a trusted proxy that says so) browsers must never fall back to http.
    if (request.protocol === 'https' && !reply.hasHeader('strict-transport-security')) {
      reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    }
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return;
    if (!originPolicy.isAllowed(request.raw)) {
      return sendError(reply, 'forbidden_origin', 'Requests from this origin are not allowed to change state.');
    }
  });
  registerOpsRoutes(app, engine, metrics.registry, config.METRICS_TOKEN, Boolean(config.TRUST_PROXY));
  registerRoomsRoutes(app, { config, service, metrics, messageLimiter, clientReads, roomCreateLimiter, apiRequestLimiter, originPolicy });

  const gateway = attachWebSocketGateway(
    app,
    config,
    originPolicy,
    trust,
    {
      service,
      hub,
      store: engine.store,
      clockNow: () => engine.clock.now(),
      rateLimiter: messageLimiter,
      clientReads,
      metrics,
      historyLimit: config.HISTORY_LIMIT,
      rateLimitStrikes: config.RATE_LIMIT_STRIKES,
      maxSocketsPerMember: config.MAX_SOCKETS_PER_MEMBER,
      sendBufferLimitBytes: config.SEND_BUFFER_LIMIT_BYTES,
      // More in flight than one window's budget would mostly be refused anyway, once the store answered.
      maxFramesInFlight: Math.max(MIN_FRAMES_IN_FLIGHT, config.MESSAGE_RATE_LIMIT),
    },
    nodeId,
  );

  return {
    app,
    engine,
    hub,
    gateway,
    service,
    metrics,
    async listen(port = config.PORT) {
      return app.listen({ port, host: config.HOST });
    },
    async close(timeoutMs = 10_000) {
      // Stop listening first: sockets told to reconnect at once (1012) must reach another instance, and a
      // refused connection is what a load balancer retries elsewhere (nginx does not retry a 503 answer).
      app.server.close();
      await gateway.close(CLOSE_CODES.serviceRestart, 'server restart', timeoutMs);
      await app.close();
      await engine.close();
    },
  };
}

