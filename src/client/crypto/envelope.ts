/**
 * Message encryption. A message body on the wire is
 *   base64url( IV (12 random bytes) ‖ AES-256-GCM ciphertext+tag )
 * of the JSON envelope below, with `hush:v2:<roomId>:<messageId>:<senderMemberId>`
 * as additional authenticated data: a body copied into another room,
 * replayed under another message id, or relayed with another sender (`from`)
 * fails authentication instead of decrypting. docs/client.md describes the
 * same format.
 *
 * Pure WebCrypto, no DOM: importable (and tested) in Node.
 */
import { z } from 'zod';
import { fromBase64Url, toBase64Url } from './base64url.js';
import { NAME_MAX_CHARS, normaliseDisplayName } from '../app/display-name.js';

/**
 * 2 since the sender's memberId joined the AAD. Version 1 bodies (AAD without
 * the sender) are not read any more: accepting them would let a server relabel
 * their sender.
 */
export const ENVELOPE_VERSION = 2;
const IV_BYTES = 12;
/** The longest text a person may send, in UTF-16 code units (what a textarea counts). */
export const TEXT_MAX_CHARS = 1000;

/**
 * `text` is a chat line; `hello` is sent once when a member takes a seat so
 * the others learn its display name before it says anything.
 */
const envelopeSchema = z.object({
  v: z.literal(ENVELOPE_VERSION),
  // What the sender typed passed the same cleaning, but the sender is not trusted: clean it again ('' if nothing is left).
  name: z.string().min(1).max(NAME_MAX_CHARS).transform((name) => normaliseDisplayName(name) ?? ''),
  text: z.string().max(TEXT_MAX_CHARS),
  kind: z.enum(['text', 'hello']),
  ts: z.number().int().nonnegative(),
});
export type Envelope = z.infer<typeof envelopeSchema>;

/** Who wrote a body and where: everything the AAD binds it to. */
export interface MessageContext {
  roomId: string;
  /** The message id of the `send` frame (client-chosen, unique per sender). */
  messageId: string;
  /** The sender's memberId: its own (from the join answer or `welcome`) when sealing, the frame's `from` when opening. */
  senderMemberId: string;
}

/**
 * `hush:v2:<roomId>:<messageId>:<senderMemberId>`, each part percent-encoded
 * (encodeURIComponent) so a `:` inside one (message ids are free text) cannot
 * shift the boundaries: two different contexts never give the same AAD.
 * Room ids, member ids and UUIDs contain no character that changes.
 */
export function additionalData({ roomId, messageId, senderMemberId }: MessageContext): Uint8Array<ArrayBuffer> {
  const parts = [roomId, messageId, senderMemberId].map(encodeURIComponent).join(':');
  return new TextEncoder().encode(`hush:v${ENVELOPE_VERSION}:${parts}`);
}

export async function sealEnvelope(key: CryptoKey, context: MessageContext, envelope: Envelope): Promise<string> {
  // An empty sender would bind nothing: never seal before our memberId is known.
  if (!context.senderMemberId) throw new Error('cannot seal a message without the sender memberId');
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const plaintext = new TextEncoder().encode(JSON.stringify(envelope));
  const ciphertext = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: additionalData(context) }, key, plaintext);
  const body = new Uint8Array(IV_BYTES + ciphertext.byteLength);
  body.set(iv, 0);
  body.set(new Uint8Array(ciphertext), IV_BYTES);
  return toBase64Url(body);
}

/**
 * Decrypts and validates a body. Returns null for anything that does not
 * authenticate or is not a valid envelope (wrong key, moved ciphertext,
 * another sender, tampering, an older or newer format): the caller shows "could not be decrypted",
 * never the bytes.
 */
export async function openEnvelope(key: CryptoKey, context: MessageContext, body: string): Promise<Envelope | null> {
  try {
    if (!context.senderMemberId) return null;
    const bytes = fromBase64Url(body);
    if (bytes.length <= IV_BYTES) return null;
    const plaintext = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: bytes.subarray(0, IV_BYTES), additionalData: additionalData(context) },
      key,
      bytes.subarray(IV_BYTES),
    );
    const parsed = envelopeSchema.safeParse(JSON.parse(new TextDecoder().decode(plaintext)));
    return parsed.success ? parsed.data : null;
  } catch {
    // OperationError from a failed tag check, or JSON that is not JSON: both mean "unreadable".
    return null;
  }
}
