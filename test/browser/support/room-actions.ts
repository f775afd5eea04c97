/**
 * What a person does in the app, in the app's own terms, built on the
 * data-testid hooks the issue defines. Every helper waits on a condition the
 * page shows; none sleeps.
 */
import type { BrowserContext, Page } from 'playwright-core';

export const WAIT_MS = 10_000;

export async function createRoom(page: Page, baseUrl: string): Promise<string> {
  await page.goto(`${baseUrl}/`);
  await page.getByTestId('create-room').click();
  return waitInRoom(page);
}

/** Waits for the room screen to be connected; returns the share link it shows. */
export async function waitInRoom(page: Page): Promise<string> {
  await page.locator('[data-testid="connection-status"][data-status="open"]').waitFor({ timeout: WAIT_MS });
  const link = await page.getByTestId('room-link').textContent();
  if (!link) throw new Error('room-link is empty');
  return link.trim();
}

export async function joinByLink(page: Page, link: string): Promise<void> {
  await page.goto(link);
  await page.getByTestId('join-room').click();
  await waitInRoom(page);
}

export async function sendMessage(page: Page, text: string): Promise<void> {
  await page.getByTestId('message-input').fill(text);
  await page.getByTestId('message-input').press('Enter');
}

export async function displayName(page: Page): Promise<string> {
  return page.getByTestId('display-name').inputValue();
}

/** The texts of the rendered messages, in screen order. */
export function messageTexts(page: Page): Promise<string[]> {
  return page.getByTestId('message-text').allTextContents().then((texts) => texts.map((text) => text.trim()));
}

/** Waits until the rendered message texts are exactly `expected`, in order. */
export async function waitForMessages(page: Page, expected: string[]): Promise<void> {
  await page.waitForFunction(
    (want) => {
      const texts = [...document.querySelectorAll('[data-testid="message-text"]')].map((node) => node.textContent?.trim());
      return texts.length === want.length && texts.every((text, index) => text === want[index]);
    },
    expected,
    { timeout: WAIT_MS },
  );
}

export async function waitForBanner(page: Page, kind: string): Promise<string> {
  const banner = page.locator(`[data-testid="banner"][data-kind="${kind}"]`);
  await banner.waitFor({ timeout: WAIT_MS });
  return (await banner.textContent()) ?? '';
}

/** The value of this context's member cookie (HttpOnly, so only the context API can read it). */
export async function memberToken(context: BrowserContext): Promise<string> {
  const cookie = (await context.cookies()).find((entry) => entry.name === 'hush_token');
  if (!cookie) throw new Error('no hush_token cookie in this context');
  return cookie.value;
}

export function roomIdOf(link: string): string {
  const match = /\/r\/([^#/]+)#/.exec(link);
  if (!match) throw new Error(`not a room link: ${link}`);
  return match[1]!;
}
