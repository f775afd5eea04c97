/**
 * Issue 3, "Privacy is the product": a canary typed in the browser never
 * appears in anything the server stores, logs or returns; the key stays in
 * the fragment; a missing or wrong key shows a clear page or "could not be
 * decrypted", never garbage; ciphertext moved to another room or id, or
 * relayed under another sender, does not decrypt; the join-link form
 * follows only http(s) links; every page carries a strict CSP and no-referrer; outside a
 * secure context the app refuses to work.
 */
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPerson, type Person } from './support/browser.js';
import { startServer, type TestServer } from './support/hush-server.js';
import { createRoom, joinByLink, roomIdOf, sendMessage, waitForMessages, WAIT_MS } from './support/room-actions.js';

/** Resolves only inside this browser: a name that is not localhost, so pages under it are not a secure context. */
const INSECURE_HOST = 'hush-insecure.test';

let hush: TestServer;
let browser: Browser;

beforeAll(async () => {
  hush = await startServer();
  browser = await launchBrowser([`--host-resolver-rules=MAP ${INSECURE_HOST} 127.0.0.1`]);
});

afterAll(async () => {
  await browser?.close();
  await hush?.stop();
});

/** Everything a page receives from or sends to the server: WebSocket frames both ways and API response bodies. */
function recordTraffic(page: Page): { frames: string[]; responses: Promise<string>[] } {
  const traffic = { frames: [] as string[], responses: [] as Promise<string>[] };
  page.on('websocket', (socket) => {
    socket.on('framesent', (frame) => traffic.frames.push(String(frame.payload)));
    socket.on('framereceived', (frame) => traffic.frames.push(String(frame.payload)));
  });
  page.on('response', (response) => {
    if (new URL(response.url()).pathname.startsWith('/api/')) traffic.responses.push(response.text().catch(() => ''));
  });
  return traffic;
}

/**
 * Stands in for a malicious server between `page` and the real one: every frame the server sends
 * passes through, and `extra` may send more after it.
 */
function actAsHostileServer(page: Page, extra: (frame: { type: string; seq?: number; from?: string }, send: (data: string) => void) => void): Promise<void> {
  return page.routeWebSocket(/\/ws\?/, (socket) => {
    const server = socket.connectToServer();
    server.onMessage((data) => {
      socket.send(data);
      extra(JSON.parse(String(data)) as { type: string; seq?: number; from?: string }, (more) => socket.send(more));
    });
  });
}

const rawMessages = (page: Page, roomId: string) => page.evaluate((id) => fetch(`/api/rooms/${id}/messages`).then((response) => response.text()), roomId);

