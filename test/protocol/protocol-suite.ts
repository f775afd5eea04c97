/**
 * The protocol contract of issue 2, written once and run against every storage
 * engine (memory.test.ts, redis.test.ts). Each test name states the rule it
 * checks; each talks to a real server over a real port.
 */
import { randomBytes } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { BODY_MAX_CHARS, type ChatMessage } from '../../src/shared/protocol.js';
import { HttpClient } from '../support/http-client.js';
import { connect, eventually, roomWithMembers, sleep, startHush, type RunningHush, type Settings } from '../support/hush-instance.js';
import { RawWebSocket, upgradeRequest } from '../support/raw-web-socket.js';
import { TestSocket, UpgradeRefused } from '../support/test-socket.js';

export interface ProtocolTarget {
  name: string;
  /** Set when the engine cannot run on this machine; the suite is then reported as skipped with this reason. */
  skipReason?: string;
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
  /** Settings every server of the suite gets (e.g. REDIS_URL). Called after setup. */
  settings(): Settings;
  /** How many pieces of the room (entries, keys) the store still holds. */
  roomTraces(hush: RunningHush, roomId: string): Promise<number>;
}

const RELAXED: Settings = { ROOM_TTL_MIN_SECONDS: 1, MESSAGE_RATE_LIMIT: 100_000, ROOM_CREATE_LIMIT: 100_000, API_REQUEST_LIMIT: 100_000 };

const uniqueId = () => randomBytes(6).toString('base64url');
/** A well-formed key check of no particular key (the server only compares them). */
const keyCheckLike = () => randomBytes(16).toString('base64url');

