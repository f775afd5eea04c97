/**
 * Issue 3: dark and light theme (system default, with a toggle), usable on a
 * phone; and the screenshots of the lobby and a room, light and dark, that
 * docs/client.md shows. They go to test-results/screenshots/ on every run,
 * and to docs/screenshots/ with UPDATE_SCREENSHOTS=1 (so an ordinary test run
 * leaves no modified pictures in the work tree).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPerson, type Person } from './support/browser.js';
import { startServer, type TestServer } from './support/hush-server.js';
import { createRoom, joinByLink, sendMessage, waitForMessages, WAIT_MS } from './support/room-actions.js';

const SCREENSHOTS = resolve(import.meta.dirname, process.env.UPDATE_SCREENSHOTS ? '../../docs/screenshots' : '../../test-results/screenshots');

/** Fixed display names, so the pictures do not change with every run's random ones. */
async function personNamed(name: string, options: Parameters<typeof newPerson>[1]): Promise<Person> {
  const person = await newPerson(browser, options);
  await person.context.addInitScript((stored) => {
    if (!localStorage.getItem('hush:display-name')) localStorage.setItem('hush:display-name', stored);
  }, JSON.stringify(name));
  return person;
}

let hush: TestServer;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  [hush, browser] = await Promise.all([startServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await hush?.stop();
});

const isDark = (page: Page) => page.evaluate(() => document.documentElement.classList.contains('dark'));

/**
 * WCAG contrast of an element's text against its own background, as the browser paints them: each computed
 * colour (Tailwind's are oklch) is drawn on a canvas and read back as sRGB.
 */
async function contrastOf(page: Page, selector: string): Promise<number> {
  const [text, background] = await page.locator(selector).first().evaluate((element) => {
    const style = getComputedStyle(element);
    let node: Element | null = element;
    let fill = style.backgroundColor;
    while (node && /rgba\(0, 0, 0, 0\)|transparent/.test(getComputedStyle(node).backgroundColor)) node = node.parentElement;
    if (node) fill = getComputedStyle(node).backgroundColor;
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 1;
    const context = canvas.getContext('2d', { colorSpace: 'srgb' })!;
    return [style.color, fill].map((colour) => {
      context.clearRect(0, 0, 1, 1);
      context.fillStyle = colour;
      context.fillRect(0, 0, 1, 1);
      return [...context.getImageData(0, 0, 1, 1).data.slice(0, 3)];
    });
  });
  const luminance = (rgb: number[]) =>
    rgb.map((byte) => byte / 255).map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)).reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i]!, 0);
  const [lighter, darker] = [luminance(text!), luminance(background!)].sort((a, b) => b - a);
  return (lighter! + 0.05) / (darker! + 0.05);
}
const shoot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), animations: 'disabled', caret: 'hide' });

describe('themes and screenshots', () => {
  let light: Person;
  let dark: Person;
  let phone: Person;

  it('follows the system colour scheme by default', async () => {
    light = await personNamed('anonymous-otter-k3x9q', { colorScheme: 'light' });
    dark = await personNamed('anonymous-heron-7mwp2', { colorScheme: 'dark' });
    await Promise.all([light.page.goto(`${hush.baseUrl}/`), dark.page.goto(`${hush.baseUrl}/`)]);
    expect(await isDark(light.page)).toBe(false);
    expect(await isDark(dark.page)).toBe(true);
  });

  it('takes the room screenshots, light and dark, on a conversation', async () => {
    const link = await createRoom(light.page, hush.baseUrl);
    await joinByLink(dark.page, link);
    await sendMessage(light.page, 'Is this thing on?');
    await waitForMessages(dark.page, ['Is this thing on?']);
    await sendMessage(dark.page, 'Loud and clear. Nobody else can read this — not even the server.');
    await sendMessage(light.page, 'Good. It all disappears when the timer runs out.');
    const conversation = ['Is this thing on?', 'Loud and clear. Nobody else can read this — not even the server.', 'Good. It all disappears when the timer runs out.'];
    await Promise.all([waitForMessages(light.page, conversation), waitForMessages(dark.page, conversation)]);
    await light.page.locator('[data-testid="message"][data-status="pending"]').waitFor({ state: 'detached', timeout: WAIT_MS });
    await shoot(light.page, 'room-light');
    await shoot(dark.page, 'room-dark');

    phone = await personNamed('anonymous-heron-7mwp2', { colorScheme: 'dark', viewport: { width: 390, height: 760 }, isMobile: true, hasTouch: true });
    await phone.context.addCookies(await dark.context.cookies());
    await phone.page.goto(link);
    await waitForMessages(phone.page, conversation);
    // Nothing may stick out sideways on a phone, and the share link takes one line there (Copy copies it whole).
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const linkBox = await phone.page.getByTestId('room-link').boundingBox();
    expect(linkBox!.height).toBeLessThan(40);
    expect(await phone.page.getByTestId('room-link').textContent()).toBe(link);
    await shoot(phone.page, 'room-phone-dark');
    // On a narrower phone the header wraps to two lines: the room still fits the window, composer included.
    await phone.page.setViewportSize({ width: 375, height: 740 });
    await phone.page.waitForFunction(() => document.querySelector('header')!.getBoundingClientRect().height > 60, undefined, { timeout: WAIT_MS });
    for (const testId of ['message-input', 'send']) {
      const box = await phone.page.getByTestId(testId).boundingBox();
      expect(box!.y + box!.height).toBeLessThanOrEqual(740);
    }
    expect(await phone.page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThanOrEqual(740);
  });

  it('keeps small text on coloured fills readable: at least 4.5:1 (WCAG AA) on own messages and primary buttons, light and dark', async () => {
    for (const person of [light, dark]) {
      const own = '[data-testid="message"][data-own="true"]';
      expect(await contrastOf(person.page, `${own} [data-testid="message-text"]`)).toBeGreaterThanOrEqual(4.5);
      expect(await contrastOf(person.page, `${own} time`)).toBeGreaterThanOrEqual(4.5);
      expect(await contrastOf(person.page, '[data-testid="send"]')).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('takes the lobby screenshots, light and dark, listing the open room', async () => {
    for (const person of [light, dark]) {
      await person.page.getByRole('link', { name: 'Hush' }).click();
      await person.page.getByTestId('saved-room').waitFor({ timeout: WAIT_MS });
    }
    // Pages are items of the app's column: each still spans its max width, not just its content.
    expect((await light.page.getByTestId('lobby').boundingBox())!.width).toBe(Math.min(1024, light.page.viewportSize()!.width));
    await shoot(light.page, 'lobby-light');
    await shoot(dark.page, 'lobby-dark');
  });

  it('lets the toggle override the system scheme, and remembers the choice across a reload', async () => {
    const toggle = light.page.getByTestId('theme-toggle');
    expect(await toggle.getAttribute('data-theme-choice')).toBe('system');
    await toggle.click();
    expect(await toggle.getAttribute('data-theme-choice')).toBe('light');
    await toggle.click();
    expect(await toggle.getAttribute('data-theme-choice')).toBe('dark');
    expect(await isDark(light.page)).toBe(true);
    await light.page.reload();
    await light.page.getByTestId('theme-toggle').waitFor();
    expect(await isDark(light.page)).toBe(true);
    await light.page.getByTestId('theme-toggle').click();
    expect(await isDark(light.page)).toBe(false);
    expect([...light.problems, ...dark.problems, ...phone.problems]).toEqual([]);
  });
});
