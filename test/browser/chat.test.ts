/**
 * Issue 3, "Done means": two browser contexts create, join, chat both ways
 * and see each other's names; a third gets room_full (and a changed link's key,
 * wrong_key, before it can take the seat); reloading keeps the
 * seat and the history; destroy sends both to the lobby with a banner.
 * Also the lobby rule that opening a share link never takes a seat.
 * The tests share one room and run in order, like one conversation.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPerson, type Person } from './support/browser.js';
import { startServer, type TestServer } from './support/hush-server.js';
import { createRoom, displayName, messageTexts, roomIdOf, sendMessage, waitForBanner, waitForMessages, WAIT_MS } from './support/room-actions.js';

let hush: TestServer;
let browser: Browser;
let alice: Person;
let bob: Person;
let link: string;

const seatsTaken = async () => (await hush.server.engine.store.listMembers(roomIdOf(link))).length;

beforeAll(async () => {
  [hush, browser] = await Promise.all([startServer(), launchBrowser()]);
  [alice, bob] = await Promise.all([newPerson(browser), newPerson(browser)]);
});

afterAll(async () => {
  await browser?.close();
  await hush?.stop();
});

describe('a conversation between two browsers', () => {
  it('creates a room whose share link carries a 256-bit key in the fragment', async () => {
    link = await createRoom(alice.page, hush.baseUrl);
    expect(link).toMatch(new RegExp(`^${hush.baseUrl}/r/[A-Za-z0-9_-]{22}#[A-Za-z0-9_-]{43}$`));
    expect(alice.page.url()).toBe(link);
    expect(await seatsTaken()).toBe(1);
  });

  it('copies the full share link with the copy button', async () => {
    await alice.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: hush.baseUrl });
    await alice.page.getByTestId('copy-link').click();
    await alice.page.locator('[data-testid="copy-link"][data-state="copied"]').waitFor({ timeout: WAIT_MS });
    expect(await alice.page.evaluate(() => navigator.clipboard.readText())).toBe(link);
  });

  it('does not take a seat when a share link is merely opened, by a crawler or by a browser', async () => {
    const crawler = await fetch(link.split('#')[0]!, { headers: { accept: 'text/html' } });
    expect(crawler.status).toBe(200);
    await bob.page.goto(link);
    await bob.page.getByTestId('join-room').waitFor({ timeout: WAIT_MS });
    expect(await seatsTaken()).toBe(1);
  });

  it('refuses a link whose key was changed on the way at Join, with a banner, and keeps the seat free', async () => {
    const [address, keyText] = link.split('#') as [string, string];
    // Another well-formed key: it imports, so only the room's key check can tell it is not the room's.
    const changedKey = (keyText[0] === 'A' ? 'B' : 'A') + keyText.slice(1);
    const stranger = await newPerson(browser);
    await stranger.page.goto(`${address}#${changedKey}`);
    await stranger.page.getByTestId('join-room').click();
    const text = await waitForBanner(stranger.page, 'wrong_key');
    expect(text).toMatch(/key/i);
    expect(await seatsTaken()).toBe(1);
    await stranger.context.close();
  });

  it('joins with the Join button, and both sides see the other come online', async () => {
    await bob.page.getByTestId('join-room').click();
    await bob.page.locator('[data-testid="connection-status"][data-status="open"]').waitFor({ timeout: WAIT_MS });
    expect(await seatsTaken()).toBe(2);
    const bobName = await displayName(bob.page);
    await alice.page.locator('[data-testid="presence-line"][data-change="joined"]', { hasText: bobName }).waitFor({ timeout: WAIT_MS });
  });

  it('chats both ways, showing each sender’s name on the other side and own messages as own', async () => {
    const [aliceName, bobName] = await Promise.all([displayName(alice.page), displayName(bob.page)]);
    expect(aliceName).toMatch(/^anonymous-[a-z]+-[a-z0-9]{5}$/);
    expect(bobName).toMatch(/^anonymous-[a-z]+-[a-z0-9]{5}$/);
    expect(aliceName).not.toBe(bobName);

    await sendMessage(alice.page, 'Hello Bob');
    await waitForMessages(bob.page, ['Hello Bob']);
    await sendMessage(bob.page, 'Hi Alice,\nthis is two lines');
    await waitForMessages(alice.page, ['Hello Bob', 'Hi Alice,\nthis is two lines']);
    await waitForMessages(bob.page, ['Hello Bob', 'Hi Alice,\nthis is two lines']);

    const fromAlice = bob.page.getByTestId('message').filter({ hasText: 'Hello Bob' });
    expect(await fromAlice.getByTestId('message-author').textContent()).toBe(aliceName);
    expect(await fromAlice.getAttribute('data-own')).toBe('false');
    const fromBob = alice.page.getByTestId('message').filter({ hasText: 'this is two lines' });
    expect(await fromBob.getByTestId('message-author').textContent()).toBe(bobName);
    const ownOnAlice = alice.page.getByTestId('message').filter({ hasText: 'Hello Bob' });
    expect(await ownOnAlice.getAttribute('data-own')).toBe('true');
    await alice.page.locator('[data-testid="message"][data-own="true"][data-status="sent"]').waitFor({ timeout: WAIT_MS });
  });

  it('uses a renamed display name on the next message', async () => {
    const field = bob.page.getByTestId('display-name');
    await field.fill('Bob the Builder');
    await field.press('Enter');
    await sendMessage(bob.page, 'renamed');
    const renamed = alice.page.getByTestId('message').filter({ hasText: 'renamed' });
    await renamed.waitFor({ timeout: WAIT_MS });
    expect(await renamed.getByTestId('message-author').textContent()).toBe('Bob the Builder');
  });

  it('lays out a right-to-left message right to left, in the bubble and in the message box', async () => {
    const hebrew = 'שלום, מה שלומך היום?';
    await alice.page.getByTestId('message-input').fill(hebrew);
    expect(await alice.page.getByTestId('message-input').evaluate((element) => getComputedStyle(element).direction)).toBe('rtl');
    await alice.page.getByTestId('message-input').press('Enter');
    const text = bob.page.getByTestId('message').filter({ hasText: hebrew }).getByTestId('message-text');
    await text.waitFor({ timeout: WAIT_MS });
    expect(await text.evaluate((element) => getComputedStyle(element).direction)).toBe('rtl');
    const latin = bob.page.getByTestId('message').filter({ hasText: 'Hello Bob' }).getByTestId('message-text');
    expect(await latin.evaluate((element) => getComputedStyle(element).direction)).toBe('ltr');
  });

  it('drops invisible and direction-changing characters from names, and tags every other member by its id, so a copied name is told apart', async () => {
    const aliceName = await displayName(alice.page);
    const field = bob.page.getByTestId('display-name');
    // Bob takes Alice's name, wrapped in a right-to-left override and zero-width spaces.
    await field.fill(`\u202e\u200b${aliceName}\u200b`);
    await field.press('Enter');
    await sendMessage(bob.page, 'I am Alice, honest');
    const posing = alice.page.getByTestId('message').filter({ hasText: 'I am Alice, honest' });
    await posing.waitFor({ timeout: WAIT_MS });
    expect(await posing.getByTestId('message-author').textContent()).toBe(aliceName);
    // The tag comes from the member id, which Bob cannot choose: Alice's messages on Bob's page carry another.
    const bobTag = await posing.getByTestId('message-author-tag').textContent();
    expect(bobTag).toMatch(/^#[A-Za-z0-9_-]{4}$/);
    const fromAlice = bob.page.getByTestId('message').filter({ hasText: 'Hello Bob' });
    const aliceTag = await fromAlice.getByTestId('message-author-tag').textContent();
    expect(aliceTag).toMatch(/^#[A-Za-z0-9_-]{4}$/);
    expect(aliceTag).not.toBe(bobTag);
    await field.fill('Bob the Builder');
    await field.press('Enter');
  });

  it('shows "typing…" to the other member', async () => {
    await alice.page.getByTestId('message-input').pressSequentially('abc');
    await bob.page.getByTestId('typing').filter({ hasText: 'is typing' }).waitFor({ timeout: WAIT_MS });
    await alice.page.getByTestId('message-input').fill('');
  });

  it('inserts an emoji from the picker, whose data is served by Hush itself', async () => {
    const input = alice.page.getByTestId('message-input');
    await input.fill('nice ');
    await alice.page.getByTestId('emoji-button').click();
    const search = alice.page.getByRole('searchbox', { name: 'Search emoji' });
    await search.fill('thumbs up');
    const emoji = alice.page.getByRole('gridcell', { name: /thumbs up/i }).first();
    await emoji.waitFor({ timeout: WAIT_MS });
    const chosen = (await emoji.textContent()) ?? '';
    expect(chosen).not.toBe('');
    await emoji.click();
    expect(await input.inputValue()).toBe(`nice ${chosen}`);
    await input.fill('');
  });

  it('shows a character counter near the 1000-character limit and will not send past it', async () => {
    const input = alice.page.getByTestId('message-input');
    expect(await alice.page.getByTestId('char-counter').count()).toBe(0);
    await input.fill('x'.repeat(1001));
    expect(await alice.page.getByTestId('char-counter').textContent()).toContain('1001/1000');
    expect(await alice.page.getByTestId('send').isDisabled()).toBe(true);
    await input.press('Enter');
    await input.fill('x'.repeat(1000));
    expect(await alice.page.getByTestId('send').isEnabled()).toBe(true);
    await input.fill('');
    expect(await alice.page.getByTestId('message').filter({ hasText: 'xxxxxxxxxx' }).count()).toBe(0);
  });

  it('counts unread messages in the title while the tab is hidden, and clears it when shown', async () => {
    const setHidden = (hidden: boolean) =>
      alice.page.evaluate((value) => {
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => value });
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (value ? 'hidden' : 'visible') });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    await setHidden(true);
    await sendMessage(bob.page, 'while you were away 1');
    await sendMessage(bob.page, 'while you were away 2');
    await alice.page.waitForFunction(() => document.title === '(2) Hush', undefined, { timeout: WAIT_MS });
    await setHidden(false);
    await alice.page.waitForFunction(() => document.title === 'Hush', undefined, { timeout: WAIT_MS });
  });

  it('refuses a third browser: room_full, shown as a banner on the lobby', async () => {
    const carol = await newPerson(browser);
    await carol.page.goto(link);
    await carol.page.getByTestId('join-room').click();
    const text = await waitForBanner(carol.page, 'room_full');
    expect(text).toMatch(/full/i);
    expect(new URL(carol.page.url()).pathname).toBe('/');
    expect(await seatsTaken()).toBe(2);
    await carol.context.close();
  });

  it('keeps the seat (same memberId) and the history across a reload', async () => {
    const memberBefore = await bob.page.getByTestId('room').getAttribute('data-member-id');
    expect(memberBefore).toBeTruthy();
    const before = await messageTexts(bob.page);
    await bob.page.reload();
    await bob.page.locator('[data-testid="connection-status"][data-status="open"]').waitFor({ timeout: WAIT_MS });
    await waitForMessages(bob.page, before);
    expect(await bob.page.getByTestId('room').getAttribute('data-member-id')).toBe(memberBefore);
    expect(await seatsTaken()).toBe(2);
    // Still a working member after the reload.
    await sendMessage(bob.page, 'back after reload');
    await waitForMessages(alice.page, [...before, 'back after reload']);
  });

  it('lists the room in the lobby, and opens it from there', async () => {
    await alice.page.getByRole('link', { name: 'Hush' }).click();
    const saved = alice.page.locator(`[data-testid="saved-room"][data-room-id="${roomIdOf(link)}"]`);
    await saved.waitFor({ timeout: WAIT_MS });
    await saved.getByRole('link').click();
    await alice.page.locator('[data-testid="connection-status"][data-status="open"]').waitFor({ timeout: WAIT_MS });
    expect(alice.page.url()).toBe(link);
  });

  it('destroys the room after confirmation and sends both members to the lobby with a banner', async () => {
    await alice.page.getByTestId('destroy').click();
    await alice.page.getByTestId('confirm-destroy').click();
    expect(await waitForBanner(alice.page, 'destroyed_by_you')).toMatch(/destroyed/i);
    expect(await waitForBanner(bob.page, 'destroyed')).toMatch(/destroyed/i);
    for (const person of [alice, bob]) {
      expect(new URL(person.page.url()).pathname).toBe('/');
      await person.page.getByTestId('create-room').waitFor();
      expect(await person.page.locator(`[data-testid="saved-room"][data-room-id="${roomIdOf(link)}"]`).count()).toBe(0);
    }
    expect(await hush.server.engine.store.getRoom(roomIdOf(link))).toBeNull();
  });

  it('shows room_not_found for a link to a room that is gone', async () => {
    await bob.page.goto(link);
    expect(await waitForBanner(bob.page, 'room_not_found')).toMatch(/does not exist/i);
    expect(alice.problems).toEqual([]);
    expect(bob.problems).toEqual([]);
  });
});

describe('keyboard only', () => {
  it('creates a room and sends a message without the mouse', async () => {
    const kim = await newPerson(browser);
    await kim.page.goto(`${hush.baseUrl}/`);
    const focusedTestId = () => kim.page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);
    for (let presses = 0; presses < 12 && (await focusedTestId()) !== 'create-room'; presses++) await kim.page.keyboard.press('Tab');
    expect(await focusedTestId()).toBe('create-room');
    await kim.page.keyboard.press('Enter');
    await kim.page.locator('[data-testid="connection-status"][data-status="open"]').waitFor({ timeout: WAIT_MS });
    // Entering the room leaves the keyboard in the message box (the header's buttons come before it in tab order).
    expect(await focusedTestId()).toBe('message-input');
    await kim.page.keyboard.type('typed, not clicked');
    await kim.page.keyboard.press('Shift+Enter');
    await kim.page.keyboard.type('second line');
    await kim.page.keyboard.press('Enter');
    await waitForMessages(kim.page, ['typed, not clicked\nsecond line']);
    // The skip link moves focus past the header and leaves the address alone: the fragment is the room's key.
    const address = kim.page.url();
    await kim.page.getByText('Skip to content').focus();
    await kim.page.keyboard.press('Enter');
    expect(await kim.page.evaluate(() => document.activeElement?.id)).toBe('main-content');
    expect(kim.page.url()).toBe(address);
    await kim.page.locator('[data-testid="connection-status"][data-status="open"]').waitFor({ timeout: WAIT_MS });
    expect(await kim.page.getByTestId('missing-key').count()).toBe(0);
    await kim.context.close();
  });
});