export function registerProtocolSuite(target: ProtocolTarget): void {
  const suite = target.skipReason ? describe.skip : describe;
  if (target.skipReason) {
    // Said loudly so that a green run without this engine is never mistaken for a tested one.
    console.warn(`[${target.name}] protocol suite SKIPPED: ${target.skipReason}`);
  }

  suite(`protocol contract (${target.name})`, () => {
    let hush: RunningHush;
    const servers: RunningHush[] = [];
    const start = async (settings: Settings = {}) => {
      const server = await startHush({ ...RELAXED, ...target.settings(), ...settings });
      servers.push(server);
      return server;
    };

    beforeAll(async () => {
      await target.setup?.();
      hush = await start();
    });
    afterAll(async () => {
      await Promise.all(servers.map((server) => server.stop()));
      await target.teardown?.();
    });

    describe('rooms', () => {
      it('creates a room with a 128-bit base64url id, the default TTL and capacity', async () => {
        const before = Date.now();
        const { status, body } = await hush.newClient().createRoom();
        expect(status).toBe(201);
        expect(body.roomId).toMatch(/^[A-Za-z0-9_-]{22}$/);
        expect(Buffer.from(body.roomId, 'base64url')).toHaveLength(16);
        expect(body.capacity).toBe(2);
        expect(body.expiresAt).toBeGreaterThanOrEqual(before + 600_000 - 2000);
        expect(body.expiresAt).toBeLessThanOrEqual(Date.now() + 600_000 + 2000);
      });

      it('GET /api/limits tells anyone the lifetimes and sizes a creator may choose, and creation holds to exactly those', async () => {
        const limited = await start({ ROOM_TTL_SECONDS: 120, ROOM_TTL_MIN_SECONDS: 90, ROOM_TTL_MAX_SECONDS: 3600, ROOM_CAPACITY: 3, ROOM_CAPACITY_MAX: 4 });
        const { status, body } = await limited.newClient().request('GET', '/api/limits');
        expect(status).toBe(200);
        expect(body).toEqual({ ttlSeconds: { default: 120, min: 90, max: 3600 }, capacity: { default: 3, min: 2, max: 4 } });
        const client = limited.newClient();
        expect((await client.createRoom({})).body.capacity).toBe(3);
        for (const [request, accepted] of [
          [{ ttlSeconds: 90, capacity: 2 }, true],
          [{ ttlSeconds: 3600, capacity: 4 }, true],
          [{ ttlSeconds: 89 }, false],
          [{ ttlSeconds: 3601 }, false],
          [{ capacity: 5 }, false],
        ] as const) {
          expect((await client.createRoom(request)).status, JSON.stringify(request)).toBe(accepted ? 201 : 400);
        }
      });

      it('honours a chosen TTL and capacity within the allowed ranges', async () => {
        const { status, body } = await hush.newClient().createRoom({ ttlSeconds: 120, capacity: 16 });
        expect(status).toBe(201);
        expect(body.capacity).toBe(16);
        expect(body.expiresAt - Date.now()).toBeGreaterThan(115_000);
        expect(body.expiresAt - Date.now()).toBeLessThanOrEqual(122_000);
      });

      it.each([
        [{ ttlSeconds: 86_401 }, 'ttlSeconds'],
        [{ ttlSeconds: 0 }, 'ttlSeconds'],
        [{ capacity: 1 }, 'capacity'],
        [{ capacity: 17 }, 'capacity'],
        [{ capacity: 'two' }, 'capacity'],
        [{ extra: true }, 'extra'],
      ])('refuses an out-of-range or malformed creation request %j with 400 invalid_request', async (body, field) => {
        const result = await hush.newClient().createRoom(body);
        expect(result.status).toBe(400);
        expect(result.body.error.code).toBe('invalid_request');
        expect(result.body.error.message).toBeTruthy();
        void field;
      });

      it('answers malformed JSON with 400 invalid_json', async () => {
        const result = await hush.newClient().request('POST', '/api/rooms', '{"ttlSeconds":');
        expect(result.status).toBe(400);
        expect(result.body.error.code).toBe('invalid_json');
      });

      it.each(['text/plain', 'application/octet-stream', 'application/x-www-form-urlencoded'])(
        'a body sent as %s gets 415 unsupported_media_type',
        async (contentType) => {
          const { roomId, members } = await roomWithMembers(hush, 1);
          for (const path of ['/api/rooms', `/api/rooms/${roomId}/messages`]) {
            const result = await members[0]!.client.request('POST', path, '{"id":"a","body":"b"}', { 'content-type': contentType });
            expect(result.status, path).toBe(415);
            expect(result.body.error.code).toBe('unsupported_media_type');
          }
        },
      );

      it('a join with an empty body labelled text/plain (what fetch sends for body: \'\') is a join without a body', async () => {
        const roomId = (await hush.newClient().createRoom()).body.roomId;
        const response = await fetch(`${hush.baseUrl}/api/rooms/${roomId}/join`, { method: 'POST', body: '' });
        expect(response.headers.get('content-type')).toContain('application/json');
        expect(response.status).toBe(200);
      });

      it('makes unknown, malformed, expired and destroyed rooms indistinguishable: 404 room_not_found', async () => {
        const client = hush.newClient();
        const { roomId, members } = await roomWithMembers(hush, 2);
        expect((await members[0]!.client.request('DELETE', `/api/rooms/${roomId}`)).status).toBe(204);
        const expired = (await client.createRoom({ ttlSeconds: 1 })).body.roomId as string;
        await sleep(1300);
        // The last is longer than the router takes a path parameter (100 characters).
        for (const id of ['AAAAAAAAAAAAAAAAAAAAAA', 'not-a-room', roomId, expired, 'A'.repeat(200)]) {
          for (const [method, path] of [
            ['POST', `/api/rooms/${id}/join`],
            ['GET', `/api/rooms/${id}`],
            ['GET', `/api/rooms/${id}/messages`],
            ['DELETE', `/api/rooms/${id}`],
          ] as const) {
            const result = await (method === 'GET' || method === 'DELETE' ? members[1]!.client : client).request(method, path);
            expect(result.status, `${method} ${path}`).toBe(404);
            expect(result.body).toEqual({ error: { code: 'room_not_found', message: expect.any(String) } });
          }
        }
      });
    });

    describe('membership', () => {
      it('join sets an HttpOnly SameSite=Strict token cookie (not Secure over plain http) and returns the seat', async () => {
        const client = hush.newClient();
        const roomId = (await client.createRoom()).body.roomId;
        const joined = await client.join(roomId);
        expect(joined.status).toBe(200);
        expect(joined.body).toMatchObject({ roomId, capacity: 2, memberId: expect.any(String), expiresAt: expect.any(Number) });
        expect(joined.body.members).toEqual([{ memberId: joined.body.memberId, online: false }]);
        const cookie = joined.headers.getSetCookie()[0]!;
        expect(cookie).toMatch(/^hush_token=[A-Za-z0-9_-]{43};/);
        expect(cookie).toMatch(/HttpOnly/i);
        expect(cookie).toMatch(/SameSite=Strict/i);
        expect(cookie).not.toMatch(/Secure/i);
      });

      it('a browser that joins again keeps its seat and memberId, and one token holds seats in many rooms', async () => {
        const client = hush.newClient();
        const first = (await client.createRoom()).body.roomId;
        const second = (await client.createRoom()).body.roomId;
        const a = await client.join(first);
        const cookieAfterFirst = client.cookieHeader;
        const again = await client.join(first);
        expect(again.body.memberId).toBe(a.body.memberId);
        expect(again.body.members).toHaveLength(1);
        const b = await client.join(second);
        expect(b.status).toBe(200);
        expect(client.cookieHeader).toBe(cookieAfterFirst);
        expect((await client.request('GET', `/api/rooms/${first}`)).status).toBe(200);
        expect((await client.request('GET', `/api/rooms/${second}`)).status).toBe(200);
      });

      it('twenty simultaneous joins for the last seat: exactly one wins, the rest get 409 room_full', async () => {
        const { roomId } = await roomWithMembers(hush, 1, { capacity: 2 });
        const contenders = Array.from({ length: 20 }, () => hush.newClient());
        const results = await Promise.all(contenders.map((client) => client.join(roomId)));
        const statuses = results.map((result) => result.status).sort();
        expect(statuses.filter((status) => status === 200)).toHaveLength(1);
        expect(statuses.filter((status) => status === 409)).toHaveLength(19);
        for (const result of results.filter((r) => r.status === 409)) expect(result.body.error.code).toBe('room_full');
        // A seat once taken is kept: the winner can rejoin, nobody else can.
        const winner = contenders[results.findIndex((r) => r.status === 200)]!;
        expect((await winner.join(roomId)).status).toBe(200);
        expect((await hush.newClient().join(roomId)).status).toBe(409);
      });

      it('a room made with a key check refuses a join bringing another with 403 wrong_key, before it takes a seat', async () => {
        const keyCheck = keyCheckLike();
        const created = await hush.newClient().createRoom({ capacity: 2, keyCheck });
        expect(created.status).toBe(201);
        expect(created.body).not.toHaveProperty('keyCheck'); // the room's check is never handed out
        const roomId = created.body.roomId as string;
        expect((await hush.newClient().join(roomId, keyCheck)).status).toBe(200);
        // Two joins with a changed key would have filled this two-seat room; neither takes the seat.
        for (const client of [hush.newClient(), hush.newClient()]) {
          const wrong = await client.join(roomId, keyCheckLike());
          expect(wrong.status).toBe(403);
          expect(wrong.body.error.code).toBe('wrong_key');
          // Refused, the browser still gets its identity (as after 404 or 409), which holds no seat here.
          expect(wrong.headers.getSetCookie()[0]).toMatch(/^hush_token=/);
          expect((await client.request('GET', `/api/rooms/${roomId}`)).status).toBe(403);
        }
        const second = hush.newClient();
        const joined = await second.join(roomId, keyCheck);
        expect(joined.status).toBe(200);
        expect(joined.body).not.toHaveProperty('keyCheck');
        expect(joined.body.members).toHaveLength(2);
        // A client that keeps no key (curl, a bot) brings no check and is not checked: here it finds the room full.
        expect((await hush.newClient().join(roomId)).body.error.code).toBe('room_full');
        // A room made without a check takes any.
        const open = (await hush.newClient().createRoom()).body.roomId as string;
        expect((await hush.newClient().join(open, keyCheck)).status).toBe(200);
      });

      it('a key check must be 16 bytes in base64url, at creation and at a join', async () => {
        const client = hush.newClient();
        // The last of 22 characters holds 2 bits: one with its spare bits set is not a spelling any client makes.
        for (const keyCheck of ['', 'short', 'x'.repeat(23), '+'.repeat(22), `${'A'.repeat(21)}B`, 7]) {
          const created = await client.createRoom({ keyCheck });
          expect(created.status, JSON.stringify(keyCheck)).toBe(400);
          expect(created.body.error.code).toBe('invalid_request');
        }
        const roomId = (await client.createRoom()).body.roomId as string;
        const refused = await client.join(roomId, 'x'.repeat(21));
        expect(refused.status).toBe(400);
        expect(refused.body.error.code).toBe('invalid_request');
        expect((await client.request('GET', `/api/rooms/${roomId}`)).status).toBe(403); // no seat was taken
      });

      it('GET /api/rooms/:id is for members: 403 not_a_member without a seat', async () => {
        const { roomId, members } = await roomWithMembers(hush, 2);
        const view = await members[0]!.client.request('GET', `/api/rooms/${roomId}`);
        expect(view.status).toBe(200);
        expect(view.body.members.map((m: { memberId: string }) => m.memberId)).toEqual(members.map((m) => m.memberId));
        const stranger = hush.newClient();
        await stranger.join((await stranger.createRoom()).body.roomId); // has a token, but no seat here
        for (const client of [stranger, hush.newClient()]) {
          for (const [method, path] of [
            ['GET', `/api/rooms/${roomId}`],
            ['GET', `/api/rooms/${roomId}/messages`],
            ['DELETE', `/api/rooms/${roomId}`],
          ] as const) {
            const result = await client.request(method, path);
            expect(result.status, `${method} ${path}`).toBe(403);
            expect(result.body.error.code).toBe('not_a_member');
          }
          const post = await client.request('POST', `/api/rooms/${roomId}/messages`, { id: 'x', body: 'y' });
          expect(post.body.error.code).toBe('not_a_member');
        }
      });
    });

    describe('origins', () => {
      it('refuses state-changing requests from a foreign Origin with 403 forbidden_origin', async () => {
        const foreign = new HttpClient(hush.baseUrl, 'https://evil.example');
        const result = await foreign.createRoom();
        expect(result.status).toBe(403);
        expect(result.body.error.code).toBe('forbidden_origin');
        const { roomId } = await roomWithMembers(hush, 1);
        expect((await foreign.join(roomId)).body.error.code).toBe('forbidden_origin');
        // Same origin and no Origin (curl) are allowed.
        expect((await new HttpClient(hush.baseUrl, hush.baseUrl).createRoom()).status).toBe(201);
        expect((await new HttpClient(hush.baseUrl, null).createRoom()).status).toBe(201);
      });

      it('refuses a WebSocket upgrade from a foreign Origin', async () => {
        const { roomId, members } = await roomWithMembers(hush, 1);
        const attempt = TestSocket.open(hush.wsUrl(roomId), { cookie: members[0]!.client.cookieHeader, origin: 'https://evil.example' });
        await expect(attempt).rejects.toEqual(new UpgradeRefused(403));
        const ok = await TestSocket.open(hush.wsUrl(roomId), { cookie: members[0]!.client.cookieHeader, origin: hush.baseUrl });
        await ok.next('welcome');
        ok.close();
      });

      it('ALLOWED_ORIGINS replaces the same-origin rule', async () => {
        // Written as an operator might: the browser's Origin is lower-case, with no slash.
        const custom = await start({ ALLOWED_ORIGINS: 'https://other.example, HTTPS://Chat.Example.org/' });
        expect((await new HttpClient(custom.baseUrl, 'https://chat.example.org').createRoom()).status).toBe(201);
        expect((await new HttpClient(custom.baseUrl, 'https://other.example').createRoom()).status).toBe(201);
        const own = await new HttpClient(custom.baseUrl, custom.baseUrl).createRoom();
        expect(own.status).toBe(403);
        expect(own.body.error.code).toBe('forbidden_origin');
      });
    });

    describe('websocket admission', () => {
      it('welcomes a member with its seat, the room and the server clock', async () => {
        const { roomId, members } = await roomWithMembers(hush, 2);
        const { socket, welcome } = await connect(hush, members[0]!, roomId);
        expect(welcome).toMatchObject({
          type: 'welcome',
          memberId: members[0]!.memberId,
          roomId,
          capacity: 2,
          expiresAt: members[0]!.join.expiresAt,
          resumed: true,
          oldestSeq: 0,
          lastSeq: 0,
        });
        expect(Math.abs(welcome.serverTime - Date.now())).toBeLessThan(2000);
        expect(welcome.members).toEqual([
          { memberId: members[0]!.memberId, online: true },
          { memberId: members[1]!.memberId, online: false },
        ]);
        expect(socket.frames[0]!.type).toBe('welcome');
        socket.close();
      });

      it('a caller without a seat gets an error frame and close 4403; a missing room gets close 4404', async () => {
        const { roomId } = await roomWithMembers(hush, 1);
        const noCookie = await TestSocket.open(hush.wsUrl(roomId));
        expect((await noCookie.next('error')).code).toBe('not_a_member');
        expect((await noCookie.waitClosed()).code).toBe(4403);

        const stranger = hush.newClient();
        await stranger.join((await stranger.createRoom()).body.roomId);
        const wrongSeat = await TestSocket.open(hush.wsUrl(roomId), { cookie: stranger.cookieHeader });
        expect((await wrongSeat.waitClosed()).code).toBe(4403);

        for (const id of ['AAAAAAAAAAAAAAAAAAAAAA', 'garbage']) {
          const missing = await TestSocket.open(hush.wsUrl(id), { cookie: stranger.cookieHeader });
          expect((await missing.next('error')).code).toBe('room_not_found');
          expect((await missing.waitClosed()).code).toBe(4404);
        }
      });

      it('a malformed resume point (not decimal digits) is refused with invalid_request and close 4400', async () => {
        const { roomId, members } = await roomWithMembers(hush, 1);
        for (const bad of ['abc', '0x1', '1e2', '', '%201']) {
          const socket = await TestSocket.open(`${hush.wsUrl(roomId)}&after=${bad}`, { cookie: members[0]!.client.cookieHeader });
          expect((await socket.next('error')).code, bad).toBe('invalid_request');
          expect((await socket.waitClosed()).code).toBe(4400);
        }
      });
    });

    describe('messages', () => {
      it('the sender gets ack with the seq, every other member gets the message, the sender is not echoed', async () => {
        const { roomId, members } = await roomWithMembers(hush, 3);
        const [a, b, c] = await Promise.all(members.map((m) => connect(hush, m, roomId)));
        a!.socket.send({ type: 'send', id: 'm1', body: 'ciphertext-1' });
        const ack = await a!.socket.next('ack');
        expect(ack).toEqual({ type: 'ack', id: 'm1', seq: 1 });
        for (const other of [b!, c!]) {
          const message = await other.socket.next('message');
          expect(message).toEqual({ type: 'message', seq: 1, id: 'm1', from: members[0]!.memberId, body: 'ciphertext-1', sentAt: expect.any(Number) });
        }
        await sleep(100);
        expect(a!.socket.ofType('message')).toHaveLength(0);
        for (const s of [a!, b!, c!]) s.socket.close();
      });

      it('per-room total order: concurrent senders produce seq 1..N with no gap, each receiver in order', async () => {
        const perSender = 40;
        const { roomId, members } = await roomWithMembers(hush, 3);
        const sockets = await Promise.all(members.map((m) => connect(hush, m, roomId)));
        sockets.forEach(({ socket }, senderIndex) => {
          for (let i = 0; i < perSender; i++) socket.send({ type: 'send', id: `s${senderIndex}-${i}`, body: `b${senderIndex}-${i}` });
        });
        const total = perSender * members.length;
        for (const { socket } of sockets) {
          const messages = await socket.waitForCount('message', total - perSender, 10_000);
          const acks = await socket.waitForCount('ack', perSender, 10_000);
          const messageSeqs = messages.map((m) => m.seq);
          expect(messageSeqs).toEqual([...messageSeqs].sort((x, y) => x - y)); // strictly in order
          const all = [...messageSeqs, ...acks.map((a) => a.seq)].sort((x, y) => x - y);
          expect(all).toEqual(Array.from({ length: total }, (_, i) => i + 1));
        }
        // Each sender's own messages keep their sending order.
        for (const { socket } of sockets) {
          const ackIds = socket.ofType('ack').sort((x, y) => x.seq - y.seq).map((a) => Number(a.id.split('-')[1]));
          expect(ackIds).toEqual(Array.from({ length: perSender }, (_, i) => i));
        }
        const history = await members[0]!.client.request('GET', `/api/rooms/${roomId}/messages?after=0&limit=500`);
        expect(history.body.messages.map((m: ChatMessage) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
        for (const { socket } of sockets) socket.close();
      });

      it('bodies of every frame size arrive whole, live and in a replay, multi-byte characters included', async () => {
        // Frames under 126 bytes, under 65,536, and above (in UTF-8 bytes, not characters: 'é' is two).
        const bodies = ['s', 'x'.repeat(300), 'é'.repeat(40_000), 'y'.repeat(BODY_MAX_CHARS)];
        const roomy = await start({ MESSAGE_MAX_BYTES: 262_144 });
        const { roomId, members } = await roomWithMembers(roomy, 2);
        const [a, b] = await Promise.all(members.map((m) => connect(roomy, m, roomId)));
        bodies.forEach((body, i) => a!.socket.send({ type: 'send', id: `size-${i}`, body }));
        const live = await b!.socket.waitForCount('message', bodies.length);
        expect(live.map((m) => m.body)).toEqual(bodies);
        expect((await a!.socket.waitForCount('ack', bodies.length)).map((ack) => ack.seq)).toEqual([1, 2, 3, 4]);
        b!.socket.close();
        const again = await connect(roomy, members[1]!, roomId);
        expect((await again.socket.waitForCount('message', bodies.length)).map((m) => m.body)).toEqual(bodies);
        a!.socket.close();
        again.socket.close();
      });

      it('from is the sender as the server knows it: a client cannot speak for another member', async () => {
        const { roomId, members } = await roomWithMembers(hush, 2);
        const [a, b] = await Promise.all(members.map((m) => connect(hush, m, roomId)));
        a!.socket.send({ type: 'send', id: 'spoof', body: 'x', from: members[1]!.memberId, seq: 99 });
        const message = await b!.socket.next('message');
        expect(message.from).toBe(members[0]!.memberId);
        expect(message.seq).toBe(1);
        const posted = await members[1]!.client.request('POST', `/api/rooms/${roomId}/messages`, { id: 'p', body: 'y' });
        expect(posted.status).toBe(201);
        expect((await a!.socket.next('message')).from).toBe(members[1]!.memberId);
        a!.socket.close();
        b!.socket.close();
      });

      it('exactly-once: sending an id again returns the original ack and is neither stored nor broadcast twice', async () => {
        const { roomId, members } = await roomWithMembers(hush, 2);
        const [a, b] = await Promise.all(members.map((m) => connect(hush, m, roomId)));
        a!.socket.send({ type: 'send', id: 'once', body: 'first' });
        const first = await a!.socket.next('ack');
        a!.socket.send({ type: 'send', id: 'other', body: 'second' });
        await a!.socket.next('ack');
        a!.socket.send({ type: 'send', id: 'once', body: 'first, retried' });
        const again = await a!.socket.next('ack');
        expect(again).toEqual(first);
        // Through HTTP too: same semantics as the socket.
        const viaHttp = await members[0]!.client.request('POST', `/api/rooms/${roomId}/messages`, { id: 'once', body: 'third try' });
        expect(viaHttp.status).toBe(201);
        expect(viaHttp.body.seq).toBe(first.seq);
        await b!.socket.waitForCount('message', 2);
        await sleep(150);
        expect(b!.socket.ofType('message').map((m) => m.id)).toEqual(['once', 'other']);
        const history = await members[1]!.client.request('GET', `/api/rooms/${roomId}/messages`);
        expect(history.body.messages.map((m: ChatMessage) => [m.seq, m.id, m.body])).toEqual([
          [1, 'once', 'first'],
          [2, 'other', 'second'],
        ]);
        a!.socket.close();
        b!.socket.close();
      });

      it('an id is remembered while its message is retained: once history drops the message, the id is free again', async () => {
        const small = await start({ HISTORY_LIMIT: 3 });
        const { roomId, members } = await roomWithMembers(small, 2);
        const { socket } = await connect(small, members[0]!, roomId);
        for (const id of ['r1', 'r2', 'r3', 'r4']) socket.send({ type: 'send', id, body: id });
        const acks = await socket.waitForCount('ack', 4);
        // r2..r4 are retained: a resend of r3 is answered with its original seq and sentAt.
        const viaHttp = await members[0]!.client.request('POST', `/api/rooms/${roomId}/messages`, { id: 'r3', body: 'again' });
        expect(viaHttp.body).toEqual({ seq: acks[2]!.seq, sentAt: expect.any(Number) });
        const history = await members[0]!.client.request('GET', `/api/rooms/${roomId}/messages`);
        expect(history.body.messages.map((m: ChatMessage) => m.id)).toEqual(['r2', 'r3', 'r4']);
        expect(history.body.messages[1].sentAt).toBe(viaHttp.body.sentAt);
        // r1 left history, and its record with it: the same id is a new message now.
        socket.send({ type: 'send', id: 'r1', body: 'new' });
        expect((await socket.next('ack', (ack) => ack.id === 'r1' && ack.seq !== acks[0]!.seq)).seq).toBe(5);
        socket.close();
      });

      it('ids are scoped to their sender: the same id from two members is two messages', async () => {
        const { roomId, members } = await roomWithMembers(hush, 2);
        const [a, b] = await Promise.all(members.map((m) => connect(hush, m, roomId)));
        a!.socket.send({ type: 'send', id: 'same', body: 'from a' });
        await a!.socket.next('ack');
        b!.socket.send({ type: 'send', id: 'same', body: 'from b' });
        expect((await b!.socket.next('ack')).seq).toBe(2);
        expect((await a!.socket.next('message')).body).toBe('from b');
        a!.socket.close();
        b!.socket.close();
      });

      it('POST and GET messages over HTTP: 201 {seq, sentAt}, pages oldest first with after and limit', async () => {
        const { roomId, members } = await roomWithMembers(hush, 2);
        const { socket } = await connect(hush, members[1]!, roomId);
        for (let i = 1; i <= 5; i++) {
          const result = await members[0]!.client.request('POST', `/api/rooms/${roomId}/messages`, { id: `h${i}`, body: `body${i}` });
          expect(result.status).toBe(201);
          expect(result.body).toEqual({ seq: i, sentAt: expect.any(Number) });
        }
        expect((await socket.waitForCount('message', 5)).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
        const page = await members[1]!.client.request('GET', `/api/rooms/${roomId}/messages?after=2&limit=2`);
        expect(page.body.messages.map((m: ChatMessage) => m.seq)).toEqual([3, 4]);
        expect(page.body.messages[0]).toEqual({ seq: 3, id: 'h3', from: members[0]!.memberId, body: 'body3', sentAt: expect.any(Number) });
        for (const bad of ['after=-1', 'limit=0', 'after=x', 'limit=5000', 'foo=1', 'after=0x1', 'after=', 'after=1.0', 'limit=1e2', 'limit=%202']) {
          const result = await members[1]!.client.request('GET', `/api/rooms/${roomId}/messages?${bad}`);
          expect(result.status, bad).toBe(400);
          expect(result.body.error.code).toBe('invalid_request');
        }
        for (const bad of [{ id: '', body: 'x' }, { id: 'x'.repeat(65), body: 'x' }, { id: 'ok' }, { id: 'ok', body: 5 }]) {
          const result = await members[0]!.client.request('POST', `/api/rooms/${roomId}/messages`, bad);
          expect(result.status).toBe(400);
          expect(result.body.error.code).toBe('invalid_request');
        }
        socket.close();
      });

      it('join takes no field but keyCheck, destroy none: one with another is refused 400 invalid_request and changes nothing', async () => {
        const roomId = (await hush.newClient().createRoom()).body.roomId as string;
        const member = hush.newClient();
        const withField = await member.request('POST', `/api/rooms/${roomId}/join`, { capacity: 16 });
        expect(withField.status).toBe(400);
        expect(withField.body.error.code).toBe('invalid_request');
        // JSON null is a body, and not an object: refused like creation's (no body at all is the empty one).
        expect((await member.request('POST', `/api/rooms/${roomId}/join`, 'null')).status).toBe(400);
        expect((await member.request('POST', '/api/rooms', 'null')).body.error.code).toBe('invalid_request');
        expect((await member.request('GET', `/api/rooms/${roomId}`)).status).toBe(403); // no seat was taken
        expect((await member.request('POST', `/api/rooms/${roomId}/join`, {})).status).toBe(200);
        expect((await member.request('POST', `/api/rooms/${roomId}/join`)).status).toBe(200);
        const destroyWithField = await member.request('DELETE', `/api/rooms/${roomId}`, { now: true });
        expect(destroyWithField.status).toBe(400);
        expect((await member.request('DELETE', `/api/rooms/${roomId}`, 'null')).status).toBe(400);
        expect((await member.request('GET', `/api/rooms/${roomId}`)).status).toBe(200); // still there
        expect((await member.request('DELETE', `/api/rooms/${roomId}`)).status).toBe(204);
      });

      it('a history page holds at most 1000 messages, even where HISTORY_LIMIT keeps more', async () => {
        const deep = await start({ HISTORY_LIMIT: 1100 });
        const { roomId, members } = await roomWithMembers(deep, 2);
        const { socket } = await connect(deep, members[0]!, roomId);
        for (let i = 1; i <= 1005; i++) socket.send({ type: 'send', id: `deep${i}`, body: 'x' });
        await socket.next('ack', (ack) => ack.id === 'deep1005', 20_000);
        socket.close();
        const first = await members[1]!.client.request('GET', `/api/rooms/${roomId}/messages`);
        expect(first.body.messages.map((m: ChatMessage) => m.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
        const rest = await members[1]!.client.request('GET', `/api/rooms/${roomId}/messages?after=1000`);
        expect(rest.body.messages.map((m: ChatMessage) => m.seq)).toEqual([1001, 1002, 1003, 1004, 1005]);
      }, 60_000);

      // 15,000 bytes either way; the second as 5,000 three-byte characters, which a count of UTF-16 units would take for a third of that.
      it.each([
        ['ASCII', 'b'.repeat(15_000)],
        ['three-byte characters', '€'.repeat(5_000)],
      ])('a history page stops near 1 MiB of bodies (UTF-8 bytes, %s); the rest comes by paging with after', async (_kind, body) => {
        const { roomId, members } = await roomWithMembers(hush, 2);
        for (let i = 1; i <= 80; i++) {
          const sent = await members[0]!.client.request('POST', `/api/rooms/${roomId}/messages`, { id: `big${i}`, body });
          expect(sent.status).toBe(201);
        }
        const first = await members[1]!.client.request('GET', `/api/rooms/${roomId}/messages?limit=500`);
        const firstSeqs = first.body.messages.map((m: ChatMessage) => m.seq);
        expect(firstSeqs.length).toBeGreaterThan(60);
        expect(firstSeqs.length).toBeLessThan(80);
        const rest = await members[1]!.client.request('GET', `/api/rooms/${roomId}/messages?after=${firstSeqs.at(-1)}&limit=500`);
        expect([...firstSeqs, ...rest.body.messages.map((m: ChatMessage) => m.seq)]).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
      });

      it('typing reaches the other members only; presence follows connections', async () => {
        const { roomId, members } = await roomWithMembers(hush, 2);
        const a = await connect(hush, members[0]!, roomId);
        const b = await connect(hush, members[1]!, roomId);
        const bOnline = await a.socket.next('presence', (p) => p.members.find((m) => m.memberId === members[1]!.memberId)?.online === true);
        expect(bOnline.members).toHaveLength(2);
        a.socket.send({ type: 'typing' });
        expect(await b.socket.next('typing')).toEqual({ type: 'typing', from: members[0]!.memberId });
        await sleep(100);
        expect(a.socket.ofType('typing')).toHaveLength(0);
        b.socket.close();
        const bOffline = await a.socket.next('presence', (p) => p.members.find((m) => m.memberId === members[1]!.memberId)?.online === false);
        expect(bOffline.members.find((m) => m.memberId === members[0]!.memberId)?.online).toBe(true);
        a.socket.close();
      });
    });

    describe('resume', () => {
      it('after=N replays every retained message with seq > N in order, then continues live, without gap or duplicate', async () => {
        const { roomId, members } = await roomWithMembers(hush, 2);
        const a = await connect(hush, members[0]!, roomId);
        const b = await connect(hush, members[1]!, roomId);
        for (let i = 0; i < 10; i++) a.socket.send({ type: 'send', id: `r${i}`, body: `m${i}` });
        await b.socket.waitForCount('message', 10);
        b.socket.close();
        await b.socket.waitClosed();
        const lastSeen = 6;
        // Keep sending while b reconnects, so live traffic races the replay.
        const sender = (async () => {
          for (let i = 10; i < 40; i++) {
            a.socket.send({ type: 'send', id: `r${i}`, body: `m${i}` });
            if (i % 5 === 0) await sleep(2);
          }
        })();
        const resumed = await connect(hush, members[1]!, roomId, lastSeen);
        expect(resumed.welcome.resumed).toBe(true);
        await sender;
        const messages = await resumed.socket.waitForCount('message', 40 - lastSeen, 10_000);
        await sleep(100);
        expect(resumed.socket.ofType('message').map((m) => m.seq)).toEqual(Array.from({ length: 40 - lastSeen }, (_, i) => lastSeen + 1 + i));
        expect(messages[0]!.body).toBe('m6');
        a.socket.close();
        resumed.socket.close();
      });

      it('a member sees its own earlier messages replayed as message frames from itself', async () => {
        const { roomId, members } = await roomWithMembers(hush, 2);
        const a = await connect(hush, members[0]!, roomId);
        a.socket.send({ type: 'send', id: 'mine', body: 'hello' });
        await a.socket.next('ack');
        a.socket.close();
        const again = await connect(hush, members[0]!, roomId, 0);
        const replayed = await again.socket.next('message');
        expect(replayed).toMatchObject({ seq: 1, id: 'mine', from: members[0]!.memberId });
        again.socket.close();
      });

      it('history is also capped in bytes: big messages push the oldest out, and a resume past them says resumed:false', async () => {
        const capped = await start({ HISTORY_MAX_BYTES: 50_000 });
        const { roomId, members } = await roomWithMembers(capped, 2);
        for (let i = 1; i <= 10; i++) await members[0]!.client.request('POST', `/api/rooms/${roomId}/messages`, { id: `k${i}`, body: 'k'.repeat(10_000) });
        const history = await members[1]!.client.request('GET', `/api/rooms/${roomId}/messages`);
        const seqs = history.body.messages.map((m: ChatMessage) => m.seq);
        expect(seqs.length).toBeGreaterThanOrEqual(3);
        expect(seqs.length).toBeLessThanOrEqual(5);
        expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => 11 - seqs.length + i)); // the newest, contiguous
        const stale = await connect(capped, members[1]!, roomId, 0);
        expect(stale.welcome).toMatchObject({ resumed: false, oldestSeq: seqs[0], lastSeq: 10 });
        // One message larger than the whole budget is still kept: the newest message always is.
        await members[0]!.client.request('POST', `/api/rooms/${roomId}/messages`, { id: 'huge', body: 'h'.repeat(15_000) });
        const after = await members[1]!.client.request('GET', `/api/rooms/${roomId}/messages?after=10`);
        expect(after.body.messages.map((m: ChatMessage) => m.id)).toEqual(['huge']);
        stale.socket.close();
      });

      it('when the history cap dropped the asked messages, welcome says resumed:false with the oldest retained seq', async () => {
        const capped = await start({ HISTORY_LIMIT: 5 });
        const { roomId, members } = await roomWithMembers(capped, 2);
        for (let i = 1; i <= 8; i++) await members[0]!.client.request('POST', `/api/rooms/${roomId}/messages`, { id: `c${i}`, body: `b${i}` });
        const history = await members[1]!.client.request('GET', `/api/rooms/${roomId}/messages`);
        expect(history.body.messages.map((m: ChatMessage) => m.seq)).toEqual([4, 5, 6, 7, 8]);
        const stale = await connect(capped, members[1]!, roomId, 1);
        expect(stale.welcome).toMatchObject({ resumed: false, oldestSeq: 4, lastSeq: 8 });
        expect((await stale.socket.waitForCount('message', 5)).map((m) => m.seq)).toEqual([4, 5, 6, 7, 8]);
        const fresh = await connect(capped, members[0]!, roomId, 3);
        expect(fresh.welcome).toMatchObject({ resumed: true, oldestSeq: 4 });
        stale.socket.close();
        fresh.socket.close();
      });
    });

    describe('isolation', () => {
      it('nothing sent in one room reaches another, and a seat in one room opens no other', async () => {
        const one = await roomWithMembers(hush, 2);
        const two = await roomWithMembers(hush, 2);
        const oneSockets = await Promise.all(one.members.map((m) => connect(hush, m, one.roomId)));
        const twoSockets = await Promise.all(two.members.map((m) => connect(hush, m, two.roomId)));
        for (let i = 0; i < 5; i++) oneSockets[0]!.socket.send({ type: 'send', id: `i${i}`, body: `room-one-${i}` });
        oneSockets[0]!.socket.send({ type: 'typing' });
        twoSockets[0]!.socket.send({ type: 'send', id: 'j', body: 'room-two' });
        await oneSockets[1]!.socket.waitForCount('message', 5);
        await twoSockets[1]!.socket.next('message');
        await sleep(150);
        for (const { socket } of twoSockets) {
          expect(socket.ofType('message').every((m) => m.body === 'room-two')).toBe(true);
          expect(socket.ofType('typing')).toHaveLength(0);
        }
        // A member of room one holds no seat in room two, whatever it knows of the id.
        const peek = await one.members[0]!.client.request('GET', `/api/rooms/${two.roomId}/messages`);
        expect(peek.status).toBe(403);
        const sneak = await TestSocket.open(hush.wsUrl(two.roomId), { cookie: one.members[0]!.client.cookieHeader });
        expect((await sneak.waitClosed()).code).toBe(4403);
        for (const { socket } of [...oneSockets, ...twoSockets]) socket.close();
      });
    });

    describe('the end of a room', () => {
      it('destroy: every member gets destroyed{reason:destroyed} and close 4410, then nothing of the room remains', async () => {
        const { roomId, members } = await roomWithMembers(hush, 3);
        const sockets = await Promise.all(members.map((m) => connect(hush, m, roomId)));
        sockets[0]!.socket.send({ type: 'send', id: 'before-end', body: 'x' });
        await sockets[0]!.socket.next('ack');
        expect(await target.roomTraces(hush, roomId)).toBeGreaterThan(0);
        const destroyed = await members[1]!.client.request('DELETE', `/api/rooms/${roomId}`);
        expect(destroyed.status).toBe(204);
        for (const { socket } of sockets) {
          expect(await socket.next('destroyed')).toEqual({ type: 'destroyed', reason: 'destroyed' });
          expect((await socket.waitClosed()).code).toBe(4410);
        }
        await eventually(async () => (await target.roomTraces(hush, roomId)) === 0, 3000, 'room traces gone');
        expect((await members[0]!.client.join(roomId)).status).toBe(404);
        const late = await TestSocket.open(hush.wsUrl(roomId), { cookie: members[0]!.client.cookieHeader });
        expect((await late.waitClosed()).code).toBe(4404);
      });

      it('expiry: a 2-second room ends at expiresAt for every member even if idle, and nothing remains', async () => {
        const { roomId, members } = await roomWithMembers(hush, 2, { ttlSeconds: 2 });
        const expiresAt = members[0]!.join.expiresAt as number;
        const sockets = await Promise.all(members.map((m) => connect(hush, m, roomId)));
        await members[0]!.client.request('POST', `/api/rooms/${roomId}/messages`, { id: 'e', body: 'x' });
        for (const { socket } of sockets) {
          expect(await socket.next('destroyed', () => true, 4000)).toEqual({ type: 'destroyed', reason: 'expired' });
          expect((await socket.waitClosed()).code).toBe(4410);
        }
        expect(Date.now()).toBeGreaterThanOrEqual(expiresAt - 50);
        await eventually(async () => (await target.roomTraces(hush, roomId)) === 0, 3000, 'room traces gone');
        expect((await members[0]!.client.request('GET', `/api/rooms/${roomId}`)).status).toBe(404);
      });

      it('expiry without any socket open still removes every trace of the room', async () => {
        const client = hush.newClient();
        const roomId = (await client.createRoom({ ttlSeconds: 1 })).body.roomId;
        await client.join(roomId);
        await client.request('POST', `/api/rooms/${roomId}/messages`, { id: 'lonely', body: 'x' });
        expect(await target.roomTraces(hush, roomId)).toBeGreaterThan(0);
        await eventually(async () => (await target.roomTraces(hush, roomId)) === 0, 4000, 'room traces gone');
        expect((await client.join(roomId)).status).toBe(404);
      });
    });

    describe('bad input gets a clear answer, and nothing breaks', () => {
      it.each([
        ['{not json', 'invalid_json'],
        ['[1,2]', 'invalid_frame'],
        ['"hello"', 'invalid_frame'],
        ['{"type":"shout"}', 'unknown_type'],
        ['{"body":"no type"}', 'unknown_type'],
        ['{"type":"send","body":"no id"}', 'invalid_frame'],
        ['{"type":"send","id":"","body":"x"}', 'invalid_frame'],
        [`{"type":"send","id":"${'x'.repeat(65)}","body":"x"}`, 'invalid_frame'],
        ['{"type":"send","id":"x","body":42}', 'invalid_frame'],
        ['{"type":"send","id":"x","body":""}', 'invalid_frame'],
      ])('frame %s gets error %s and the connection stays usable', async (text, code) => {
        const { roomId, members } = await roomWithMembers(hush, 2);
        const { socket } = await connect(hush, members[0]!, roomId);
        socket.send(text);
        const error = await socket.next('error');
        expect(error.code).toBe(code);
        // A refused send that had a usable id is named, so the client knows which message failed.
        if (text.includes('"id":"x"')) expect(error.id).toBe('x');
        expect(error.message.length).toBeGreaterThan(0);
        socket.send({ type: 'send', id: 'after-error', body: 'still works' });
        expect(await socket.next('ack')).toMatchObject({ id: 'after-error', seq: 1 });
        socket.close();
      });

      it('a frame over MESSAGE_MAX_BYTES closes the socket with 1009', async () => {
        const { roomId, members } = await roomWithMembers(hush, 2);
        const { socket } = await connect(hush, members[0]!, roomId);
        socket.send({ type: 'send', id: 'big', body: 'x'.repeat(16_384) });
        expect((await socket.waitClosed()).code).toBe(1009);
        expect((await members[0]!.client.request('GET', `/api/rooms/${roomId}/messages`)).body.messages).toEqual([]);
      });

      it('a request body over MESSAGE_MAX_BYTES gets 413 payload_too_large', async () => {
        const { roomId, members } = await roomWithMembers(hush, 1);
        const result = await members[0]!.client.request('POST', `/api/rooms/${roomId}/messages`, { id: 'big', body: 'x'.repeat(20_000) });
        expect(result.status).toBe(413);
        expect(result.body.error.code).toBe('payload_too_large');
      });

      it('a binary frame closes the socket with 1003', async () => {
        const { roomId, members } = await roomWithMembers(hush, 2);
        const { socket } = await connect(hush, members[0]!, roomId);
        socket.ws.send(Buffer.from([1, 2, 3]), { binary: true });
        expect((await socket.waitClosed()).code).toBe(1003);
      });

      it('permessage-deflate is off', async () => {
        const { roomId, members } = await roomWithMembers(hush, 1);
        const ws = new WebSocket(hush.wsUrl(roomId), { headers: { cookie: members[0]!.client.cookieHeader }, perMessageDeflate: true });
        await new Promise((resolve) => ws.once('open', resolve));
        expect(ws.extensions).toBe('');
        ws.close();
      });

      /** A member's socket on a server with a budget of `budget` sends per minute, all of them spent (and acknowledged). */
      async function spentBudget(budget: number) {
        const limited = await start({ MESSAGE_RATE_LIMIT: budget, MESSAGE_RATE_WINDOW_SECONDS: 60, RATE_LIMIT_STRIKES: 3 });
        const { roomId, members } = await roomWithMembers(limited, 2);
        const { socket } = await connect(limited, members[0]!, roomId);
        for (let i = 0; i < budget; i++) socket.send({ type: 'send', id: `ok${i}`, body: 'x' });
        await socket.waitForCount('ack', budget);
        return { socket, roomId, members };
      }

      it('a member sending past the rate limit gets error rate_limited, then close 1008 if it goes on', async () => {
        const { socket, roomId, members } = await spentBudget(5);
        socket.send({ type: 'send', id: 'over', body: 'x' });
        const refused = await socket.next('error');
        expect(refused).toMatchObject({ code: 'rate_limited', id: 'over' });
        // It says when the budget renews: within the 60-second window, which is aligned to the store's clock.
        expect(refused.retryAfterMs).toBeGreaterThan(0);
        expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
        socket.send({ type: 'send', id: 'over1', body: 'x' });
        socket.send({ type: 'send', id: 'over2', body: 'x' });
        expect((await socket.waitClosed()).code).toBe(1008);
        expect(socket.ofType('ack')).toHaveLength(5);
        // HTTP sends share the member's budget.
        const viaHttp = await members[0]!.client.request('POST', `/api/rooms/${roomId}/messages`, { id: 'h', body: 'x' });
        expect(viaHttp.status).toBe(429);
        expect(viaHttp.body.error.code).toBe('rate_limited');
        expect(Number(viaHttp.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(Number(viaHttp.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      });

      it('the send budget is per member and renews when its window ends', async () => {
        const limited = await start({ MESSAGE_RATE_LIMIT: 2, MESSAGE_RATE_WINDOW_SECONDS: 1 });
        const { roomId, members } = await roomWithMembers(limited, 2);
        const { socket } = await connect(limited, members[0]!, roomId);
        const other = await connect(limited, members[1]!, roomId);
        // Windows are aligned to the clock: start at the beginning of one, so the three sends share it.
        await sleep(1000 - (Date.now() % 1000) + 20);
        socket.send({ type: 'send', id: 'a1', body: 'x' });
        socket.send({ type: 'send', id: 'a2', body: 'x' });
        await socket.waitForCount('ack', 2);
        socket.send({ type: 'send', id: 'a3', body: 'x' });
        expect(await socket.next('error')).toMatchObject({ code: 'rate_limited', id: 'a3' });
        // The other member's budget is its own.
        other.socket.send({ type: 'send', id: 'b1', body: 'x' });
        expect(await other.socket.next('ack')).toMatchObject({ id: 'b1' });
        // A new window: the refused send goes through when retried with the same id.
        await sleep(1100);
        socket.send({ type: 'send', id: 'a3', body: 'x' });
        expect((await socket.waitForCount('ack', 3))[2]).toMatchObject({ id: 'a3', seq: 4 });
      });

      it('a send the budget refused holds back the later ones until it comes again: pipelined sends keep the order written', async () => {
        const limited = await start({ MESSAGE_RATE_LIMIT: 3, MESSAGE_RATE_WINDOW_SECONDS: 1 });
        const { roomId, members } = await roomWithMembers(limited, 2);
        const { socket } = await connect(limited, members[0]!, roomId);
        await sleep(1000 - (Date.now() % 1000) + 20);
        for (const id of ['a1', 'a2', 'a3', 'a4', 'a5']) socket.send({ type: 'send', id, body: id });
        await socket.waitForCount('ack', 3);
        expect((await socket.waitForCount('error', 2)).map((e) => [e.code, e.id])).toEqual([['rate_limited', 'a4'], ['rate_limited', 'a5']]);
        // The next window: a send written after a4 and a5 (in flight when they were refused) reaches the
        // store first; it waits for a4 rather than overtaking it.
        await sleep(1000 - (Date.now() % 1000) + 20);
        socket.send({ type: 'send', id: 'a6', body: 'a6' });
        expect(await socket.next('error', (e) => e.id === 'a6')).toMatchObject({ code: 'rate_limited' });
        socket.send({ type: 'send', id: 'a4', body: 'a4' });
        socket.send({ type: 'send', id: 'a5', body: 'a5' });
        const acks = await socket.waitForCount('ack', 5);
        expect(acks.slice(3).map((ack) => [ack.id, ack.seq])).toEqual([['a4', 4], ['a5', 5]]);
      });

      it('the hold of a refused send that never comes again lasts one more window at most', async () => {
        const limited = await start({ MESSAGE_RATE_LIMIT: 1, MESSAGE_RATE_WINDOW_SECONDS: 1 });
        const { roomId, members } = await roomWithMembers(limited, 2);
        const { socket } = await connect(limited, members[0]!, roomId);
        await sleep(1000 - (Date.now() % 1000) + 20);
        socket.send({ type: 'send', id: 'x1', body: 'x' });
        socket.send({ type: 'send', id: 'x2', body: 'x' });
        expect(await socket.next('error', (e) => e.id === 'x2')).toMatchObject({ code: 'rate_limited' });
        await sleep(1000 - (Date.now() % 1000) + 20);
        socket.send({ type: 'send', id: 'x3', body: 'x' });
        expect(await socket.next('error', (e) => e.id === 'x3')).toMatchObject({ code: 'rate_limited' });
        // Two windows after x2's refusal, x3 goes through without it.
        await sleep(1000 - (Date.now() % 1000) + 20);
        socket.send({ type: 'send', id: 'x3', body: 'x' });
        expect((await socket.waitForCount('ack', 2))[1]).toMatchObject({ id: 'x3', seq: 2 });
      });

      it('a refused resend of a send still in flight does not cost the original its ack', async () => {
        const limited = await start({ MESSAGE_RATE_LIMIT: 1, MESSAGE_RATE_WINDOW_SECONDS: 60 });
        const { roomId, members } = await roomWithMembers(limited, 2);
        const { socket } = await connect(limited, members[0]!, roomId);
        const other = await connect(limited, members[1]!, roomId);
        // Both frames leave at once: the first is stored, its resend finds the budget spent.
        socket.send({ type: 'send', id: 'twice', body: 'x' });
        socket.send({ type: 'send', id: 'twice', body: 'x' });
        expect(await socket.next('ack')).toMatchObject({ id: 'twice', seq: 1 });
        expect(await socket.next('error')).toMatchObject({ code: 'rate_limited', id: 'twice' });
        expect((await other.socket.next('message')).id).toBe('twice');
        await sleep(150);
        // No echo: the sender got its ack, never its own message.
        expect(socket.ofType('message')).toHaveLength(0);
      });

      it('typing has its own budget: it never uses up the message rate limit', async () => {
        const limited = await start({ MESSAGE_RATE_LIMIT: 5, MESSAGE_RATE_WINDOW_SECONDS: 60 });
        const { roomId, members } = await roomWithMembers(limited, 2);
        const { socket } = await connect(limited, members[0]!, roomId);
        const other = await connect(limited, members[1]!, roomId);
        for (let i = 0; i < 5; i++) socket.send({ type: 'typing' });
        await other.socket.waitForCount('typing', 5);
        for (let i = 0; i < 5; i++) socket.send({ type: 'send', id: `t${i}`, body: 'x' });
        await socket.waitForCount('ack', 5);
        socket.send({ type: 'typing' });
        const refused = await socket.next('error');
        expect(refused).toMatchObject({ code: 'rate_limited' });
        // When the typing budget renews: within its 60 s window.
        expect(refused.retryAfterMs).toBeGreaterThan(0);
        expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
        expect(socket.ofType('error')).toHaveLength(1);
      });

      it('accepted typing frames between refused sends do not clear the strikes: the socket is still closed with 1008', async () => {
        const { socket } = await spentBudget(2);
        // Typing has a budget of its own (2 here), so these two typing frames are accepted.
        for (const id of ['over1', 'over2', 'over3']) {
          socket.send({ type: 'send', id, body: 'x' });
          await socket.next('error', (e) => e.id === id);
          if (id !== 'over3') socket.send({ type: 'typing' });
        }
        expect((await socket.waitClosed()).code).toBe(1008);
        expect(socket.ofType('error').map((e) => e.code)).toEqual(['rate_limited', 'rate_limited', 'rate_limited']);
      });

      it('a socket closed with 1008 is served no more, though its peer never answers the close', async () => {
        const limited = await start({ MESSAGE_RATE_LIMIT: 2, MESSAGE_RATE_WINDOW_SECONDS: 60, RATE_LIMIT_STRIKES: 2 });
        const { roomId, members } = await roomWithMembers(limited, 2);
        const watcher = await connect(limited, members[1]!, roomId);
        // A client library answers a close at once; this peer does not, so the server's side stays closing.
        const raw = await RawWebSocket.open(limited.baseUrl, `/ws?roomId=${roomId}`, members[0]!.client.cookieHeader);
        try {
          await eventually(() => raw.ofType('welcome').length === 1, 5000, 'the welcome');
          // Typing has a budget of its own (2 here): this one reaches the other member.
          raw.sendText('{"type":"typing"}');
          await watcher.socket.next('typing');
          // Two sends spend the send budget, and two refusals are the two strikes that close the socket.
          for (const id of ['a', 'b', 'over1', 'over2']) raw.sendText(`{"type":"send","id":"${id}","body":"x"}`);
          await eventually(() => raw.closeCode !== undefined, 5000, 'the close frame');
          expect(raw.closeCode).toBe(1008);
          expect(raw.ofType('error').map((e) => e.code)).toEqual(['rate_limited', 'rate_limited']);
          // Still within its typing budget, the peer goes on: nothing it sends now may be handled.
          raw.sendText('{"type":"typing"}');
          await sleep(300);
          expect(watcher.socket.ofType('typing')).toHaveLength(1);
        } finally {
          raw.destroy();
          watcher.socket.close();
        }
      });

      it('each connection spends the member\'s read budget, shared with history reads: reconnecting in a loop gets rate_limited and 1008', async () => {
        const limited = await start({ MESSAGE_RATE_LIMIT: 3, MESSAGE_RATE_WINDOW_SECONDS: 60 });
        const { roomId, members } = await roomWithMembers(limited, 2);
        const watcher = await connect(limited, members[1]!, roomId);
        for (let i = 0; i < 2; i++) {
          const { socket } = await connect(limited, members[0]!, roomId);
          socket.close();
          await socket.waitClosed();
        }
        expect((await members[0]!.client.request('GET', `/api/rooms/${roomId}/messages?after=0`)).status).toBe(200);
        await sleep(100);
        const presenceBefore = watcher.socket.ofType('presence').length;
        const refused = await TestSocket.open(limited.wsUrl(roomId), { cookie: members[0]!.client.cookieHeader });
        const turnedAway = await refused.next('error');
        expect(turnedAway).toMatchObject({ code: 'rate_limited' });
        // It says when reconnecting can succeed again: within the budget's 60 s window.
        expect(turnedAway.retryAfterMs).toBeGreaterThan(0);
        expect(turnedAway.retryAfterMs).toBeLessThanOrEqual(60_000);
        expect((await refused.waitClosed()).code).toBe(1008);
        expect(refused.ofType('welcome')).toHaveLength(0);
        const viaHttp = await members[0]!.client.request('GET', `/api/rooms/${roomId}/messages?after=0`);
        expect(viaHttp.status).toBe(429);
        expect(Number(viaHttp.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(Number(viaHttp.headers.get('retry-after'))).toBeLessThanOrEqual(60);
        // A connection turned away was never online: the room hears nothing of it.
        await sleep(150);
        expect(watcher.socket.ofType('presence')).toHaveLength(presenceBefore);
        // The other member's budget is its own.
        const other = await connect(limited, members[1]!, roomId);
        other.socket.close();
        watcher.socket.close();
      });

      it('a flood of invalid frames is rate-limited like sends, and closed with 1008 if it goes on', async () => {
        const limited = await start({ MESSAGE_RATE_LIMIT: 5, MESSAGE_RATE_WINDOW_SECONDS: 60, RATE_LIMIT_STRIKES: 3 });
        const { roomId, members } = await roomWithMembers(limited, 2);
        const { socket } = await connect(limited, members[0]!, roomId);
        for (let i = 0; i < 20; i++) socket.send('{"type":"send","id":"x","body":""}');
        expect((await socket.waitClosed()).code).toBe(1008);
        // Frames are handled concurrently: once the close has begun, later answers are not sent.
        expect(socket.ofType('error').length).toBeGreaterThan(0);
        expect(socket.ofType('error').every((e) => e.code === 'invalid_frame' || e.code === 'rate_limited')).toBe(true);
      });

      it('an unknown type is named in the error without echoing a large value back', async () => {
        const { roomId, members } = await roomWithMembers(hush, 1);
        const { socket } = await connect(hush, members[0]!, roomId);
        socket.send(JSON.stringify({ type: 'z'.repeat(5000) }));
        socket.send(JSON.stringify({ type: { nested: 'y'.repeat(5000) } }));
        const [first, second] = await socket.waitForCount('error', 2);
        expect(first!.message.length).toBeLessThan(120);
        expect(second!.message.length).toBeLessThan(120);
        socket.close();
      });

      it('a member holds at most MAX_SOCKETS_PER_MEMBER sockets, and its extra tabs do not flood presence', async () => {
        const capped = await start({ MAX_SOCKETS_PER_MEMBER: 3 });
        const { roomId, members } = await roomWithMembers(capped, 2);
        const watcher = await connect(capped, members[1]!, roomId);
        const tabs = [];
        for (let i = 0; i < 3; i++) tabs.push(await connect(capped, members[0]!, roomId));
        const extra = await TestSocket.open(capped.wsUrl(roomId), { cookie: members[0]!.client.cookieHeader });
        // Sent before its welcome: a tab that is turned away stores nothing.
        extra.send(JSON.stringify({ type: 'send', id: 'from-a-refused-tab', body: 'x' }));
        expect((await extra.next('error')).code).toBe('too_many_connections');
        expect((await extra.waitClosed()).code).toBe(1008);
        const history = await members[1]!.client.request('GET', `/api/rooms/${roomId}/messages?after=0`);
        expect(history.body.messages).toEqual([]);
        const aOnline = (p: { members: { memberId: string; online: boolean }[] }) => p.members.find((m) => m.memberId === members[0]!.memberId)?.online;
        await watcher.socket.next('presence', (p) => aOnline(p) === true);
        const firstOnline = watcher.socket.frames.findIndex((f) => f.type === 'presence' && aOnline(f) === true);
        for (const tab of tabs.slice(0, 2)) {
          tab.socket.close();
          await tab.socket.waitClosed();
        }
        await sleep(150);
        const presenceSince = watcher.socket.frames.slice(firstOnline).filter((f) => f.type === 'presence');
        expect(presenceSince).toHaveLength(1); // three tabs opened, two closed: one "online", nothing else
        tabs[2]!.socket.close();
        await watcher.socket.next('presence', (p) => aOnline(p) === false);
        watcher.socket.close();
      });

      it('a burst of one socket more than MAX_SOCKETS_PER_MEMBER turns away one socket, not all of them', async () => {
        const capped = await start({ MAX_SOCKETS_PER_MEMBER: 3 });
        const { roomId, members } = await roomWithMembers(capped, 2);
        // At once, before the instance holds the room (with Redis, they may attach while it subscribes).
        const burst = await Promise.all([0, 1, 2, 3].map(() => TestSocket.open(capped.wsUrl(roomId), { cookie: members[0]!.client.cookieHeader })));
        await eventually(() => burst.every((socket) => socket.frames.length > 0), 5000, 'a first frame on every socket');
        const firstFrames = burst.map((socket) => socket.frames[0]!);
        expect(firstFrames.filter((frame) => frame.type === 'welcome')).toHaveLength(3);
        expect(firstFrames.flatMap((frame) => (frame.type === 'error' ? [frame.code] : []))).toEqual(['too_many_connections']);
        for (const socket of burst) socket.close();
      });

      it('one client address holds at most MAX_CONNECTIONS_PER_CLIENT sockets; closing one frees its place', async () => {
        const capped = await start({ MAX_CONNECTIONS_PER_CLIENT: 3 });
        const { roomId, members } = await roomWithMembers(capped, 2);
        const open = [];
        for (const member of [members[0]!, members[1]!, members[0]!]) open.push(await connect(capped, member, roomId));
        // The fourth, whoever's seat it is, is refused at the upgrade: 429 too_many_connections.
        const refused = await TestSocket.open(capped.wsUrl(roomId), { cookie: members[1]!.client.cookieHeader }).catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(UpgradeRefused);
        expect((refused as UpgradeRefused).status).toBe(429);
        open[0]!.socket.close();
        await open[0]!.socket.waitClosed();
        await eventually(async () => {
          const again = await TestSocket.open(capped.wsUrl(roomId), { cookie: members[1]!.client.cookieHeader }).catch(() => undefined);
          again?.close();
          return again !== undefined;
        }, 3000, 'a place freed');
        for (const { socket } of open.slice(1)) socket.close();

        // Behind a proxy the client is the forwarded address: counted per address (per IPv6 /64), not per proxy.
        const proxied = await start({ MAX_CONNECTIONS_PER_CLIENT: 1, TRUST_PROXY: 1 });
        const room = await roomWithMembers(proxied, 2);
        const from = (address: string) =>
          TestSocket.open(proxied.wsUrl(room.roomId), { cookie: room.members[0]!.client.cookieHeader, headers: { 'x-forwarded-for': address } }).catch((error: unknown) => error);
        const first = await from('192.0.2.1');
        expect(first).toBeInstanceOf(TestSocket);
        expect(((await from('192.0.2.1')) as UpgradeRefused).status).toBe(429);
        const other = await from('192.0.2.2');
        expect(other).toBeInstanceOf(TestSocket);
        const v6 = await from('2001:db8:5:6::1');
        expect(v6).toBeInstanceOf(TestSocket);
        expect(((await from('2001:db8:5:6::2')) as UpgradeRefused).status).toBe(429);
        for (const socket of [first, other, v6] as TestSocket[]) socket.close();
      });

      it('sockets closed while still starting leave no ghost presence behind', async () => {
        const { roomId, members } = await roomWithMembers(hush, 2);
        const closings: Promise<unknown>[] = [];
        for (let i = 0; i < 40; i++) {
          const ws = new WebSocket(hush.wsUrl(roomId), { headers: { cookie: members[0]!.client.cookieHeader } });
          ws.on('error', () => undefined);
          closings.push(new Promise((resolve) => ws.once('close', resolve)));
          if (i % 2 === 0) ws.once('open', () => ws.terminate());
          else setTimeout(() => ws.terminate(), i % 7);
        }
        await Promise.all(closings);
        await eventually(async () => {
          const view = await members[1]!.client.request('GET', `/api/rooms/${roomId}`);
          return view.body.members.every((m: { online: boolean }) => !m.online);
        }, 5000, 'everyone offline');
        await sleep(300);
        const view = await members[1]!.client.request('GET', `/api/rooms/${roomId}`);
        expect(view.body.members.map((m: { online: boolean }) => m.online)).toEqual([false, false]);
      });

      it('room creation is rate-limited per client IP with 429 rate_limited', async () => {
        const limited = await start({ ROOM_CREATE_LIMIT: 3, ROOM_CREATE_WINDOW_SECONDS: 60 });
        const client = limited.newClient();
        for (let i = 0; i < 3; i++) expect((await client.createRoom()).status).toBe(201);
        const refused = await client.createRoom();
        expect(refused.status).toBe(429);
        expect(refused.body.error.code).toBe('rate_limited');
        // When the address may create rooms again: within the 60 s window, in whole seconds.
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      });

      it('room creation is limited per IPv6 /64, the block one subscriber is given, and per IPv4 address', async () => {
        const limited = await start({ ROOM_CREATE_LIMIT: 2, ROOM_CREATE_WINDOW_SECONDS: 60, TRUST_PROXY: 1 });
        const client = limited.newClient();
        const createFrom = async (address: string) => (await client.request('POST', '/api/rooms', {}, { 'x-forwarded-for': address })).status;
        expect(await createFrom('2001:db8:1:2::1')).toBe(201);
        expect(await createFrom('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(201);
        expect(await createFrom('2001:db8:1:2:abcd::9')).toBe(429); // same /64, another address
        expect(await createFrom('2001:db8:1:3::1')).toBe(201); // the next /64
        expect(await createFrom('192.0.2.1')).toBe(201);
        expect(await createFrom('::ffff:192.0.2.1')).toBe(201); // the same IPv4 address, mapped
        expect(await createFrom('192.0.2.1')).toBe(429);
        expect(await createFrom('192.0.2.2')).toBe(201);
      });

      it('every API request spends its client address budget: past API_REQUEST_LIMIT any route answers 429 rate_limited, an encoded path too', async () => {
        const limited = await start({ API_REQUEST_LIMIT: 5, API_REQUEST_WINDOW_SECONDS: 60, TRUST_PROXY: 1 });
        const client = limited.newClient();
        const from = (address: string) => ({ 'x-forwarded-for': address });
        const spender = '198.51.100.7';
        // Another site's page (an <img>, a no-cors fetch: no Origin) is refused before it can spend anyone's budget.
        for (let i = 0; i < 3; i++) {
          const foreign = await client.request('GET', '/api/limits', undefined, { ...from(spender), 'sec-fetch-site': 'cross-site' });
          expect(foreign.status).toBe(403);
          expect(foreign.body.error.code).toBe('forbidden_origin');
        }
        // Five requests of five kinds, a refused one among them: each spends a point.
        expect((await client.request('GET', '/api/limits', undefined, { ...from(spender), 'sec-fetch-site': 'same-origin' })).status).toBe(200);
        expect((await client.request('HEAD', '/api/limits', undefined, from(spender))).status).toBe(200);
        const created = await client.request('POST', '/api/rooms', {}, from(spender));
        expect(created.status).toBe(201);
        expect((await client.request('POST', `/api/rooms/${created.body.roomId}/join`, undefined, from(spender))).status).toBe(200);
        expect((await client.request('GET', `/api/rooms/${'x'.repeat(22)}`, undefined, from(spender))).status).toBe(404);
        const refused = await client.request('GET', `/api/rooms/${created.body.roomId}`, undefined, from(spender));
        expect(refused.status).toBe(429);
        expect(refused.body.error.code).toBe('rate_limited');
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
        // The router decodes the path; the budget goes by the route it reached.
        expect((await client.request('GET', '/%61pi/limits', undefined, from(spender))).status).toBe(429);
        // Health checks are not API requests, and another address has its own budget.
        expect((await client.request('GET', '/healthz', undefined, from(spender))).status).toBe(200);
        expect((await client.request('GET', '/api/limits', undefined, from('198.51.100.8'))).status).toBe(200);
      });

      it('history read is bounded in bytes per client address, whatever rooms and seats it uses: pages and replays alike', async () => {
        // Each member's own budget of reads is RELAXED (100,000): only the address's bytes can refuse here.
        const limited = await start({ CLIENT_READ_LIMIT_KIB: 30, MESSAGE_RATE_WINDOW_SECONDS: 60, TRUST_PROXY: 1 });
        const from = (address: string) => ({ 'x-forwarded-for': address });
        const rooms = [];
        for (let r = 0; r < 2; r++) {
          const { roomId, members } = await roomWithMembers(limited, 2);
          // About 20 KiB of history in each room (sending reads nothing).
          for (const id of ['m1', 'm2']) {
            const sent = await members[0]!.client.request('POST', `/api/rooms/${roomId}/messages`, { id, body: 'x'.repeat(10_000) }, from('192.0.2.50'));
            expect(sent.status).toBe(201);
          }
          rooms.push({ roomId, members });
        }
        const [one, two] = rooms as [(typeof rooms)[0], (typeof rooms)[0]];
        const read = (member: (typeof one.members)[0], roomId: string, address: string) =>
          member.client.request('GET', `/api/rooms/${roomId}/messages?after=0`, undefined, from(address));
        // Two pages of 20 KiB by two seats in two rooms: the second starts within the 30 KiB and spends it.
        expect((await read(one.members[0]!, one.roomId, '192.0.2.60')).body.messages).toHaveLength(2);
        expect((await read(two.members[1]!, two.roomId, '192.0.2.60')).body.messages).toHaveLength(2);
        const refused = await read(two.members[0]!, two.roomId, '192.0.2.60');
        expect(refused.status).toBe(429);
        expect(refused.body.error.code).toBe('rate_limited');
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
        // A WebSocket's replay is a read of the same budget: a fresh seat from that address is turned away before its welcome.
        const socket = await TestSocket.open(limited.wsUrl(one.roomId), { cookie: one.members[1]!.client.cookieHeader, headers: from('192.0.2.60') });
        const turnedAway = await socket.next('error');
        expect(turnedAway).toMatchObject({ code: 'rate_limited' });
        expect(turnedAway.retryAfterMs).toBeGreaterThan(0);
        expect((await socket.waitClosed()).code).toBe(1008);
        expect(socket.ofType('welcome')).toHaveLength(0);
        // Another address has a budget of its own, which a replay spends as a page does: after 20 KiB of replay, one page
        // starts within the 30 KiB and the next is refused.
        const replaying = await TestSocket.open(limited.wsUrl(one.roomId), { cookie: one.members[1]!.client.cookieHeader, headers: from('192.0.2.61') });
        await replaying.next('welcome');
        await replaying.waitForCount('message', 2);
        replaying.close();
        expect((await read(one.members[0]!, one.roomId, '192.0.2.61')).status).toBe(200);
        expect((await read(one.members[0]!, one.roomId, '192.0.2.61')).status).toBe(429);
      });

      it.each([
        ['a peer that stops answering pings is dropped', false],
        ['a peer that stops reading but sends pongs unasked is dropped all the same', true],
      ])('%s', async (_name, guessesPongs) => {
        const quick = await start({ PING_INTERVAL_MS: 150 });
        const { roomId, members } = await roomWithMembers(quick, 2);
        const { socket } = await connect(quick, members[0]!, roomId);
        const watcher = await connect(quick, members[1]!, roomId);
        // Pings go unread; without reading them a peer cannot echo their payloads, only guess.
        socket.stopReading();
        const guesses = guessesPongs ? setInterval(() => socket.ws.pong(String(Math.floor(Math.random() * 1000))), 20) : undefined;
        try {
          await watcher.socket.next('presence', (p) => p.members.find((m) => m.memberId === members[0]!.memberId)?.online === false, 3000);
        } finally {
          clearInterval(guesses);
        }
        watcher.socket.close();
      });

      it('a consumer that does not read is dropped once its send buffer passes the bound', async () => {
        const bounded = await start({ SEND_BUFFER_LIMIT_BYTES: 65_536 });
        const { roomId, members } = await roomWithMembers(bounded, 2);
        const reader = await connect(bounded, members[0]!, roomId);
        const stalled = await connect(bounded, members[1]!, roomId);
        stalled.socket.stopReading();
        const body = 'y'.repeat(15_000);
        let sent = 0;
        // Loopback buffers hold a few MB; keep sending until the server gives up on the stalled peer.
        const dropped = reader.socket.next('presence', (p) => p.members.find((m) => m.memberId === members[1]!.memberId)?.online === false, 20_000);
        let done = false;
        void dropped.finally(() => (done = true));
        while (!done && sent < 3000) {
          for (let i = 0; i < 20; i++) reader.socket.send({ type: 'send', id: `flood${sent++}`, body });
          await sleep(5);
        }
        await dropped;
        expect((await bounded.newClient().request('GET', '/healthz')).status).toBe(200);
        reader.socket.close();
      });

      it.each(['//', '//evil.example/ws', '/\\evil.example/ws', 'http://x:99999/ws', 'http://[::1/ws', '*'])(
        'an upgrade to the request target %s gets 400 invalid_request and the process lives on',
        async (target) => {
          const reply = await rawUpgrade(hush.baseUrl, target);
          expect(reply).toMatch(/^HTTP\/1\.1 400 /);
          expect(reply).toContain('"code":"invalid_request"');
          expect((await hush.newClient().request('GET', '/healthz')).status).toBe(200);
        },
      );

      it('a plain request that also asks to upgrade to h2c (curl --http2) is served as plain HTTP, then the connection closes', async () => {
        const { hostname, port } = new URL(hush.baseUrl);
        const h2c = (method: string, target: string) =>
          `${method} ${target} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n`;
        const health = await rawRequest(hush.baseUrl, h2c('GET', '/healthz'));
        expect(health).toMatch(/^HTTP\/1\.1 200 /);
        expect(health.toLowerCase()).toContain('connection: close');
        const head = await rawRequest(hush.baseUrl, h2c('HEAD', '/healthz'));
        expect(head).toMatch(/^HTTP\/1\.1 200 /);
        expect(head.endsWith('\r\n\r\n')).toBe(true); // no body
        const limits = await rawRequest(hush.baseUrl, h2c('GET', '/api/limits'));
        expect(limits).toMatch(/^HTTP\/1\.1 200 /);
        expect(JSON.parse(limits.slice(limits.indexOf('\r\n\r\n') + 4)).ttlSeconds).toBeDefined();
        // A body after a detached parser would go unread: other methods are refused in the API's shape.
        const post = await rawRequest(hush.baseUrl, h2c('POST', '/api/rooms'));
        expect(post).toMatch(/^HTTP\/1\.1 400 /);
        expect(post).toContain('"code":"invalid_request"');
      });

      it.each([
        ['a refused upgrade', (host: string) => upgradeRequest('/nowhere', host), 404],
        ['a plain GET that asked for h2c', (host: string) => `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n`, 200],
      ])('%s is closed by the server once answered, even when the client never closes its side', async (_, request, status) => {
        const connections = () => new Promise<number>((resolve, reject) => hush.server.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
        const before = await connections();
        const { hostname, port } = new URL(hush.baseUrl);
        // Half-open allowed: this client never ends its side, so only the server can end the connection.
        const socket = tcpConnect({ port: Number(port), host: hostname, allowHalfOpen: true });
        const answered = new Promise<string>((resolve) => {
          let reply = '';
          socket.on('data', (chunk) => (reply += chunk.toString()));
          socket.on('end', () => resolve(reply));
        });
        socket.write(request(`${hostname}:${port}`));
        expect(await answered).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
        await eventually(async () => (await connections()) === before, 3000, "the server closing the refused connection");
        socket.destroy();
      });

      it.each([
        // RFC 6455 §4.2.2: a version the server does not speak is answered with the versions it does.
        ['an unknown Sec-WebSocket-Version', (target: string, host: string) => upgradeRequest(target, host).replace('Sec-WebSocket-Version: 13', 'Sec-WebSocket-Version: 12'), '13, 8'],
        ['no Sec-WebSocket-Key', (target: string, host: string) => upgradeRequest(target, host).replace(/Sec-WebSocket-Key: [^\r]*\r\n/, ''), undefined],
        ['a POST', (target: string, host: string) => upgradeRequest(target, host).replace(/^GET/, 'POST'), undefined],
      ])('a WebSocket handshake with %s gets 400 invalid_request in JSON', async (_, request, versionsNamed) => {
        const { roomId, members } = await roomWithMembers(hush, 1);
        const { hostname, port } = new URL(hush.baseUrl);
        const cookie = `Cookie: ${members[0]!.client.cookieHeader}\r\n`;
        const reply = await rawRequest(hush.baseUrl, request(`/ws?roomId=${roomId}`, `${hostname}:${port}`).replace(/\r\n\r\n$/, `\r\n${cookie}\r\n`));
        expect(reply).toMatch(/^HTTP\/1\.1 400 /);
        expect(reply).toContain('application/json');
        expect(reply).toContain('"code":"invalid_request"');
        const head = `${reply.split('\r\n\r\n')[0]!}\r\n`;
        expect(/\r\nSec-WebSocket-Version: ([^\r]*)\r\n/i.exec(head)?.[1]).toBe(versionsNamed);
      });

      it.each([
        ['a room that does not exist', `/ws?roomId=${'A'.repeat(22)}`],
        ['a malformed query', '/ws?roomId=bad!'],
      ])('a bad frame after an upgrade refused for %s (the close handshake still open) does not crash the process', async (_, target) => {
        // An unmasked client frame, which RFC 6455 forbids: ws reports it as an error on that socket.
        const reply = await rawUpgrade(hush.baseUrl, target, Buffer.from([0x81, 0x01, 0x61]));
        expect(reply).toMatch(/^HTTP\/1\.1 101 /);
        expect((await hush.newClient().request('GET', '/healthz')).status).toBe(200);
      });

      it('a bad frame after an upgrade refused for want of a seat does not crash the process', async () => {
        const { roomId } = await roomWithMembers(hush, 1);
        const reply = await rawUpgrade(hush.baseUrl, `/ws?roomId=${roomId}`, Buffer.from([0x81, 0x01, 0x61]));
        expect(reply).toContain('not_a_member');
        expect((await hush.newClient().request('GET', '/healthz')).status).toBe(200);
      });

      it('a storm of garbage from many sockets does not crash the process', async () => {
        const { roomId, members } = await roomWithMembers(hush, 2);
        const garbage = ['', ' ', 'null', '{}', '{"type":null}', '{"type":"send","id":{},"body":[]}', '\u0000\u0001', '{"type":"send","id":"a","body":"b","__proto__":{"x":1}}', '9'.repeat(5000), '{"type":"typing","extra":"x"}'];
        const sockets = await Promise.all([0, 1, 0, 1].map((i) => connect(hush, members[i]!, roomId)));
        for (const { socket } of sockets) for (const text of garbage) socket.send(text);
        await sleep(300);
        const health = await hush.newClient().request('GET', '/healthz');
        expect(health.status).toBe(200);
        for (const { socket } of sockets) expect(socket.ws.readyState).toBe(WebSocket.OPEN);
        for (const { socket } of sockets) socket.close();
      });
    });

    describe('privacy', () => {
      it('the message body is never logged', async () => {
        const canary = `canary-${uniqueId()}`;
        const { roomId, members } = await roomWithMembers(hush, 2);
        const { socket } = await connect(hush, members[0]!, roomId);
        socket.send({ type: 'send', id: 'c1', body: canary });
        await socket.next('ack');
        await members[0]!.client.request('POST', `/api/rooms/${roomId}/messages`, { id: 'c2', body: canary });
        socket.send(`{"type":"send","id":"c3","body":"${canary}"`); // malformed, with the canary inside
        await socket.next('error');
        socket.close();
        await sleep(50);
        expect(hush.logs.length).toBeGreaterThan(0);
        expect(hush.logs.join('\n')).not.toContain(canary);
        const token = members[0]!.client.cookieHeader.split('=')[1]!;
        expect(hush.logs.join('\n')).not.toContain(token);
      });
    });
  });
}

/**
 * Sends a WebSocket upgrade for `target` over a raw TCP connection (no client library would send such targets or
 * frames), then `frame` once the server has answered, and returns the whole reply.
 */
function rawUpgrade(baseUrl: string, target: string, frame?: Buffer): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return rawRequest(baseUrl, upgradeRequest(target, `${hostname}:${port}`), frame);
}

/** Sends `request` as it is over a raw TCP connection, then `frame` once the server has answered; returns the whole reply. */
function rawRequest(baseUrl: string, request: string, frame?: Buffer): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error(`no reply to ${request.split('\r\n')[0]}`)));
    socket.on('data', (chunk) => {
      if (frame && chunks.length === 0) socket.write(frame);
      chunks.push(chunk);
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
    socket.write(request);
  });
}
