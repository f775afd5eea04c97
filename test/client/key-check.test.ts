/**
 * The room key check (keyCheckOf in src/client/crypto/room-key.ts) on the real
 * module with Node's WebCrypto, against the definition docs/protocol.md gives,
 * computed here with node:crypto: servers and other clients can rely on it.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromBase64Url } from '../../src/client/crypto/base64url.js';
import { generateRoomKey, keyCheckOf } from '../../src/client/crypto/room-key.js';
import { KEY_CHECK_PATTERN } from '../../src/shared/protocol.js';

describe('key check', () => {
  it('is the first 16 bytes of HMAC-SHA-256 over "hush room key check v1" keyed with the key, in base64url', async () => {
    const key = await generateRoomKey();
    const expected = createHmac('sha256', fromBase64Url(key.text)).update('hush room key check v1').digest().subarray(0, 16).toString('base64url');
    const check = await keyCheckOf(key.text);
    expect(check).toBe(expected);
    expect(check).toMatch(KEY_CHECK_PATTERN);
  });

  it('tells keys apart, one changed character included, and is the same for the same key', async () => {
    const key = await generateRoomKey();
    const changed = (key.text[0] === 'A' ? 'B' : 'A') + key.text.slice(1);
    expect(await keyCheckOf(changed)).not.toBe(await keyCheckOf(key.text));
    expect(await keyCheckOf((await generateRoomKey()).text)).not.toBe(await keyCheckOf(key.text));
    expect(await keyCheckOf(key.text)).toBe(await keyCheckOf(key.text));
  });

  it('is the same for two spellings of one key (the 43rd character carries two unused bits)', async () => {
    const key = await generateRoomKey();
    const bytes = fromBase64Url(key.text);
    const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(key.text[42]!);
    const otherSpelling = key.text.slice(0, 42) + 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[last ^ 1]!;
    expect(fromBase64Url(otherSpelling)).toEqual(bytes);
    expect(await keyCheckOf(otherSpelling)).toBe(await keyCheckOf(key.text));
  });

  it('refuses text that is not a key', async () => {
    await expect(keyCheckOf('abc')).rejects.toThrow(/malformed/);
  });
});
