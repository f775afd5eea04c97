/**
 * Two browsers on two Hush instances that share one Redis: what the web
 * client sees when its messages travel through Redis — pushed to the other
 * instance as bytes, replayed from Redis history on reload — must be what it
 * sees on one process. (A server frame sent as binary instead of text, say,
 * reaches the browser as a Blob the client cannot read.)
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer, redisSkipReason } from '../support/redis-server.js';
import { launchBrowser, newPerson, type Person } from './support/browser.js';
import { startServer, type TestServer } from './support/hush-server.js';
import { createRoom, joinByLink, sendMessage, waitForBanner, waitForMessages, waitInRoom } from './support/room-actions.js';

if (redisSkipReason) console.warn(`[browser/redis] SKIPPED: ${redisSkipReason}`);
const suite = redisSkipReason ? describe.skip : describe;

suite('two browsers on two instances sharing Redis', () => {
  let redis: RedisServer;
  let one: TestServer;
  let two: TestServer;
  let browser: Browser;
  let alice: Person;
  let bob: Person;

  beforeAll(async () => {
    redis = await RedisServer.start();
    [one, two, browser] = await Promise.all([startServer({ REDIS_URL: redis.url }), startServer({ REDIS_URL: redis.url }), launchBrowser()]);
    [alice, bob] = await Promise.all([newPerson(browser), newPerson(browser)]);
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([one?.stop(), two?.stop()]);
    await redis?.stop();
  });

  it('chat both ways, a reload that replays from Redis, and destroy reaching the other instance', { timeout: 60_000 }, async () => {
    const link = await createRoom(alice.page, one.baseUrl);
    // Bob opens the same room (and key) on the other instance.
    await joinByLink(bob.page, link.replace(one.baseUrl, two.baseUrl));
    await sendMessage(alice.page, 'from alice, on one');
    await waitForMessages(bob.page, ['from alice, on one']);
    await sendMessage(bob.page, 'from bob, on two');
    await sendMessage(alice.page, 'and back');
    const everything = ['from alice, on one', 'from bob, on two', 'and back'];
    await waitForMessages(alice.page, everything);
    await waitForMessages(bob.page, everything);

    // A reload replays the history from Redis.
    await bob.page.reload();
    await waitInRoom(bob.page);
    await waitForMessages(bob.page, everything);

    await alice.page.getByTestId('destroy').click();
    await alice.page.getByTestId('confirm-destroy').click();
    expect(await waitForBanner(bob.page, 'destroyed')).toMatch(/destroyed/i);
    expect(alice.problems).toEqual([]);
    expect(bob.problems).toEqual([]);
  });
});
