/**
 * Serialisers of the server → client frames that carry room events. A
 * message's frame is made once, when it is stored (by the memory store here,
 * by the Redis append script from the same fields), kept in history as is,
 * and handed unchanged to every socket, live or in a replay.
 */
import type { ChatMessage, EndReason, MemberPresence, ServerFrame } from '../../shared/protocol.js';

/**
 * Fields listed one by one, so a stored message carries no other property into the frame;
 * assembled around the escaped strings (a third cheaper than stringifying an object, once per message).
 */
export function messageFrame(message: ChatMessage): string {
  return messageFrameFromTail(message.seq, messageFrameTail(message.id, message.from, message.body, message.sentAt));
}

/**
 * A `message` frame from its seq and the rest of it. The Redis engine escapes the tail on the
 * instance, and its append script puts the seq in front the same way.
 */
export function messageFrameFromTail(seq: number, tail: string): string {
  return '{"type":"message","seq":' + seq + tail;
}

/** Everything of a `message` frame after its seq, escaped: `,"id":…,"from":…,"body":…,"sentAt":<sentAt>}`. */
export function messageFrameTail(id: string, from: string, body: string, sentAt: number | string): string {
  return ',"id":' + jsonString(id) + ',"from":' + jsonString(from) + ',"body":' + jsonString(body) + ',"sentAt":' + sentAt + '}';
}

/** What JSON.stringify would escape in a string (quote, backslash, controls), and surrogates, which it may. */
const NEEDS_ESCAPING = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * JSON.stringify(text), without calling into the runtime for the common case: ids and
 * base64 ciphertext never need escaping, so they are quoted as they are.
 */
export function jsonString(text: string): string {
  return NEEDS_ESCAPING.test(text) ? JSON.stringify(text) : '"' + text + '"';
}

/** The message a stored `message` frame carries (for HTTP reads and the hub's gap fill, not the live path). */
export function parseMessageFrame(frame: string | Buffer): ChatMessage {
  const { seq, id, from, body, sentAt } = JSON.parse(frame.toString()) as ChatMessage;
  return { seq, id, from, body, sentAt };
}

/** One per accepted send: only `id` needs escaping, so it is spliced in rather than stringified as an object. */
export function ackFrame(id: string, seq: number): string {
  return '{"type":"ack","id":' + jsonString(id) + ',"seq":' + seq + '}';
}

export function presenceFrame(members: MemberPresence[]): string {
  return JSON.stringify({ type: 'presence', members } satisfies ServerFrame);
}

export function typingFrame(from: string): string {
  return JSON.stringify({ type: 'typing', from } satisfies ServerFrame);
}

export function destroyedFrame(reason: EndReason): string {
  return JSON.stringify({ type: 'destroyed', reason } satisfies ServerFrame);
}
