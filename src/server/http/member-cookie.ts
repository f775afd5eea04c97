/**
 * The browser's member token: a random secret in an HttpOnly, SameSite=Strict
 * cookie. The same token may hold seats in many rooms; the store keeps only a
 * per-room hash of it.
 *
 * Over HTTPS the cookie is `__Host-hush_token`: browsers accept a cookie of that
 * name only from this very origin, over HTTPS, without a Domain. A token is
 * adopted as it comes (it is the browser's identity), so without the prefix a
 * sibling subdomain (or anyone who can set cookies for the domain) could plant a
 * token it knows before a person joins, and then act as that person in every room
 * joined with it. Over plain HTTP (a laptop, a test) no prefix can protect it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MEMBER_TOKEN_PATTERN, newMemberToken } from '../room/ids.js';

export const MEMBER_COOKIE = 'hush_token';
export const SECURE_MEMBER_COOKIE = `__Host-${MEMBER_COOKIE}`;

const cookieNameFor = (request: FastifyRequest) => (request.protocol === 'https' ? SECURE_MEMBER_COOKIE : MEMBER_COOKIE);

function validToken(token: string | undefined): string | undefined {
  return token && MEMBER_TOKEN_PATTERN.test(token) ? token : undefined;
}

export function readMemberToken(request: FastifyRequest): string | undefined {
  return validToken(request.cookies[cookieNameFor(request)]);
}

/**
 * The token of a WebSocket upgrade, whose scheme is not worked out here: the prefixed cookie when
 * there is one. A planted unprefixed one gains nothing over HTTPS, where joins read only the prefixed.
 */
export function memberTokenOfCookies(cookies: Record<string, string | undefined>): string | undefined {
  return validToken(cookies[SECURE_MEMBER_COOKIE]) ?? validToken(cookies[MEMBER_COOKIE]);
}

/** Returns the caller's token, minting and setting a new one if it has none. */
export function ensureMemberToken(request: FastifyRequest, reply: FastifyReply, maxAgeSeconds: number): string {
  const existing = readMemberToken(request);
  const token = existing ?? newMemberToken();
  // Refreshed on every join so the cookie outlives the longest room it holds a seat in.
  reply.setCookie(cookieNameFor(request), token, {
    httpOnly: true,
    sameSite: 'strict',
    // __Host- also requires Path=/ and no Domain, as set here.
    secure: request.protocol === 'https',
    path: '/',
    maxAge: maxAgeSeconds,
  });
  return token;
}
