/**
 * The HTTP API under /api/rooms. Each handler validates its input with the
 * shared zod schemas, resolves the caller's seat from the cookie, and calls
 * the RoomService; errors flow to the error handler as HushErrors.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { z } from 'zod';
import {
  createRoomRequestSchema,
  listMessagesQuerySchema,
  joinRoomRequestSchema,
  noBodySchema,
  sendMessageRequestSchema,
  type ListMessagesResponse,
  type RoomLimits,
  type SendMessageResponse,
} from '../../shared/protocol.js';
import type { Config } from '../config.js';
import { HushError, rateLimited } from '../room/hush-error.js';
import type { RoomMetrics } from '../room/room-metrics.js';
import type { Member, RoomService } from '../room/room-service.js';
import type { ClientReadBudget } from '../room/client-read-budget.js';
import { readBudgetKey, spendBudget } from '../room/rate-budget.js';
import { ensureMemberToken, readMemberToken } from './member-cookie.js';
import { clientAddressKey } from './client-address.js';
import type { OriginPolicy } from './origin-policy.js';

export interface RoomsRouteDeps {
  config: Config;
  service: RoomService;
  metrics: RoomMetrics;
  /** Per-member limiter of history reads (sends are budgeted by the store, see RoomService.send). */
  messageLimiter: RateLimiterAbstract;
  /** Each client address's budget of history bytes read, shared with WebSocket replays. */
  clientReads: ClientReadBudget;
  /** Per-IP room-creation limiter (shared across instances on Redis). */
  roomCreateLimiter: RateLimiterAbstract;
  /** Per-IP limiter of every request to an /api/ route (shared across instances on Redis). */
  apiRequestLimiter: RateLimiterAbstract;
  /** The origins allowed to call the API from a browser (app.ts checks state-changing requests against it too). */
  originPolicy: OriginPolicy;
}

function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  // No body at all is the empty one; a JSON `null` is a body, and not an object.
  const result = schema.safeParse(value === undefined ? {} : value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || 'body';
  throw new HushError('invalid_request', `Invalid "${field}": ${issue?.message ?? 'invalid'}.`);
}

type RoomRequest = FastifyRequest<{ Params: { roomId: string } }>;

export function registerRoomsRoutes(app: FastifyInstance, deps: RoomsRouteDeps): void {
  const { config, service, metrics } = deps;

  async function requireMember(request: RoomRequest): Promise<Member> {
    try {
      return await service.authenticate(request.params.roomId, readMemberToken(request));
    } catch (error) {
      if (error instanceof HushError && error.code === 'not_a_member') metrics.joinRejected('not_a_member');
      throw error;
    }
  }

  async function consume(limiter: RateLimiterAbstract, key: string, kind: 'message' | 'room_create' | 'api_request'): Promise<void> {
    const retryAfterMs = await spendBudget(limiter, key);
    if (retryAfterMs === undefined) return;
    metrics.rateLimited(kind);
    if (kind === 'message') throw rateLimited(retryAfterMs);
    throw new HushError(
      'rate_limited',
      kind === 'room_create' ? 'Too many rooms created from your address; wait a minute.' : 'Too many requests from your address; wait a moment.',
      retryAfterMs,
    );
  }

  // Every API request spends a point of its client address's budget, before any route work (joins and
  // reads included, which have no other per-address bound). Matched by the route, not the raw URL, so
  // an encoded path cannot slip past; the web client's files, health checks and metrics are not counted.
  // A read that a browser says another site's page made (an <img>, a no-cors fetch: no Origin) is refused
  // first, so it cannot spend the budget of everyone behind its visitor's address; clients that say
  // nothing (curl, bots) are not turned away. (app.ts has already checked the origin of state changes.)
  app.addHook('onRequest', async (request) => {
    if (!request.routeOptions.url?.startsWith('/api/')) return;
    const site = request.headers['sec-fetch-site'];
    if ((site === 'cross-site' || site === 'same-site') && !(request.headers.origin !== undefined && deps.originPolicy.isAllowed(request.raw))) {
      throw new HushError('forbidden_origin', 'Requests from another site are not allowed.');
    }
    await consume(deps.apiRequestLimiter, clientAddressKey(request.ip), 'api_request');
  });

  // What a creator may choose here, so the lobby offers only lifetimes and sizes this server accepts.
  app.get('/api/limits', async (): Promise<RoomLimits> => service.roomLimits);

  app.post('/api/rooms', async (request, reply) => {
    const body = parse(createRoomRequestSchema, request.body);
    await consume(deps.roomCreateLimiter, clientAddressKey(request.ip), 'room_create');
    const room = await service.createRoom(body);
    return reply.code(201).send(room);
  });

  app.post('/api/rooms/:roomId/join', async (request: RoomRequest, reply) => {
    const body = parse(joinRoomRequestSchema, request.body);
    const token = ensureMemberToken(request, reply, config.ROOM_TTL_MAX_SECONDS);
    return reply.send(await service.join(request.params.roomId, token, body.keyCheck));
  });

  app.get('/api/rooms/:roomId', async (request: RoomRequest) => service.view(await requireMember(request)));

  app.delete('/api/rooms/:roomId', async (request: RoomRequest, reply) => {
    parse(noBodySchema, request.body);
    await service.destroy(await requireMember(request));
    return reply.code(204).send();
  });

  app.get('/api/rooms/:roomId/messages', async (request: RoomRequest): Promise<ListMessagesResponse> => {
    const member = await requireMember(request);
    const query = parse(listMessagesQuerySchema, request.query);
    // Reads have their own budget of the same size as sends: history pages are the costliest answer.
    await consume(deps.messageLimiter, readBudgetKey(member.room.roomId, member.memberId), 'message');
    const read = await deps.clientReads.read(clientAddressKey(request.ip), () => service.listMessages(member, query.after, query.limit), (page) => page.framesRead);
    if ('retryAfterMs' in read) throw new HushError('rate_limited', 'Too much history read from your address in a short time; wait a moment.', read.retryAfterMs);
    return { messages: read.result.messages };
  });

  app.post('/api/rooms/:roomId/messages', async (request: RoomRequest, reply) => {
    const member = await requireMember(request);
    const body = parse(sendMessageRequestSchema, request.body);
    // The send budget (shared with WebSocket sends) is spent by the store, in the same step as the append.
    const result = await service.send(member, body.id, body.body);
    return reply.code(201).send({ seq: result.seq, sentAt: result.sentAt } satisfies SendMessageResponse);
  });
}
