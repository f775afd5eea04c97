/**
 * Message encryption. A message body on the wire is
 *   base64url( IV (12 random bytes) ‖ AES-256-GCM ciphertext+tag )
 * of the JSON envelope below, with `hush:v1:<roomId>:<messageId>` as
 * additional authenticated data: a body copied into another room, or
 * replayed under another message id, fails authentication instead of
 * decrypting. docs/client.md describes the same format.
 */
import { z } from 'zod';
import { fromBase64Url, toBase64Url } from './base64url.js';

export const ENVELOPE_VERSION = 1;
const IV_BYTES = 12;
/** The longest text a person may send, in UTF-16 code units (what a textarea counts). */
export const TEXT_MAX_CHARS = 1000;
export const NAME_MAX_CHARS = 40;

/**
 * `text` is a chat line; `hello` is sent once when a member takes a seat so
 * the others learn its display name before it says anything.
 */
const envelopeSchema = z.object({
  v: z.literal(ENVELOPE_VERSION),
  name: z.string().min(1).max(NAME_MAX_CHARS),
  text: z.string().max(TEXT_MAX_CHARS),
  kind: z.enum(['text', 'hello']),
  ts: z.number().int().nonnegative(),
});
export type Envelope = z.infer<typeof envelopeSchema>;

export function additionalData(roomId: string, messageId: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`hush:v${ENVELOPE_VERSION}:${roomId}:${messageId}`);
}

export async function sealEnvelope(key: CryptoKey, roomId: string, messageId: string, envelope: Envelope): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const plaintext = new TextEncoder().encode(JSON.stringify(envelope));
  const ciphertext = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: additionalData(roomId, messageId) }, key, plaintext);
  const body = new Uint8Array(IV_BYTES + ciphertext.byteLength);
  body.set(iv, 0);
  body.set(new Uint8Array(ciphertext), IV_BYTES);
  return toBase64Url(body);
}

/**
 * Decrypts and validates a body. Returns null for anything that does not
 * authenticate or is not a valid envelope (wrong key, moved ciphertext,
 * tampering, a newer format): the caller shows "could not be decrypted",
 * never the bytes.
 */
export async function openEnvelope(key: CryptoKey, roomId: string, messageId: string, body: string): Promise<Envelope | null> {
  try {
    const bytes = fromBase64Url(body);
    if (bytes.length <= IV_BYTES) return null;
    const plaintext = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: bytes.subarray(0, IV_BYTES), additionalData: additionalData(roomId, messageId) },
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
