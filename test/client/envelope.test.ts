/**
 * The message envelope (src/client/crypto/envelope.ts), tested on the real
 * module with Node's WebCrypto: round trip, what the AAD binds (room, message
 * id, sender), tampering, wrong key, and the IV.
 */
import { describe, expect, it } from 'vitest';
import { fromBase64Url, toBase64Url } from '../../src/client/crypto/base64url.js';
import { additionalData, ENVELOPE_VERSION, openEnvelope, sealEnvelope, type Envelope, type MessageContext } from '../../src/client/crypto/envelope.js';
import { generateRoomKey, importRoomKey } from '../../src/client/crypto/room-key.js';

const context: MessageContext = { roomId: 'AAAAAAAAAAAAAAAAAAAAAA', messageId: '3f0c7d4e-8a7b-4c8e-9a51-6b0d2c1e9f00', senderMemberId: 'alice-member-id' };
const envelope: Envelope = { v: ENVELOPE_VERSION, name: 'anonymous-otter-k3x9q', text: 'hello, room', kind: 'text', ts: 1_763_870_000_000 };

async function sealed(overrides: Partial<Envelope> = {}) {
  const key = await generateRoomKey();
  const body = await sealEnvelope(key.cryptoKey, context, { ...envelope, ...overrides });
  return { key, body };
}

describe('envelope', () => {
  it('is version 2 and binds room, message id and sender in that order in the AAD', () => {
    expect(ENVELOPE_VERSION).toBe(2);
    expect(new TextDecoder().decode(additionalData(context))).toBe(`hush:v2:${context.roomId}:${context.messageId}:${context.senderMemberId}`);
  });

  it('keeps AAD parts apart even when a message id contains the separator', () => {
    const a = additionalData({ roomId: 'room', messageId: 'x:y', senderMemberId: 'z' });
    const b = additionalData({ roomId: 'room', messageId: 'x', senderMemberId: 'y:z' });
    expect(new TextDecoder().decode(a)).not.toBe(new TextDecoder().decode(b));
  });

  it('round-trips an envelope, text and hello, through base64url without padding', async () => {
    const { key, body } = await sealed();
    expect(body).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await openEnvelope(key.cryptoKey, context, body)).toEqual(envelope);
    const hello = { ...envelope, text: '', kind: 'hello' as const };
    const helloBody = await sealEnvelope(key.cryptoKey, context, hello);
    expect(await openEnvelope(key.cryptoKey, context, helloBody)).toEqual(hello);
  });

  it('opens with the same key imported from its link text', async () => {
    const { key, body } = await sealed();
    const imported = await importRoomKey(key.text);
    expect(key.text).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await openEnvelope(imported.cryptoKey, context, body)).toEqual(envelope);
  });

  it('does not open under another room id, message id or sender', async () => {
    const { key, body } = await sealed();
    for (const moved of [
      { ...context, roomId: 'BBBBBBBBBBBBBBBBBBBBBB' },
      { ...context, messageId: 'replayed-under-another-id' },
      { ...context, senderMemberId: 'mallory-member-id' },
      { ...context, senderMemberId: '' },
    ]) {
      expect(await openEnvelope(key.cryptoKey, moved, body), JSON.stringify(moved)).toBeNull();
    }
    // The unchanged context still opens: the failures above are the binding, not a broken body.
    expect(await openEnvelope(key.cryptoKey, context, body)).toEqual(envelope);
  });

  it('does not open a body sealed with the version 1 AAD (room and id only)', async () => {
    const key = await generateRoomKey();
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const v1 = { ...envelope, v: 1 };
    const aad = new TextEncoder().encode(`hush:v1:${context.roomId}:${context.messageId}`);
    const ciphertext = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, key.cryptoKey, new TextEncoder().encode(JSON.stringify(v1)));
    const body = toBase64Url(new Uint8Array([...iv, ...new Uint8Array(ciphertext)]));
    expect(await openEnvelope(key.cryptoKey, context, body)).toBeNull();
  });

  it('refuses to seal without a sender memberId', async () => {
    const key = await generateRoomKey();
    await expect(sealEnvelope(key.cryptoKey, { ...context, senderMemberId: '' }, envelope)).rejects.toThrow(/memberId/);
  });

  it('does not open a tampered body: a flipped bit in the ciphertext, the tag or the IV, or a truncation', async () => {
    const { key, body } = await sealed();
    const bytes = fromBase64Url(body);
    for (const index of [0, 11, 12, bytes.length - 17, bytes.length - 1]) {
      const tampered = bytes.slice();
      tampered[index]! ^= 0x01;
      expect(await openEnvelope(key.cryptoKey, context, toBase64Url(tampered)), `bit flipped at ${index}`).toBeNull();
    }
    expect(await openEnvelope(key.cryptoKey, context, toBase64Url(bytes.subarray(0, bytes.length - 1)))).toBeNull();
    expect(await openEnvelope(key.cryptoKey, context, toBase64Url(bytes.subarray(0, 12)))).toBeNull();
    expect(await openEnvelope(key.cryptoKey, context, 'not base64url!')).toBeNull();
    expect(await openEnvelope(key.cryptoKey, context, '')).toBeNull();
  });

  it('does not open with another key', async () => {
    const { body } = await sealed();
    const other = await generateRoomKey();
    expect(await openEnvelope(other.cryptoKey, context, body)).toBeNull();
  });

  it('refuses plaintext that authenticates but is not a valid envelope', async () => {
    const key = await generateRoomKey();
    for (const bad of [{ ...envelope, v: 3 }, { ...envelope, name: '' }, { ...envelope, text: 'x'.repeat(1001) }, { ...envelope, kind: 'other' }]) {
      const body = await sealEnvelope(key.cryptoKey, context, bad as Envelope);
      expect(await openEnvelope(key.cryptoKey, context, body), JSON.stringify(bad).slice(0, 60)).toBeNull();
    }
  });

  it('uses a fresh 96-bit IV: two seals of the same text differ from the first byte, and the body is IV ‖ ciphertext ‖ 16-byte tag', async () => {
    const key = await generateRoomKey();
    const first = fromBase64Url(await sealEnvelope(key.cryptoKey, context, envelope));
    const second = fromBase64Url(await sealEnvelope(key.cryptoKey, context, envelope));
    const plaintextLength = new TextEncoder().encode(JSON.stringify(envelope)).length;
    expect(first.length).toBe(12 + plaintextLength + 16);
    expect(second.length).toBe(first.length);
    expect(toBase64Url(first.subarray(0, 12))).not.toBe(toBase64Url(second.subarray(0, 12)));
    expect(toBase64Url(first.subarray(12))).not.toBe(toBase64Url(second.subarray(12)));
    // The IV really is the first 12 bytes: decrypting by hand with it gives the envelope.
    const plaintext = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: first.subarray(0, 12), additionalData: additionalData(context), tagLength: 128 }, key.cryptoKey, first.subarray(12));
    expect(JSON.parse(new TextDecoder().decode(plaintext))).toEqual(envelope);
  });
});
