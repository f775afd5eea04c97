/**
 * Issue 3, "Reconnect … resume from the last seen seq: no message lost or
 * shown twice across a network drop", and "Optimistic sending … the same id
 * is reused so a retry never duplicates".
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessageFrame } from '../../src/server/room/server-frames.js';
import { launchBrowser, newPerson, type Person } from './support/browser.js';
import { startServer, type TestServer } from './support/hush-server.js';
import { createRoom, joinByLink, memberToken, roomIdOf, sendMessage, waitForBanner, waitForMessages, waitInRoom, WAIT_MS } from './support/room-actions.js';

let hush: TestServer;
let browser: Browser;

beforeAll(async () => {
  [hush, browser] = await Promise.all([startServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await hush?.stop();
});

/** Alice and Bob in a new room, Alice's `first` message already on Bob's screen. */
async function chattingPair(first: string): Promise<{ alice: Person; bob: Person }> {
  const alice = await newPerson(browser);
  const bob = await newPerson(browser);
  await joinByLink(bob.page, await createRoom(alice.page, hush.baseUrl));
  await sendMessage(alice.page, first);
  await waitForMessages(bob.page, [first]);
  return { alice, bob };
}

/** Takes `person` offline, sees the page say so, and writes `text`, which stays pending. */
async function writeWhileOffline(person: Person, text: string): Promise<void> {
  // Chromium's offline mode fires `offline` but leaves an open WebSocket open, as a dropped Wi-Fi does for a while.
  await person.context.setOffline(true);
  await person.page.locator('[data-testid="connection-status"][data-status="reconnecting"]').waitFor({ timeout: WAIT_MS });
  await sendMessage(person.page, text);
  await person.page.locator('[data-testid="message"][data-status="pending"]', { hasText: text }).waitFor({ timeout: WAIT_MS });
}

describe('network drop', () => {
  it('loses nothing and shows nothing twice: messages sent on both sides while one side is cut off all appear once, in seq order', async () => {
    const alice = await newPerson(browser);
    const bob = await newPerson(browser);
    const link = await createRoom(alice.page, hush.baseUrl);
    await joinByLink(bob.page, link);
    const roomId = roomIdOf(link);

    await sendMessage(alice.page, 'a1');
    await waitForMessages(bob.page, ['a1']);
    await sendMessage(bob.page, 'b1');
    await waitForMessages(alice.page, ['a1', 'b1']);

    const sockets: string[] = [];
    alice.page.on('websocket', (socket) => sockets.push(socket.url()));
    const storedBeforeDrop = (await hush.server.engine.store.readMessages(roomId, 0, 1000)).lastSeq;

    expect(hush.disconnect(await memberToken(alice.context))).toBe(1);
    await alice.page.locator('[data-testid="connection-status"][data-status="reconnecting"]').waitFor({ timeout: WAIT_MS });

    for (const text of ['b2', 'b3', 'b4']) await sendMessage(bob.page, text);
    await waitForMessages(bob.page, ['a1', 'b1', 'b2', 'b3', 'b4']);
    await bob.page.locator('[data-testid="message"][data-status="pending"]').waitFor({ state: 'detached', timeout: WAIT_MS });

    // Written while cut off: shown at once as pending, sent when the link is back.
    await sendMessage(alice.page, 'a2 written offline');
    await alice.page.locator('[data-testid="message"][data-status="pending"]', { hasText: 'a2 written offline' }).waitFor({ timeout: WAIT_MS });

    hush.reconnect(await memberToken(alice.context));
    await alice.page.locator('[data-testid="connection-status"][data-status="open"]').waitFor({ timeout: 15_000 });

    const everything = ['a1', 'b1', 'b2', 'b3', 'b4', 'a2 written offline'];
    await waitForMessages(alice.page, everything);
    await waitForMessages(bob.page, everything);
    await alice.page.locator('[data-testid="message"][data-status="pending"]').waitFor({ state: 'detached', timeout: WAIT_MS });

    // The successful reconnect resumed from the last contiguous seq the page had, not from 0.
    const resumedFrom = sockets.map((url) => Number(new URL(url).searchParams.get('after')));
    expect(resumedFrom.at(-1)).toBe(storedBeforeDrop);

    // And the server holds each message once: the resent one was not stored twice.
    const stored = (await hush.server.engine.store.readMessages(roomId, 0, 1000)).frames.map(parseMessageFrame);
    const ids = stored.map((message) => `${message.from}:${message.id}`);
    expect(new Set(ids).size).toBe(ids.length);
    // 6 chat lines plus one `hello` per member.
    expect(stored).toHaveLength(everything.length + 2);
    expect(alice.problems).toEqual([]);
  });

  it('going offline shows "reconnecting" at once, though the socket still looked open; back online, what was written meanwhile goes out', async () => {
    const { alice, bob } = await chattingPair('before the drop');

    await writeWhileOffline(alice, 'written while offline');

    await alice.context.setOffline(false);
    await alice.page.locator('[data-testid="connection-status"][data-status="open"]').waitFor({ timeout: 15_000 });
    await waitForMessages(bob.page, ['before the drop', 'written while offline']);
    await alice.page.locator('[data-testid="message"][data-status="pending"]').waitFor({ state: 'detached', timeout: WAIT_MS });
    expect(alice.problems).toEqual([]);
  });

  it('a room that ended while a message was still unsent: the lobby banner says the message was not sent', async () => {
    const { alice, bob } = await chattingPair('before the end');
    await writeWhileOffline(alice, 'never stored');

    await bob.page.getByTestId('destroy').click();
    await bob.page.getByTestId('confirm-destroy').click();
    expect(await waitForBanner(bob.page, 'destroyed_by_you')).not.toMatch(/not sent/);

    await alice.context.setOffline(false);
    const text = await waitForBanner(alice.page, 'room_not_found');
    expect(text).toContain('The message you were sending had not reached the server: it was not sent.');
  });

  it('a send whose ack does not come on a socket that still looks open makes the page reconnect and send it again', async () => {
    const { alice, bob } = await chattingPair('before the stall');

    // The server stops reading Alice's socket but keeps it open: no error, no close, no ack.
    expect(hush.stall(await memberToken(alice.context))).toBe(1);
    await sendMessage(alice.page, 'into the silence');
    // After 10 s without its ack the page gives up on that socket; the message goes out again on a new one.
    await bob.page.getByTestId('message-text').filter({ hasText: 'into the silence' }).waitFor({ timeout: 20_000 });
    await alice.page.locator('[data-testid="message"][data-status="pending"], [data-testid="message"][data-status="failed"]').waitFor({ state: 'detached', timeout: WAIT_MS });
    await waitForMessages(bob.page, ['before the stall', 'into the silence']);
    expect(alice.problems).toEqual([]);
  }, 40_000);
});