describe('end-to-end encryption', () => {
  let alice: Person;
  let bob: Person;
  let link: string;
  const canary = `canary-${randomUUID()}`;
  const canaryName = `Name ${randomUUID().slice(0, 8)}`;

  it('never lets a typed canary (text or display name) reach the server’s store, logs, HTTP answers or WebSocket frames', async () => {
    alice = await newPerson(browser);
    bob = await newPerson(browser);
    const aliceTraffic = recordTraffic(alice.page);
    const bobTraffic = recordTraffic(bob.page);
    link = await createRoom(alice.page, hush.baseUrl);
    await joinByLink(bob.page, link);
    const roomId = roomIdOf(link);
    const keyText = link.split('#')[1]!;

    const name = alice.page.getByTestId('display-name');
    await name.fill(canaryName);
    await name.press('Enter');
    await sendMessage(alice.page, canary);
    await waitForMessages(bob.page, [canary]);
    const received = bob.page.getByTestId('message').filter({ hasText: canary });
    expect(await received.getByTestId('message-author').textContent()).toBe(canaryName);
    await alice.page.locator('[data-testid="message"][data-status="sent"]').waitFor({ timeout: WAIT_MS });

    const apiAnswer = await rawMessages(alice.page, roomId);
    const { messages } = JSON.parse(apiAnswer) as { messages: { body: string }[] };
    const stored = inspect(hush.server.engine.store, { depth: Infinity, maxArrayLength: Infinity, maxStringLength: Infinity });
    const logs = hush.logs.join('');
    const frames = [...aliceTraffic.frames, ...bobTraffic.frames].join('\n');
    const responses = (await Promise.all([...aliceTraffic.responses, ...bobTraffic.responses])).join('\n');

    // The places searched really hold this conversation, so an absence means something.
    expect(messages.length).toBeGreaterThanOrEqual(3);
    for (const message of messages) expect(message.body).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(stored).toContain(messages.at(-1)!.body);
    expect(logs).toContain(roomId);
    expect(frames).toContain('"type":"send"');
    expect(frames).toContain('"type":"message"');
    expect(responses).toContain(roomId);

    for (const [where, text] of Object.entries({ apiAnswer, stored, logs, frames, responses })) {
      expect(text.includes(canary), `canary text in ${where}`).toBe(false);
      expect(text.includes(canaryName), `canary name in ${where}`).toBe(false);
      expect(text.includes(keyText), `room key in ${where}`).toBe(false);
    }
  });

  it('binds each ciphertext to its room and message id: replayed under a new id it does not decrypt', async () => {
    const roomId = roomIdOf(link);
    const { messages } = JSON.parse(await rawMessages(bob.page, roomId)) as { messages: { id: string; body: string }[] };
    const canaryBody = messages.at(-1)!.body;
    const status = await bob.page.evaluate(
      ([id, body]) => fetch(`/api/rooms/${id}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'replayed-under-another-id', body }) }).then((response) => response.status),
      [roomId, canaryBody] as const,
    );
    expect(status).toBe(201);
    const replayed = alice.page.locator('[data-testid="message"][data-message-id="replayed-under-another-id"]');
    await replayed.waitFor({ timeout: WAIT_MS });
    expect(await replayed.getByTestId('message-text').textContent()).toContain('this message could not be decrypted');
  });

  it('binds each ciphertext to its sender: Alice’s body and id relayed as from Bob does not decrypt', async () => {
    // A member re-posting Alice's exact (id, body) gets it stored with from = Bob, just as a
    // malicious server or store operator relabelling `from` would; the AAD names Alice.
    const roomId = roomIdOf(link);
    const aliceId = await alice.page.getByTestId('room').getAttribute('data-member-id');
    const { messages } = JSON.parse(await rawMessages(bob.page, roomId)) as { messages: { id: string; from: string; body: string }[] };
    const original = messages.findLast((message) => message.from === aliceId)!;
    expect(original).toBeDefined();
    const status = await bob.page.evaluate(
      ([id, message]) => fetch(`/api/rooms/${id}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) }).then((response) => response.status),
      [roomId, { id: original.id, body: original.body }] as const,
    );
    expect(status).toBe(201);
    const relabelled = alice.page.locator(`[data-testid="message"][data-own="false"][data-message-id="${original.id}"]`);
    await relabelled.waitFor({ timeout: WAIT_MS });
    expect(await relabelled.getByTestId('message-text').textContent()).toContain('this message could not be decrypted');
    // Alice's own line still reads as she wrote it.
    const own = alice.page.locator(`[data-testid="message"][data-own="true"][data-message-id="${original.id}"]`);
    expect(await own.getByTestId('message-text').textContent()).toContain(canary);
  });

  it('against a server that replays and relabels frames: a (from, id) under a second seq shows once, a forged `from` does not decrypt', async () => {
    const page = alice.page;
    const before = await page.getByTestId('message').count();
    const undecryptableBefore = await page.getByTestId('message-text').filter({ hasText: 'this message could not be decrypted' }).count();
    const { messages } = JSON.parse(await rawMessages(page, roomIdOf(link))) as { messages: { seq: number; id: string }[] };
    const lastSeq = messages.at(-1)!.seq;
    // Relabelled, a hello does not open either, and shows as its (forged) sender joining with another key.
    const hellos = messages.filter((message) => message.id.startsWith('hello-')).length;
    expect(hellos).toBeGreaterThan(0);
    // Every message frame also arrives replayed under a new seq, and once more with another sender
    // in `from` (a different one each time, so none is a duplicate).
    await actAsHostileServer(page, (frame, send) => {
      if (frame.type !== 'message') return;
      send(JSON.stringify({ ...frame, seq: frame.seq! + 10_000 }));
      send(JSON.stringify({ ...frame, seq: frame.seq! + 20_000, from: `forged-member-${frame.seq}` }));
    });
    await page.reload();
    await page.locator(`[data-testid="message"][data-seq="${lastSeq + 20_000}"]`).waitFor({ timeout: WAIT_MS });
    expect(await page.getByTestId('message-text').filter({ hasText: canary }).count()).toBe(1);
    expect(await page.locator('[data-testid="message"][data-seq^="1000"]').count()).toBe(0);
    expect(await page.getByTestId('message').count()).toBe(before + messages.length - hellos);
    expect(await page.getByTestId('message-text').filter({ hasText: 'this message could not be decrypted' }).count()).toBe(undecryptableBefore + messages.length - hellos);
    expect(await page.locator('[data-testid="unreadable-hello"][data-member-id^="forged-member-"]').count()).toBe(hellos);
    await page.unrouteAll();
  });

  it('against a server that sends malformed frames: the page ignores them and stays up', async () => {
    const page = alice.page;
    const { messages } = JSON.parse(await rawMessages(page, roomIdOf(link))) as { messages: { seq: number }[] };
    const lastSeq = messages.at(-1)!.seq;
    await actAsHostileServer(page, (frame, send) => {
      if (frame.type !== 'welcome') return;
      for (const hostile of [
        'not json {',
        { type: 'presence', members: null },
        { type: 'message', seq: lastSeq + 30_000, id: 'far-future', from: 'someone', body: 'AAAA', sentAt: 1e17 },
        { type: 'welcome' },
        { type: 'typing', from: '__proto__' },
        // Well-formed, from a member id that names Object.prototype's accessor: shown as undecryptable, by a tag.
        { type: 'message', seq: lastSeq + 40_000, id: 'proto', from: '__proto__', body: 'AAAA', sentAt: 1_700_000_000_000 },
      ]) {
        send(typeof hostile === 'string' ? hostile : JSON.stringify(hostile));
      }
    });
    await page.reload();
    await page.locator(`[data-testid="message"][data-seq="${lastSeq + 40_000}"]`).waitFor({ timeout: WAIT_MS });
    expect(await page.getByTestId('page-failed').count()).toBe(0);
    expect(await page.getByTestId('message-text').filter({ hasText: canary }).count()).toBe(1);
    expect(await page.locator(`[data-testid="message"][data-seq="${lastSeq + 30_000}"]`).count()).toBe(0);
    await page.locator('[data-testid="connection-status"][data-status="open"]').waitFor({ timeout: WAIT_MS });
    expect(alice.problems).toEqual([]);
    await page.unrouteAll();
  });

  it('against a server whose API answer is malformed: a banner on the lobby, not a broken page', async () => {
    const gina = await newPerson(browser);
    await gina.page.route(/\/api\/rooms\/[^/]+$/, (route) => route.fulfill({ status: 200, json: { roomId: roomIdOf(link), expiresAt: 1e17, capacity: 2, members: null } }));
    await gina.page.goto(link);
    await gina.page.getByTestId('banner').waitFor({ timeout: WAIT_MS });
    expect(await gina.page.getByTestId('page-failed').count()).toBe(0);
    expect(new URL(gina.page.url()).pathname).toBe('/');
    expect(gina.problems).toEqual([]);
    await gina.context.close();
  });

  it('binds each ciphertext to its room: the same body and id in another room under the same key does not decrypt', async () => {
    const roomId = roomIdOf(link);
    const keyText = link.split('#')[1]!;
    const { messages } = JSON.parse(await rawMessages(bob.page, roomId)) as { messages: { id: string; body: string }[] };
    const canaryMessage = messages.findLast((message) => message.id !== 'replayed-under-another-id')!;
    const otherRoom = await bob.page.evaluate(async () => {
      const created = (await (await fetch('/api/rooms', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { roomId: string };
      await fetch(`/api/rooms/${created.roomId}/join`, { method: 'POST' });
      return created.roomId;
    });
    const moved = await bob.page.evaluate(
      ([id, message]) => fetch(`/api/rooms/${id}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) }).then((response) => response.status),
      [otherRoom, { id: canaryMessage.id, body: canaryMessage.body }] as const,
    );
    expect(moved).toBe(201);
    await bob.page.goto(`${hush.baseUrl}/r/${otherRoom}#${keyText}`);
    const line = bob.page.locator(`[data-testid="message"][data-message-id="${canaryMessage.id}"]`);
    await line.waitFor({ timeout: WAIT_MS });
    expect(await line.getByTestId('message-text').textContent()).toContain('this message could not be decrypted');
    expect(await bob.page.content()).not.toContain(canary);
  });

  it('asks before a link replaces the key saved for a room, and opens with the saved one by default', async () => {
    const [address, savedKey] = link.split('#') as [string, string];
    const otherKey = Buffer.alloc(32, 9).toString('base64url');
    const storedKey = () => bob.page.evaluate((id) => (JSON.parse(localStorage.getItem('hush:rooms') ?? '[]') as { roomId: string; key: string }[]).find((room) => room.roomId === id)?.key, roomIdOf(link));
    await bob.page.goto(`${address}#${otherKey}`);
    await bob.page.getByTestId('key-conflict').waitFor({ timeout: WAIT_MS });
    // Nothing was opened with the link's key, and the saved key is untouched.
    expect(await bob.page.getByTestId('connection-status').count()).toBe(0);
    expect(await storedKey()).toBe(savedKey);
    await bob.page.getByTestId('keep-saved-key').click();
    await bob.page.getByTestId('message-text').filter({ hasText: canary }).first().waitFor({ timeout: WAIT_MS });
    expect(bob.page.url()).toBe(link);
    expect(await storedKey()).toBe(savedKey);
    // The lobby's "Join with a link" form asks the same way, and saves nothing first.
    await bob.page.goto(`${hush.baseUrl}/`);
    await bob.page.getByTestId('join-link').fill(`${address}#${otherKey}`);
    await bob.page.getByTestId('join-link-submit').click();
    await bob.page.getByTestId('key-conflict').waitFor({ timeout: WAIT_MS });
    expect(await storedKey()).toBe(savedKey);
    await bob.page.getByTestId('keep-saved-key').click();
    await bob.page.getByTestId('message-text').filter({ hasText: canary }).first().waitFor({ timeout: WAIT_MS });
  });

  it('shows "could not be decrypted" for every message when the link carries a wrong key, never the plaintext or garbage', async () => {
    const wrongKey = Buffer.alloc(32, 7).toString('base64url');
    await bob.page.goto(`${link.split('#')[0]}#${wrongKey}`);
    // Bob saved the right key when he joined: the wrong one is used only once he chooses it.
    await bob.page.getByTestId('use-link-key').click({ timeout: WAIT_MS });
    await bob.page.locator('[data-testid="connection-status"][data-status="open"]').waitFor({ timeout: WAIT_MS });
    const texts = bob.page.getByTestId('message-text');
    await texts.first().waitFor({ timeout: WAIT_MS });
    const all = await texts.allTextContents();
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const text of all) expect(text).toContain('this message could not be decrypted');
    expect(await bob.page.content()).not.toContain(canary);
    // And the page says why, naming whose messages it cannot open by the tag the room gives them.
    const notice = bob.page.getByTestId('unreadable-notice');
    await notice.waitFor({ timeout: WAIT_MS });
    const aliceId = await alice.page.getByTestId('room').getAttribute('data-member-id');
    expect(await notice.textContent()).toContain(`#${aliceId!.slice(0, 4)}`);
    expect(await notice.textContent()).toMatch(/different links/);
    // Alice's hello, which this key cannot open either, shows as her joining with another key, not as a message.
    // Bob's own earlier hello is not shown: the notice names others only.
    const hello = bob.page.getByTestId('unreadable-hello');
    expect(await hello.count()).toBe(1);
    expect(await hello.getAttribute('data-member-id')).toBe(aliceId);
    expect(await hello.textContent()).toMatch(/joined with a key this page cannot use/);
  });

  it('refuses a javascript: "link" in the join form with a message, and follows an http(s) link only as parsed', async () => {
    const dave = await newPerson(browser);
    let dialogs = 0;
    dave.page.on('dialog', (dialog) => {
      dialogs++;
      void dialog.dismiss();
    });
    await dave.page.goto(`${hush.baseUrl}/`);
    const lobby = dave.page.url();
    const key = link.split('#')[1]!;
    const field = dave.page.getByTestId('join-link');
    for (const hostile of [`javascript:/r/;alert(document.domain);0?0:0//#${key}`, `data:text/html,hi/r/${roomIdOf(link)}#${key}`]) {
      await field.fill(hostile);
      await dave.page.getByTestId('join-link-submit').click();
      const problem = dave.page.getByTestId('join-link-problem');
      await problem.waitFor({ timeout: WAIT_MS });
      expect(await problem.textContent()).toMatch(/only http:\/\/ and https:\/\/ links/i);
      expect(dave.page.url()).toBe(lobby);
    }
    // Nothing was attempted: no dialog, no script, no CSP report of a blocked javascript: navigation.
    expect(dialogs).toBe(0);
    expect(dave.problems).toEqual([]);

    // A link to another Hush server is followed, in its normalised form.
    const port = new URL(hush.baseUrl).port;
    await field.fill(`  HTTP://HUSH-INSECURE.TEST:${port}/r/${roomIdOf(link)}#${key}  `);
    await dave.page.getByTestId('join-link-submit').click();
    await dave.page.waitForURL(`http://${INSECURE_HOST}:${port}/r/${roomIdOf(link)}#${key}`, { timeout: WAIT_MS });
    await dave.context.close();
  });

  it('shows "this link is missing its key" for a link without its key, or with a cut-off one, and takes no seat', async () => {
    const carol = await newPerson(browser);
    for (const address of [link.split('#')[0]!, `${link.split('#')[0]}#abc`]) {
      await carol.page.goto(address);
      await carol.page.getByTestId('missing-key').waitFor({ timeout: WAIT_MS });
      expect(await carol.page.getByTestId('missing-key').textContent()).toMatch(/this link is missing its key/i);
    }
    expect(await hush.server.engine.store.listMembers(roomIdOf(link))).toHaveLength(2);
    expect([...alice.problems, ...bob.problems, ...carol.problems]).toEqual([]);
    await carol.context.close();
  });
});

describe('keys at rest', () => {
  it('wipes the saved key of a room whose lifetime passed while no Hush page was open, as the next page opens', async () => {
    const erin = await newPerson(browser);
    await erin.page.goto(`${hush.baseUrl}/`);
    const entry = (roomId: string, expiresAt: number) => ({ roomId, key: Buffer.alloc(32, 3).toString('base64url'), expiresAt, capacity: 2, joinedAt: 1, greeted: true });
    const ended = entry('e'.repeat(22), Date.now() - 1000);
    const live = entry('l'.repeat(22), Date.now() + 600_000);
    await erin.page.evaluate((rooms) => localStorage.setItem('hush:rooms', JSON.stringify(rooms)), [ended, live]);
    // A page that reads no saved room (the lobby and rooms do): the wipe happens as any Hush page opens.
    await erin.page.goto(`${hush.baseUrl}/nothing-here`);
    await erin.page.getByText('This address is not a Hush page.').waitFor({ timeout: WAIT_MS });
    const kept = await erin.page.evaluate(() => (JSON.parse(localStorage.getItem('hush:rooms') ?? '[]') as { roomId: string }[]).map((room) => room.roomId));
    expect(kept).toEqual([live.roomId]);
    await erin.context.close();
  });
});

describe('security headers', () => {
  it('sends a strict CSP and Referrer-Policy: no-referrer on pages, assets and API answers; unknown /api paths stay JSON 404s', async () => {
    const page = await fetch(`${hush.baseUrl}/`);
    const html = await page.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const answers = await Promise.all(
      ['/', `/r/${'A'.repeat(22)}`, asset!, '/api/rooms/nope', '/api/unknown'].map(async (path) => ({ path, response: await fetch(hush.baseUrl + path, { headers: { accept: 'text/html' } }) })),
    );
    for (const { path, response } of answers) {
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("default-src 'self'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("style-src 'self'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("object-src 'none'");
      expect(csp, path).not.toContain('unsafe-inline');
      expect(csp, path).not.toContain('unsafe-eval');
      expect(response.headers.get('referrer-policy'), path).toBe('no-referrer');
    }
    expect(answers[0]!.response.status).toBe(200);
    expect(answers[1]!.response.status).toBe(200);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const unknownApi = answers[4]!.response;
    expect(unknownApi.status).toBe(404);
    expect(await unknownApi.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('answers a Range or precondition it cannot meet, and a URL it cannot decode, with a typed 4xx, not a 500', async () => {
    const cases: Array<[string, string, Record<string, string>, number, string]> = [
      ['GET', '/', { range: 'bytes=999999999-' }, 416, 'range_not_satisfiable'],
      ['GET', '/', { 'if-match': '"not-this-one"' }, 412, 'precondition_failed'],
      ['GET', '/r/%E0%A4%A', { accept: 'text/html' }, 400, 'invalid_request'],
      // A room id past the router's maxParamLength is one no room has: the same answer as any other malformed id.
      ['POST', `/api/rooms/${'x'.repeat(120)}/join`, {}, 404, 'room_not_found'],
    ];
    for (const [method, path, headers, status, code] of cases) {
      const response = await fetch(hush.baseUrl + path, { method, headers });
      expect(response.status, path).toBe(status);
      expect(await response.json(), path).toMatchObject({ error: { code } });
    }
    expect(hush.logs.join('')).not.toContain('"level":50');
  });
});

describe('outside a secure context', () => {
  it('explains that encryption is unavailable and offers no way to create or join a room', async () => {
    const person = await newPerson(browser);
    const port = new URL(hush.baseUrl).port;
    await person.page.goto(`http://${INSECURE_HOST}:${port}/`);
    expect(await person.page.evaluate(() => window.isSecureContext)).toBe(false);
    await person.page.getByTestId('insecure-context').waitFor({ timeout: WAIT_MS });
    expect(await person.page.getByTestId('create-room').isDisabled()).toBe(true);
    await person.page.goto(`http://${INSECURE_HOST}:${port}/r/${'A'.repeat(22)}#${'B'.repeat(43)}`);
    await person.page.getByTestId('insecure-context').waitFor({ timeout: WAIT_MS });
    expect(await person.page.getByTestId('message-input').count()).toBe(0);
    await person.context.close();
  });
});
