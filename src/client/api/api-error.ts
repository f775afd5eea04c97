/**
 * A failed API call, carrying the server's error code from the shared
 * catalogue (or `network_error` when no answer came back) so screens can
 * choose a banner by code rather than by message text.
 */
import { isErrorCode, type ErrorCode } from '../../shared/errors.js';

export type ApiErrorCode = ErrorCode | 'network_error';

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Reads `{"error":{"code","message"}}`; anything else becomes a generic error of the status. */
export async function apiErrorFrom(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
    const code = body.error?.code;
    const message = typeof body.error?.message === 'string' ? body.error.message : response.statusText;
    if (isErrorCode(code)) return new ApiError(code, message, response.status);
  } catch {
    // Not JSON (a proxy's error page): fall through to the status-based error.
  }
  return new ApiError(response.status >= 500 ? 'unavailable' : 'invalid_request', `The server answered ${response.status}.`, response.status);
}
