/**
 * Issue 3: "a 2-second room expires for both", with a live countdown synced
 * to the server's expiresAt, and every member landing on the lobby with a
 * banner saying why.
 */
import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPerson } from './support/browser.js';
import { startServer, type TestServer } from './support/hush-server.js';
import { waitForBanner, waitInRoom } from './support/room-actions.js';

let hush: TestServer;
let browser: Browser;

beforeAll(async () => {
  [hush, browser] = await Promise.all([startServer({ ROOM_TTL_MIN_SECONDS: 1 }), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await hush?.stop();
});

describe('self-destruction', () => {
  it('counts a 2-second room down and sends both members to the lobby with an "expired" banner', async () => {
    const people = await Promise.all([newPerson(browser), newPerson(browser)]);
    // Load the app once first, so the two seconds are spent joining, not downloading the bundle.
    await Promise.all(people.map((person) => person.page.goto(`${hush.baseUrl}/`)));

    const created = await fetch(`${hush.baseUrl}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ttlSeconds: 2 }) });
    expect(created.status).toBe(201);
    const { roomId, expiresAt } = (await created.json()) as { roomId: string; expiresAt: number };
    // The browser makes the key when it creates a room; a room made through the API gets one made here the same way.
    const link = `${hush.baseUrl}/r/${roomId}#${randomBytes(32).toString('base64url')}`;

    await Promise.all(
      people.map(async ({ page }) => {
        await page.goto(link);
        await page.getByTestId('join-room').click();
        await waitInRoom(page);
      }),
    );
    for (const { page } of people) {
      const remaining = Number(await page.getByTestId('countdown').getAttribute('data-remaining-ms'));
      expect(remaining).toBeGreaterThanOrEqual(0);
      expect(remaining).toBeLessThanOrEqual(expiresAt - Date.now() + 300);
      expect(await page.getByTestId('countdown').textContent()).toMatch(/^0:0[0-2]$/);
    }

    const banners = await Promise.all(people.map(({ page }) => waitForBanner(page, 'expired')));
    for (const text of banners) expect(text).toMatch(/time ran out/i);
    for (const { page } of people) expect(new URL(page.url()).pathname).toBe('/');
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt - 50);
    expect(await hush.server.engine.store.getRoom(roomId)).toBeNull();
  });
});
