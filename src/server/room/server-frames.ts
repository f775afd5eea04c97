/**
 * Serialisers of the server → client frames that carry room events. The hub
 * builds each once per event and hands the same string to every local socket;
 * a socket's replay uses the same functions, so live and replayed frames match.
 */
import type { ChatMessage, EndReason, MemberPresence, ServerFrame } from '../../shared/protocol.js';

/** Fields listed one by one: a stored message may carry no other property into the frame. */
export function messageFrame(message: ChatMessage): string {
  const { seq, id, from, body, sentAt } = message;
  return JSON.stringify({ type: 'message', seq, id, from, body, sentAt } satisfies ServerFrame);
}

export function ackFrame(id: string, seq: number): string {
  return JSON.stringify({ type: 'ack', id, seq } satisfies ServerFrame);
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
