/**
 * Cross-origin protection for state-changing requests and WebSocket upgrades.
 * Browsers always send `Origin` on those; a request without one comes from a
 * non-browser client (curl, a bot), which carries no ambient cookie to abuse.
 */
export interface OriginPolicy {
  isAllowed(origin: string | undefined, host: string | undefined): boolean;
}

export function createOriginPolicy(allowedOrigins: readonly string[] | undefined): OriginPolicy {
  if (allowedOrigins) {
    const allowed = new Set(allowedOrigins);
    return { isAllowed: (origin) => origin === undefined || allowed.has(origin) };
  }
  return {
    isAllowed(origin, host) {
      if (origin === undefined) return true;
      if (!host) return false;
      // Either scheme: a TLS-terminating proxy makes the browser's https origin reach us over http.
      return origin === `https://${host}` || origin === `http://${host}`;
    },
  };
}
