/**
 * The catalogue of error codes and WebSocket close codes. Shared by the server
 * (which sends them) and the client (which shows them); docs/protocol.md
 * documents the same table.
 */

/** Every error code the server can put in `{"error":{"code"}}` or an `error` frame, with its HTTP status. */
export const ERROR_CODES = {
  invalid_request: 400,
  invalid_json: 400,
  invalid_frame: 400,
  unknown_type: 400,
  unauthorized: 401,
  forbidden: 403,
  forbidden_origin: 403,
  not_a_member: 403,
  wrong_key: 403,
  room_not_found: 404,
  not_found: 404,
  room_full: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  range_not_satisfiable: 416,
  rate_limited: 429,
  too_many_connections: 429,
  internal_error: 500,
  unavailable: 503,
  server_full: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
/** The codes as a list, for schemas (`z.enum`). */
export const ERROR_CODE_NAMES = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

/** The body of every HTTP error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/**
 * WebSocket close codes. 4xxx codes mirror HTTP statuses; the client must not
 * reconnect after a code listed in FINAL_CLOSE_CODES.
 */
export const CLOSE_CODES = {
  /** Server is shutting down or restarting: reconnect at once (to another instance). */
  serviceRestart: 1012,
  /** Frame larger than MESSAGE_MAX_BYTES. */
  messageTooBig: 1009,
  /** Binary frame: the protocol is JSON text only. */
  unsupportedData: 1003,
  /** The store is unreachable right now: reconnect with backoff. */
  tryAgainLater: 1013,
  /** Kept sending past the rate limit. */
  policyViolation: 1008,
  /** The upgrade's query string is malformed (e.g. `after` is not a number). */
  badRequest: 4400,
  /** No member token, or a token that holds no seat in this room. */
  notAMember: 4403,
  /** The room does not exist (never did, expired or destroyed). */
  roomNotFound: 4404,
  /** The room ended while the socket was open (a `destroyed` frame precedes it). */
  roomEnded: 4410,
} as const;

export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];

/** After these the room or the seat is gone: reconnecting cannot help. */
export const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CLOSE_CODES.badRequest,
  CLOSE_CODES.notAMember,
  CLOSE_CODES.roomNotFound,
  CLOSE_CODES.roomEnded,
  CLOSE_CODES.messageTooBig,
  CLOSE_CODES.unsupportedData,
]);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
