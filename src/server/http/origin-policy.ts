/**
 * Cross-origin protection for state-changing requests and WebSocket upgrades.
 * Browsers always send `Origin` on those; a request without one comes from a
 * non-browser client (curl, a bot), which carries no ambient cookie to abuse.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export interface OriginPolicy {
  /** Whether the request's `Origin` (if any) may act here; `request` is Node's (Fastify's `request.raw`, or an upgrade's). */
  isAllowed(request: IncomingMessage): boolean;
}

/** `trust`: which peers' X-Forwarded-* to believe (client-address.ts proxyTrust). */
export function createOriginPolicy(allowedOrigins: readonly string[] | undefined, trust: (address: string, hop: number) => boolean): OriginPolicy {
  if (allowedOrigins) {
    const allowed = new Set(allowedOrigins);
    return { isAllowed: ({ headers }) => headers.origin === undefined || allowed.has(headers.origin) };
  }
  return {
    isAllowed(request) {
      const { origin, host } = request.headers;
      if (origin === undefined) return true;
      if (!host) return false;
      // Either scheme while the one the browser used is unknown: a TLS-terminating proxy that TRUST_PROXY does not
      // name makes the browser's https origin reach us over http. Once known, only that one: on an HTTPS site, a
      // page served over plain http (anyone on the path can write one) is not the site.
      const scheme = knownScheme(request, trust);
      return (scheme !== 'http' && origin === `https://${host}`) || (scheme !== 'https' && origin === `http://${host}`);
    },
  };
}

/**
 * The scheme the browser used, when this process can tell, read as Fastify's request.protocol reads it (and so
 * as the cookies' Secure flag and HSTS follow it): what a trusted proxy says in X-Forwarded-Proto (its last
 * value: the nearest proxy's, if it appends), else https on a TLS socket; else undefined.
 */
function knownScheme(request: IncomingMessage, trust: (address: string, hop: number) => boolean): 'http' | 'https' | undefined {
  const forwarded = request.headers['x-forwarded-proto'];
  if (typeof forwarded === 'string' && trust(request.socket.remoteAddress ?? '', 0)) {
    const proto = forwarded.slice(forwarded.lastIndexOf(',') + 1).trim().toLowerCase();
    if (proto === 'https' || proto === 'http') return proto;
  }
  return (request.socket as TLSSocket).encrypted ? 'https' : undefined;
}
