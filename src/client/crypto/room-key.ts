/**
 * The room key: 256-bit AES-GCM, generated in the browser when a room is
 * created and carried only in the share link's fragment (`/r/<roomId>#<key>`),
 * which browsers never send to the server.
 */
import { fromBase64Url, toBase64Url } from './base64url.js';

/** 32 bytes in base64url without padding. */
const KEY_TEXT_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface RoomKey {
  /** The key as it appears in the share link. */
  readonly text: string;
  readonly cryptoKey: CryptoKey;
}

export async function generateRoomKey(): Promise<RoomKey> {
  const cryptoKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', cryptoKey));
  return { text: toBase64Url(raw), cryptoKey };
}

export function isWellFormedKeyText(text: string): boolean {
  return KEY_TEXT_PATTERN.test(text);
}

/** Imports a key from its link form; rejects text that is not 32 bytes of base64url. */
export async function importRoomKey(text: string): Promise<RoomKey> {
  if (!isWellFormedKeyText(text)) throw new Error('malformed room key');
  // Not extractable: once imported, page scripts cannot read the bytes back out of the CryptoKey.
  const cryptoKey = await crypto.subtle.importKey('raw', fromBase64Url(text), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  return { text, cryptoKey };
}

/** What keyCheckOf signs: names its purpose, so the check can never equal any other use of the key. */
const KEY_CHECK_LABEL = new TextEncoder().encode('hush room key check v1');

/**
 * The room's key check (KEY_CHECK_PATTERN in the shared protocol): the first 16 bytes of
 * HMAC-SHA-256 over a fixed label, keyed with the room key's bytes, in base64url. The creator
 * sends it with the room; a joiner sends its own, and the server refuses one that differs before
 * it takes a seat. One-way, so it tells the server nothing of the key.
 */
export async function keyCheckOf(text: string): Promise<string> {
  if (!isWellFormedKeyText(text)) throw new Error('malformed room key');
  const hmacKey = await crypto.subtle.importKey('raw', fromBase64Url(text), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', hmacKey, KEY_CHECK_LABEL));
  return toBase64Url(mac.subarray(0, 16));
}

/** Whether two link forms hold the same key: compared as bytes, since the last character of 43 carries two unused bits. */
export function sameKeyText(a: string, b: string): boolean {
  if (!isWellFormedKeyText(a) || !isWellFormedKeyText(b)) return false;
  const [x, y] = [fromBase64Url(a), fromBase64Url(b)];
  return x.length === y.length && x.every((byte, i) => byte === y[i]);
}
