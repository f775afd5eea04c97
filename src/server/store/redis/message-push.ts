/**
 * How a message travels on a room's channel: a short header the hub needs
 * (seq, sentAt, sender and id, for ordering and acks) followed by the
 * message's `message` frame, exactly as stored in history:
 *
 *   <seq>,<sentAt>,<n>,<from>\0<id><frame>     (n = byte length of "<from>\0<id>")
 *
 * The append script (redis-scripts.ts) writes it, and stores the same string
 * as the message's history entry; RedisRoomBus reads it from the push's bytes
 * without decoding the frame, which goes to the sockets as the same bytes.
 * Every other event travels as JSON, which starts with "{".
 */
import type { MessageHeader } from '../room-bus.js';

const COMMA = 0x2c;
const NUL = 0x00;
const OPEN_BRACE = 0x7b;

/** The payload for `message` frame `frame` (for RoomBus.publish; the append script builds the same bytes itself). */
export function encodeMessagePush(message: MessageHeader, frame: string): string {
  const scoped = `${message.from}\u0000${message.id}`;
  return `${message.seq},${message.sentAt},${Buffer.byteLength(scoped)},${scoped}${frame}`;
}

/** Whether a channel payload is a message push (anything else is an event's JSON). */
export function isMessagePush(payload: Buffer): boolean {
  return payload.length > 0 && payload[0] !== OPEN_BRACE;
}

/** The header and the frame's bytes (a view into `payload`, not a copy), or undefined if the payload is malformed. */
export function decodeMessagePush(payload: Buffer): { message: MessageHeader; frame: Buffer } | undefined {
  const afterSeq = payload.indexOf(COMMA);
  const afterSentAt = payload.indexOf(COMMA, afterSeq + 1);
  const afterLength = payload.indexOf(COMMA, afterSentAt + 1);
  if (afterSeq < 0 || afterSentAt < 0 || afterLength < 0) return undefined;
  const seq = Number(payload.toString('latin1', 0, afterSeq));
  const sentAt = Number(payload.toString('latin1', afterSeq + 1, afterSentAt));
  const fieldLength = Number(payload.toString('latin1', afterSentAt + 1, afterLength));
  const fieldStart = afterLength + 1;
  const frameStart = fieldStart + fieldLength;
  const separator = payload.indexOf(NUL, fieldStart);
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(sentAt) || !Number.isSafeInteger(fieldLength)) return undefined;
  if (separator < 0 || separator >= frameStart || payload[frameStart] !== OPEN_BRACE) return undefined;
  return {
    message: { seq, sentAt, from: payload.toString('utf8', fieldStart, separator), id: payload.toString('utf8', separator + 1, frameStart) },
    frame: payload.subarray(frameStart),
  };
}
