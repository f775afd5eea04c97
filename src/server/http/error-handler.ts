/**
 * Maps every failure to the API's error shape `{"error":{"code","message"}}`:
 * domain errors keep their code, Fastify's own errors (bad JSON, body too large,
 * a malformed URL) and the static files' (a Range or If-Match that
 * cannot be met) get a code from the catalogue, anything else is a 500 that is
 * logged without the request body. A store outage arrives here as
 * HushError('unavailable') (503), raised by the engine that saw it.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, type ErrorBody, type ErrorCode } from '../../shared/errors.js';
import { HushError, roomNotFound } from '../room/hush-error.js';

export function sendError(reply: FastifyReply, code: ErrorCode, message: string): FastifyReply {
  return reply.code(ERROR_CODES[code]).send({ error: { code, message } } satisfies ErrorBody);
}

function codeForFastifyError(error: FastifyError, url: string): ErrorCode | undefined {
  switch (error.statusCode) {
    case 400:
      return error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError ? 'invalid_json' : 'invalid_request';
    case 414: // a path parameter past maxParamLength: under /api/rooms/, a room id no room has
      return isLongRoomPath(url) ? 'room_not_found' : 'invalid_request';
    case 403:
      return 'forbidden';
    case 404:
    case 405:
      return 'not_found';
    case 412:
      return 'precondition_failed';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 416:
      return 'range_not_satisfiable';
    case 503:
      return 'unavailable';
    default:
      return undefined;
  }
}

/**
 * Answers any failure in the API's shape. Also Fastify's `frameworkErrors`: what it refuses before
 * routing (a URL it cannot decode, a path parameter past maxParamLength) never reaches the error handler.
 */
export function answerError(error: FastifyError | HushError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof HushError) {
    if (error.retryAfterMs !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
    return sendError(reply, error.code, error.message);
  }
  const code = codeForFastifyError(error, request.url);
  if (code === 'room_not_found') return answerError(roomNotFound(), request, reply);
  if (code) return sendError(reply, code, code === 'rate_limited' ? 'Too many requests; try again later.' : error.message);
  request.log.error({ err: error }, 'request failed');
  return sendError(reply, 'internal_error', 'The server failed to complete this request.');
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(answerError);
  app.setNotFoundHandler((request, reply) => {
    // A room id too long for the router is one no room has, like any other malformed id (GET ends here, not at 414).
    if (isLongRoomPath(request.url)) return answerError(roomNotFound(), request, reply);
    return sendError(reply, 'not_found', `No route for ${request.method} ${request.url.split('?')[0]}.`);
  });
}

/** The longest path parameter the router takes (Fastify's maxParamLength; its default): room ids are 22 characters. */
export const MAX_PARAM_LENGTH = 100;

/** A room's own API path (`/api/rooms/:roomId`, `…/join`, `…/messages`) with an id too long for the router. */
const LONG_ROOM_PATH = new RegExp(`^/api/rooms/[^/?]{${MAX_PARAM_LENGTH + 1},}(/join|/messages)?(\\?|$)`);

function isLongRoomPath(url: string): boolean {
  return LONG_ROOM_PATH.test(url);
}
