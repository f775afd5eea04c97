/**
 * Reading a pasted share link (src/client/app/routes.ts). The form navigates
 * only to what this parser accepts, so a `javascript:` (or any non-http)
 * "link" must never come out of it.
 */
import { describe, expect, it } from 'vitest';
import { parseRoute, parseShareLink, roomPath, shareLink } from '../../src/client/app/routes.js';

const HERE = 'https://hush.example';
const ROOM = 'Ab3_-Ab3_-Ab3_-Ab3_-Ab';
const KEY = 'k'.repeat(21) + '_-' + 'Z'.repeat(20);

describe('parseShareLink', () => {
  it('reads a full link on this server', () => {
    expect(KEY).toHaveLength(43);
    expect(parseShareLink(`  ${HERE}/r/${ROOM}#${KEY}\n`, HERE)).toEqual({
      ok: true,
      link: { roomId: ROOM, keyText: KEY, origin: HERE, href: `${HERE}/r/${ROOM}#${KEY}` },
    });
  });

  it('reads a bare path against this page’s origin, and a trailing slash', () => {
    expect(parseShareLink(`/r/${ROOM}#${KEY}`, HERE)).toMatchObject({ ok: true, link: { roomId: ROOM, origin: HERE, href: `${HERE}/r/${ROOM}#${KEY}` } });
    expect(parseShareLink(`${HERE}/r/${ROOM}/#${KEY}`, HERE)).toMatchObject({ ok: true, link: { roomId: ROOM, keyText: KEY } });
  });

  it('round-trips what shareLink makes', () => {
    expect(parseShareLink(shareLink(ROOM, KEY, HERE), HERE)).toMatchObject({ ok: true, link: { roomId: ROOM, keyText: KEY } });
    expect(roomPath(ROOM, KEY)).toBe(`/r/${ROOM}#${KEY}`);
  });

  it('keeps the origin of a link to another Hush server (http or https), with a normalised href', () => {
    expect(parseShareLink(`https://other.example:8443/r/${ROOM}#${KEY}`, HERE)).toEqual({
      ok: true,
      link: { roomId: ROOM, keyText: KEY, origin: 'https://other.example:8443', href: `https://other.example:8443/r/${ROOM}#${KEY}` },
    });
    expect(parseShareLink(`HTTP://Other.Example/r/${ROOM}#${KEY}`, HERE)).toMatchObject({ ok: true, link: { origin: 'http://other.example', href: `http://other.example/r/${ROOM}#${KEY}` } });
  });

  it('says the key is missing when there is no fragment, an empty one, or one of the wrong length or alphabet', () => {
    for (const text of [`${HERE}/r/${ROOM}`, `${HERE}/r/${ROOM}#`, `${HERE}/r/${ROOM}#${KEY.slice(0, 42)}`, `${HERE}/r/${ROOM}#${KEY}A`, `${HERE}/r/${ROOM}#${KEY.slice(0, 42)}=`]) {
      expect(parseShareLink(text, HERE), text).toEqual({ ok: false, problem: 'missing-key' });
    }
  });

  it('refuses javascript:, data:, ftp: and other schemes even when the path looks like a room', () => {
    for (const text of [
      `javascript:/r/;alert(document.domain);0?0:0//#${KEY}`,
      `  JavaScript:/r/${ROOM}#${KEY}`,
      `java\tscript:/r/${ROOM}#${KEY}`,
      `data:text/html,<script>alert(1)</script>/r/${ROOM}#${KEY}`,
      `data:/r/${ROOM}#${KEY}`,
      `ftp://hush.example/r/${ROOM}#${KEY}`,
      `file:///r/${ROOM}#${KEY}`,
      `blob:${HERE}/r/${ROOM}#${KEY}`,
      `vbscript:/r/${ROOM}#${KEY}`,
    ]) {
      expect(parseShareLink(text, HERE), text).toEqual({ ok: false, problem: 'unsupported-scheme' });
    }
  });

  it('refuses text that is not a room link', () => {
    for (const text of ['', 'hello', `${HERE}/`, `${HERE}/rooms/${ROOM}#${KEY}`, `${HERE}/r/${ROOM}/extra#${KEY}`, 'http://[not a host/r/x#y']) {
      expect(parseShareLink(text, HERE), text).toEqual({ ok: false, problem: 'not-a-link' });
    }
  });
});

describe('parseRoute', () => {
  it('maps paths to pages', () => {
    expect(parseRoute('/', '')).toEqual({ page: 'lobby' });
    expect(parseRoute(`/r/${ROOM}`, `#${KEY}`)).toEqual({ page: 'room', roomId: ROOM, keyText: KEY });
    expect(parseRoute('/nope', '')).toEqual({ page: 'not-found' });
  });

  it('treats a room path with a malformed escape as no page, rather than throwing', () => {
    expect(parseRoute('/r/%E0', `#${KEY}`)).toEqual({ page: 'not-found' });
    expect(parseShareLink(`${HERE}/r/%ZZ#${KEY}`, HERE)).toEqual({ ok: false, problem: 'not-a-link' });
  });
});
