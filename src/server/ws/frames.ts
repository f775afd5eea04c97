/**
 * Parsing of client frames at the edge: JSON, then the shared zod schema. Every
 * failure becomes a typed error code the client can show; nothing throws.
 *
 * The two frames a client sends all the time, a well-formed `send` and
 * `typing`, are recognised by acceptsWithoutZod() first: the same rules as the
 * schema, read from the same constants, checked without zod's result objects
 * (about 600 bytes of garbage per frame). It only ever accepts what the schema
 * accepts, with the same output (test/server/frames.test.ts compares both over
 * a corpus of edge cases); everything else goes through the schema, which also
 * words the error.
 */
import {
  BODY_MAX_CHARS,
  CLIENT_FRAME_TYPES,
  clientFrameSchema,
  hasLoneSurrogate,
  MESSAGE_ID_MAX_CHARS,
  messageIdSchema,
  type ClientFrame,
  type ServerFrame,
} from '../../shared/protocol.js';
import type { ErrorCode } from '../../shared/errors.js';

/** A refusal carries the frame's `id` when it had a usable one, so the client knows which send failed. */
export type ParsedFrame = { ok: true; frame: ClientFrame } | { ok: false; code: ErrorCode; message: string; id?: string };

export function parseClientFrame(text: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: 'invalid_json', message: 'The frame is not valid JSON.' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: 'invalid_frame', message: 'A frame must be a JSON object with a "type".' };
  }
  const fast = acceptsWithoutZod(value);
  if (fast) return { ok: true, frame: fast };
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !CLIENT_FRAME_TYPES.has(type)) {
    const shown = typeof type === 'string' ? JSON.stringify(type.slice(0, 32)) : typeof type;
    return { ok: false, code: 'unknown_type', message: `Unknown frame type ${shown}; expected "send" or "typing".` };
  }
  const result = clientFrameSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join('.') || 'frame';
    const id = messageIdSchema.safeParse((value as { id?: unknown }).id);
    return { ok: false, code: 'invalid_frame', message: `Invalid "${field}": ${issue?.message ?? 'invalid'}.`, ...(id.success ? { id: id.data } : {}) };
  }
  return { ok: true, frame: result.data };
}

/** The frame clientFrameSchema would output for `value`, when `value` is a well-formed send or typing; else undefined (ask the schema). */
export function acceptsWithoutZod(value: object): ClientFrame | undefined {
  const { type, id, body } = value as { type?: unknown; id?: unknown; body?: unknown };
  if (type === 'typing') return { type };
  if (type !== 'send' || typeof id !== 'string' || typeof body !== 'string') return undefined;
  if (id.length < 1 || id.length > MESSAGE_ID_MAX_CHARS || body.length < 1 || body.length > BODY_MAX_CHARS || hasLoneSurrogate(id)) return undefined;
  return { type, id, body };
}

/** An `error` frame; `id` names the `send` it refuses, when it answers one; `retryAfterMs`, when a budget renews. */
export function errorFrame(code: ErrorCode, message: string, id?: string, retryAfterMs?: number): string {
  return JSON.stringify({ type: 'error', code, message, id, retryAfterMs } satisfies ServerFrame); // JSON drops what is undefined
}