describe('a connection the server turns away for reconnecting too fast', () => {
  // Every connection spends a point of the member's read budget: here 3 per 8 s, so the fourth load within them is turned away.
  let strict: TestServer;

  beforeAll(async () => {
    strict = await startServer({ MESSAGE_RATE_LIMIT: 3, MESSAGE_RATE_WINDOW_SECONDS: 8 });
  });

  afterAll(async () => {
    await strict?.stop();
  });

  it('makes the page wait until the budget renews, as the refusal said, and then connect once', async () => {
    const alice = await newPerson(browser);
    const sockets: { createdAt: number; url: string }[] = [];
    let refusal: { at: number; retryAfterMs: number } | undefined;
    const refused = new Promise<void>((resolve) => {
      alice.page.on('websocket', (socket) => {
        sockets.push({ createdAt: Date.now(), url: socket.url() });
        socket.on('framereceived', ({ payload }) => {
          const frame = JSON.parse(String(payload)) as { type: string; code?: string; id?: string; retryAfterMs?: number };
          if (frame.type !== 'error' || frame.code !== 'rate_limited' || frame.id !== undefined || refusal) return;
          refusal = { at: Date.now(), retryAfterMs: frame.retryAfterMs ?? Number.NaN };
          resolve();
        });
      });
    });

    await createRoom(alice.page, strict.baseUrl);
    for (let load = 2; load <= 3; load++) {
      await alice.page.reload();
      await waitInRoom(alice.page);
    }
    await alice.page.reload();
    await refused;
    const { at, retryAfterMs } = refusal!;
    // Most of the 8 s window is left, so reconnecting on the usual backoff (0.5–0.75 s) would come far too early.
    expect(retryAfterMs).toBeGreaterThan(3_000);
    const refusedSockets = sockets.length;

    await alice.page.locator('[data-testid="connection-status"][data-status="open"]').waitFor({ timeout: retryAfterMs + WAIT_MS });
    // One attempt after the refusal, and not before the budget renewed (less the time the test took to hear of the refusal).
    expect(sockets).toHaveLength(refusedSockets + 1);
    expect(sockets.at(-1)!.createdAt - at).toBeGreaterThanOrEqual(retryAfterMs - 250);
    expect(alice.problems).toEqual([]);
  }, 40_000);
});
