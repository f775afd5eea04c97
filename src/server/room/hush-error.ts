/** The one error type the domain throws; transports map `code` to an HTTP status or an `error` frame. */
import { ERROR_CODES, type ErrorCode } from '../../shared/errors.js';

export class HushError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** For `rate_limited`: how long until the budget that refused renews, when that is known. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'HushError';
    this.statusCode = ERROR_CODES[code];
  }
}

export const roomNotFound = () => new HushError('room_not_found', 'This room does not exist: it may have expired or been destroyed.');
export const storeUnavailable = () => new HushError('unavailable', 'The server cannot reach its store right now; try again shortly.');
export const notAMember = () => new HushError('not_a_member', 'You hold no seat in this room. Join it first.');
export const rateLimited = (retryAfterMs?: number) => new HushError('rate_limited', 'You are sending too fast; slow down.', retryAfterMs);
