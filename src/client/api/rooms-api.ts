/**
 * The browser's calls to the Hush HTTP API. Cookies ride along (same origin);
 * the browser adds the Origin header the server checks on state changes.
 * Request and response shapes come from the shared protocol module.
 */
import type { CreateRoomRequest, CreateRoomResponse, JoinRoomResponse, RoomView } from '../../shared/protocol.js';
import { ApiError, apiErrorFrom } from './api-error.js';

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
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
  return (response.status === 204 ? undefined : await response.json()) as T;
}

const roomPath = (roomId: string) => `/api/rooms/${encodeURIComponent(roomId)}`;

export const roomsApi = {
  create: (request: CreateRoomRequest) => call<CreateRoomResponse>('POST', '/api/rooms', request),
  /** Takes a seat, or returns the seat this browser already holds. */
  join: (roomId: string) => call<JoinRoomResponse>('POST', `${roomPath(roomId)}/join`),
  /** Succeeds only for a member: a way to ask "do I hold a seat?" without taking one. */
  view: (roomId: string) => call<RoomView>('GET', roomPath(roomId)),
  destroy: (roomId: string) => call<void>('DELETE', roomPath(roomId)),
};
