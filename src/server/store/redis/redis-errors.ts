/**
 * How a failed Redis command surfaces to the room domain. A command that fails
 * because Redis cannot serve right now (connection down, timed out, cluster
 * down, out of memory) becomes HushError('unavailable') — HTTP 503, an `error`
 * frame on a socket. Anything else is a bug and becomes a plain Error. Either
 * way the ioredis error is not passed on: it carries the command's arguments
 * (message bodies, token hashes), which must never reach a log line.
 */
import { HushError, storeUnavailable } from '../../room/hush-error.js';

/** Server replies that mean "cannot serve now", not "your command is wrong". */
const TRANSIENT_REPLY = /^(CLUSTERDOWN|LOADING|MASTERDOWN|TRYAGAIN|OOM|READONLY|BUSY|NOREPLICAS|MOVED|ASK)\b/;

export function isUnavailable(error: unknown): boolean {
  if (error instanceof HushError) return error.code === 'unavailable';
  if (!(error instanceof Error)) return false;
  // ReplyError is an answer from a working server; every other ioredis error is about reaching one.
  if (error.name === 'ReplyError') return TRANSIENT_REPLY.test(error.message);
  return true;
}

/** The error to throw in place of `error`, raised by `operation` (a store or bus method name). */
export function storeError(error: unknown, operation: string): Error {
  if (error instanceof HushError) return error;
  if (isUnavailable(error)) return storeUnavailable();
  const detail = error instanceof Error ? error.message : String(error);
  return new Error(`Redis ${operation} failed: ${detail}`);
}

/** The loggable part of an ioredis error: no command, no arguments. */
export function describeError(error: unknown): { name: string; message: string; code?: string } {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
}
