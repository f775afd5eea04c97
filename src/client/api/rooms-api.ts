/**
 * The browser's calls to the Hush HTTP API. Cookies ride along (same origin);
 * the browser adds the Origin header the server checks on state changes.
 * Request and response shapes come from the shared protocol module.
 */
import { z } from 'zod';
import { createRoomResponseSchema, joinRoomResponseSchema, roomLimitsSchema, roomViewSchema, type CreateRoomRequest, type JoinRoomRequest } from '../../shared/protocol.js';
import { ApiError, apiErrorFrom } from './api-error.js';

/** Makes the call; a successful answer is parsed with `answer` (the shared schema), so a malformed one is an error, never page state. */
async function call<T>(method: string, path: string, body: unknown, answer: z.ZodType<T>): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch {
    throw new ApiError('network_error', 'The server could not be reached.', 0);
  }
  if (!response.ok) throw await apiErrorFrom(response);
  const parsed = answer.safeParse(response.status === 204 ? undefined : await response.json().catch(() => null));
  if (!parsed.success) throw new ApiError('internal_error', 'The server answered with something this page cannot read.', response.status);
  return parsed.data;
}

const NO_CONTENT = z.undefined();

const roomPath = (roomId: string) => `/api/rooms/${encodeURIComponent(roomId)}`;

export const roomsApi = {
  /** The lifetimes and sizes this server lets a creator choose. */
  limits: () => call('GET', '/api/limits', undefined, roomLimitsSchema),
  create: (request: CreateRoomRequest) => call('POST', '/api/rooms', request, createRoomResponseSchema),
  /** Takes a seat, or returns the seat this browser already holds; refused (`wrong_key`) when `keyCheck` is not the room's. */
  join: (roomId: string, keyCheck: string) => call('POST', `${roomPath(roomId)}/join`, { keyCheck } satisfies JoinRoomRequest, joinRoomResponseSchema),
  /** Succeeds only for a member: a way to ask "do I hold a seat?" without taking one. */
  view: (roomId: string) => call('GET', roomPath(roomId), undefined, roomViewSchema),
  destroy: (roomId: string) => call('DELETE', roomPath(roomId), undefined, NO_CONTENT),
};
