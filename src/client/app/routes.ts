/**
 * The app's two addresses: `/` (the lobby) and `/r/<roomId>#<key>` (a room).
 * The key lives in the fragment so it never reaches the server, not even in
 * a request line or a Referer.
 *
 * No DOM at import time (`window` is only a default argument), so the
 * parsers here are unit-tested in Node.
 */
import { matchPagePath } from '../../shared/page-path.js';
import { isWellFormedKeyText } from '../crypto/room-key.js';

export type Route = { page: 'lobby' } | { page: 'room'; roomId: string; keyText: string } | { page: 'not-found' };

export function parseRoute(pathname: string, hash: string): Route {
  const page = matchPagePath(pathname);
  if (page === null) return { page: 'not-found' };
  if (page.page === 'lobby') return page;
  const roomId = decodePathSegment(page.rawId);
  if (roomId === undefined) return { page: 'not-found' };
  return { page: 'room', roomId, keyText: hash.replace(/^#/, '') };
}

/** A malformed escape (`/r/%E0`, from any page's link) would otherwise throw while the app first renders. */
function decodePathSegment(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

export function roomPath(roomId: string, keyText: string): string {
  return `/r/${encodeURIComponent(roomId)}#${keyText}`;
}

export function shareLink(roomId: string, keyText: string, origin = window.location.origin): string {
  return origin + roomPath(roomId, keyText);
}

/** A share link read from pasted text. */
export interface ShareLink {
  roomId: string;
  keyText: string;
  origin: string;
  /** The link as parsed and re-serialised: the only form ever navigated to, never the raw text. */
  href: string;
}

export type ShareLinkResult =
  | { ok: true; link: ShareLink }
  /**
   * `not-a-link`: not a URL, or no `/r/<room>` path. `unsupported-scheme`: a
   * URL whose scheme is not http(s) (`javascript:`, `data:`, `ftp:` …), refused
   * even when its path looks like a room. `missing-key`: a room link whose
   * fragment is not a 43-character key (cut off, or absent).
   */
  | { ok: false; problem: 'not-a-link' | 'unsupported-scheme' | 'missing-key' };

/** Only links a browser can load as a page of a Hush server. */
const WEB_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:']);

/**
 * Reads a pasted share link, or a bare `/r/…#…` path (resolved against
 * `base`, this page's origin). A link to another Hush server keeps its origin;
 * the caller navigates there using `href`.
 */
export function parseShareLink(text: string, base: string = window.location.origin): ShareLinkResult {
  let url: URL;
  try {
    url = new URL(text.trim(), base);
  } catch {
    return { ok: false, problem: 'not-a-link' };
  }
  if (!WEB_PROTOCOLS.has(url.protocol)) return { ok: false, problem: 'unsupported-scheme' };
  const route = parseRoute(url.pathname, url.hash);
  if (route.page !== 'room') return { ok: false, problem: 'not-a-link' };
  if (!isWellFormedKeyText(route.keyText)) return { ok: false, problem: 'missing-key' };
  return { ok: true, link: { roomId: route.roomId, keyText: route.keyText, origin: url.origin, href: url.href } };
}
