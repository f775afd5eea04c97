/**
 * The web client's page addresses, shared by the client's router and the
 * server that serves the page: `/` (or `/index.html`) is the lobby, and
 * `/r/<roomId>` (optional trailing slash) is a room. The room id is returned
 * as it appears in the path (still percent-encoded); each side checks or
 * decodes it as it needs.
 */
export type PagePath = { page: 'lobby' } | { page: 'room'; rawId: string };

const ROOM_PATH = /^\/r\/([^/]+)\/?$/;

export function matchPagePath(path: string): PagePath | null {
  if (path === '/' || path === '/index.html') return { page: 'lobby' };
  const match = ROOM_PATH.exec(path);
  return match ? { page: 'room', rawId: match[1]! } : null;
}
