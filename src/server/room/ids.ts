/**
 * Identifiers and secrets. Room ids and member tokens are capabilities, so they
 * come from the CSPRNG; member ids are public names inside a room.
 */
import { createHash, randomBytes } from 'node:crypto';

/** 128 random bits, base64url: 22 characters (matches ROOM_ID_PATTERN). */
export function newRoomId(): string {
  return randomBytes(16).toString('base64url');
}

/** 256 random bits; lives only in the browser's HttpOnly cookie. */
export function newMemberToken(): string {
  return randomBytes(32).toString('base64url');
}

export function newMemberId(): string {
  return randomBytes(9).toString('base64url');
}

/**
 * What the store keeps instead of the token. Salting with the room id makes the
 * same browser unlinkable across rooms for anyone reading the store.
 */
export function hashMemberToken(roomId: string, token: string): string {
  return createHash('sha256').update(roomId).update('\0').update(token).digest('base64url');
}

export const MEMBER_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A room id as log lines name it, in URLs too (logging.ts's maskRoomIds): a room id is a capability (anyone who has it can take a free seat), so only its first characters. */
export function roomLogId(roomId: string): string {
  return `${roomId.slice(0, 4)}…`;
}
