/**
 * The browser's member token: a random secret in an HttpOnly, SameSite=Strict
 * cookie. The same token may hold seats in many rooms; the store keeps only a
 * per-room hash of it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MEMBER_TOKEN_PATTERN, newMemberToken } from '../room/ids.js';

export const MEMBER_COOKIE = 'hush_token';

export function readMemberToken(request: FastifyRequest): string | undefined {
  const token = request.cookies[MEMBER_COOKIE];
  return token && MEMBER_TOKEN_PATTERN.test(token) ? token : undefined;
}

/** Returns the caller's token, minting and setting a new one if it has none. */
export function ensureMemberToken(request: FastifyRequest, reply: FastifyReply, maxAgeSeconds: number): string {
  const existing = readMemberToken(request);
  const token = existing ?? newMemberToken();
  // Refreshed on every join so the cookie outlives the longest room it holds a seat in.
  reply.setCookie(MEMBER_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    path: '/',
    maxAge: maxAgeSeconds,
  });
  return token;
}
