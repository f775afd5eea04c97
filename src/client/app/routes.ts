/**
 * The app's two addresses: `/` (the lobby) and `/r/<roomId>#<key>` (a room).
 * The key lives in the fragment so it never reaches the server, not even in
 * a request line or a Referer.
 */
export type Route = { page: 'lobby' } | { page: 'room'; roomId: string; keyText: string } | { page: 'not-found' };

export function parseRoute(pathname: string, hash: string): Route {
  if (pathname === '/' || pathname === '/index.html') return { page: 'lobby' };
  const match = /^\/r\/([^/]+)\/?$/.exec(pathname);
  if (match) return { page: 'room', roomId: decodeURIComponent(match[1]!), keyText: hash.replace(/^#/, '') };
  return { page: 'not-found' };
}

export function roomPath(roomId: string, keyText: string): string {
  return `/r/${encodeURIComponent(roomId)}#${keyText}`;
}

export function shareLink(roomId: string, keyText: string, origin = window.location.origin): string {
  return origin + roomPath(roomId, keyText);
}

/** Reads a pasted share link (or a bare `/r/…#…` path); null if it is not one. */
export function parseShareLink(text: string): { roomId: string; keyText: string; origin: string } | null {
  let url: URL;
  try {
    url = new URL(text.trim(), window.location.origin);
  } catch {
    return null;
  }
  const route = parseRoute(url.pathname, url.hash);
  return route.page === 'room' ? { roomId: route.roomId, keyText: route.keyText, origin: url.origin } : null;
}
