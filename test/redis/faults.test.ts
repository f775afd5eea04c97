/**
 * Redis faults, as an instance lives through them: Redis killed and restarted
 * on the same port (everything in it is gone: nothing is on disk), a
 * partition between one instance and a Redis that keeps its data while another
 * instance goes on serving, a Redis that stops answering with its connections
 * open, a Redis that stalls its writes for a moment, and a
 * Redis demoted to a replica (a failover) and promoted again. Requests fail fast with 503, sockets get `error`
 * frames, the process carries on, and once Redis is back nothing is missed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, eventually, roomWithMembers, sleep, type Settings } from '../support/hush-instance.js';
import { RedisServer, redisSkipReason } from '../support/redis-server.js';
import { TestSocket } from '../support/test-socket.js';
import type { RedisEngineOptions } from '../../src/server/store/redis/redis-engine.js';
import { CuttableProxy, startRedisHush, type RedisHush } from './redis-support.js';

if (redisSkipReason) console.warn(`[redis] fault tests SKIPPED: ${redisSkipReason}`);
const suite = redisSkipReason ? describe.skip : describe;

const ready = async (hush: RedisHush) => (await fetch(`${hush.baseUrl}/readyz`)).status === 200;

suite('Redis faults', () => {
  const servers: RedisHush[] = [];
  const redises: RedisServer[] = [];
  const proxies: CuttableProxy[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await Promise.all(proxies.map((proxy) => proxy.cut()));
    await Promise.all(redises.map((redis) => redis.stop()));
  });

  /** A Redis of its own and one instance on it. */
  const startOnOwnRedis = async (engineOptions: RedisEngineOptions = {}) => {
    const redis = await RedisServer.start();
    redises.push(redis);
    const hush = await startRedisHush({ REDIS_URL: redis.url }, engineOptions);
    servers.push(hush);
    return { redis, hush };
  };

  /** A room of two members, each with a socket open, and a first message delivered from one to the other. */
  const talkingRoom = async (hush: RedisHush) => {
    const { roomId, members } = await roomWithMembers(hush, 2);
    const one = await connect(hush, members[0]!, roomId);
    const two = await connect(hush, members[1]!, roomId);
    one.socket.send({ type: 'send', id: 'before', body: 'x' });
    await two.socket.next('message');
    return { roomId, members, one, two };
  };

  describe('Redis killed, then restarted empty on the same port', () => {
    let redis: RedisServer;
    let hush: RedisHush;
    beforeAll(async () => {
      ({ redis, hush } = await startOnOwnRedis());
    });

    it('answers 503 unavailable fast, sends error frames, stays up, and serves again when Redis is back', async () => {
      const { roomId, members, one, two } = await talkingRoom(hush);

      await redis.kill();
      const started = Date.now();
      const client = hush.newClient();
      for (const [method, path, caller] of [
        ['POST', '/api/rooms', client],
        ['POST', `/api/rooms/${roomId}/join`, client],
        ['GET', `/api/rooms/${roomId}`, members[0]!.client],
        ['GET', `/api/rooms/${roomId}/messages`, members[0]!.client],
        ['POST', `/api/rooms/${roomId}/messages`, members[0]!.client],
        ['DELETE', `/api/rooms/${roomId}`, members[0]!.client],
      ] as const) {
        const body = method === 'POST' && path.endsWith('/messages') ? { id: 'during', body: 'x' } : undefined;
        const result = await caller.request(method, path, body);
        expect(result.status, `${method} ${path}`).toBe(503);
        expect(result.body).toEqual({ error: { code: 'unavailable', message: expect.stringMatching(/store/) } });
      }
      // A load balancer probes readiness every few seconds.
      for (let probe = 0; probe < 3; probe++) expect((await fetch(`${hush.baseUrl}/readyz`)).status).toBe(503);
      expect((await fetch(`${hush.baseUrl}/healthz`)).status).toBe(200);
      expect(Date.now() - started).toBeLessThan(2000); // no request waited for a timeout

      // An open socket is told, and stays open; a new one is refused with "try again later".
      one.socket.send({ type: 'send', id: 'during', body: 'x' });
      expect((await one.socket.next('error')).code).toBe('unavailable');
      const refused = await TestSocket.open(hush.wsUrl(roomId), { cookie: members[0]!.client.cookieHeader });
      expect((await refused.next('error')).code).toBe('unavailable');
      expect((await refused.waitClosed()).code).toBe(1013);

      await redis.restart();
      await eventually(() => ready(hush), 5000, 'ready again');
      // Nothing was on disk, so the room is gone; its members are told so instead of waiting for expiry.
      for (const { socket } of [one, two]) {
        expect(await socket.next('destroyed', () => true, 5000)).toEqual({ type: 'destroyed', reason: 'destroyed' });
        expect((await socket.waitClosed()).code).toBe(4410);
      }
      // A new conversation works end to end, pub/sub included.
      const fresh = await roomWithMembers(hush, 2);
      const x = await connect(hush, fresh.members[0]!, fresh.roomId);
      const y = await connect(hush, fresh.members[1]!, fresh.roomId);
      x.socket.send({ type: 'send', id: 'after', body: 'y' });
      expect((await y.socket.next('message')).id).toBe('after');
      x.socket.close();
      y.socket.close();
      // Nothing left behind by the failed operations.
      await eventually(() => hush.server.hub.roomCount === 0, 3000, 'local rooms released');
      expect(hush.engine.bus.subscribedRooms).toBe(0);
      expect(hush.engine.store.leasedRooms).toBe(0);
      expect(hush.engine.stats.reconnects).toBeGreaterThanOrEqual(1);
      const logs = hush.logs.join('\n');
      expect(logs).toContain('Redis connection lost');
      expect(logs).toContain('Redis connection restored');
      // The outage is logged once, not once per readiness probe or refused socket (those lines are debug).
      const warnings = logs.split('\n').filter((line) => line.startsWith('{') && (JSON.parse(line) as { level: number }).level >= 40).map((line) => (JSON.parse(line) as { msg: string }).msg);
      expect(warnings.filter((msg) => msg.includes('Redis connection lost'))).toHaveLength(1);
      expect(warnings.filter((msg) => /readiness|websocket/.test(msg))).toEqual([]);
      // A room id is a capability: the outage's warnings name rooms by their first characters only.
      expect(logs).toContain(roomId.slice(0, 4));
      expect(logs).not.toContain(roomId);
    });
  });

  describe('Redis stops answering while its connection stays open (the process frozen by SIGSTOP)', () => {
    let redis: RedisServer;
    let hush: RedisHush;
    beforeAll(async () => {
      ({ redis, hush } = await startOnOwnRedis({ tuning: { commandTimeoutMs: 600 } }));
    });

    it('fails what waits on it once nothing came back for the command timeout, stays up, and serves the same room again after', async () => {
      const { one, two } = await talkingRoom(hush);

      redis.freeze();
      try {
        // The send's script call gets no reply: the connection is dropped and the send refused, not left waiting.
        one.socket.send({ type: 'send', id: 'during', body: 'x' });
        const refused = await one.socket.next('error', () => true, 5000);
        expect(refused).toMatchObject({ code: 'unavailable', id: 'during' });
        // While Redis is still frozen, requests are refused at once: the connection is down, not waited on again.
        const asked = Date.now();
        const created = await hush.newClient().request('POST', '/api/rooms');
        expect(created.status).toBe(503);
        expect(Date.now() - asked).toBeLessThan(600);
        expect((await fetch(`${hush.baseUrl}/readyz`)).status).toBe(503);
        expect((await fetch(`${hush.baseUrl}/healthz`)).status).toBe(200);
      } finally {
        redis.thaw();
      }

      await eventually(() => ready(hush), 5000, 'ready again');
      // Redis kept its data: the same room goes on, the refused send can be sent again, and the socket stayed open.
      // (Redis may well have run the refused send's script after SIGCONT, from what it had already read: the
      // resend is then a duplicate, acked with the original's seq, and delivered once either way.)
      one.socket.send({ type: 'send', id: 'during', body: 'x' });
      expect((await two.socket.next('message', (frame) => frame.id === 'during')).body).toBe('x');
      expect((await one.socket.next('ack', (frame) => frame.id === 'during')).seq).toBeGreaterThan(1);
      expect(hush.logs.join('\n')).toContain('Socket timeout');
      one.socket.close();
      two.socket.close();
    });
  });

  /** A Redis of its own, one instance on it behind a proxy that can cut it off, and one straight on it. */
  const startPartitionable = async (otherSettings: Settings = {}) => {
    const redis = await RedisServer.start();
    redises.push(redis);
    const proxy = await CuttableProxy.start(redis.port);
    proxies.push(proxy);
    const [cutOff, other] = await Promise.all([startRedisHush({ REDIS_URL: proxy.url }), startRedisHush({ REDIS_URL: redis.url, ...otherSettings })]);
    servers.push(cutOff, other);
    return { proxy, cutOff, other };
  };

  describe('a partition between one instance and Redis, while another instance goes on', () => {
    let proxy: CuttableProxy;
    let cutOff: RedisHush;
    let other: RedisHush;
    beforeAll(async () => {
      ({ proxy, cutOff, other } = await startPartitionable());
    });

    it('when it heals, subscriptions are restored, open sockets catch up in order, and a resume misses nothing', async () => {
      const { roomId, members } = await roomWithMembers(other, 3);
      const [sender, stayer, leaver] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
      const a = await connect(other, sender, roomId);
      const b = await connect(cutOff, stayer, roomId);
      const c = await connect(cutOff, leaver, roomId);
      for (let i = 1; i <= 3; i++) a.socket.send({ type: 'send', id: `m${i}`, body: `m${i}` });
      await b.socket.waitForCount('message', 3);
      await c.socket.waitForCount('message', 3);

      await proxy.cut();
      await eventually(async () => !(await ready(cutOff)), 3000, 'partition noticed');
      b.socket.send({ type: 'send', id: 'lost', body: 'x' });
      expect((await b.socket.next('error')).code).toBe('unavailable');
      c.socket.close(); // this client will come back later with after=3
      for (let i = 4; i <= 8; i++) a.socket.send({ type: 'send', id: `m${i}`, body: `m${i}` });
      await a.socket.waitForCount('ack', 8);

      await proxy.heal();
      await eventually(() => ready(cutOff), 5000, 'healed');
      // The socket that stayed open on the cut-off instance gets what it missed, in order, once.
      const seen = await b.socket.waitForCount('message', 8, 5000);
      expect(seen.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      // The client that left resumes from its last seq: nothing missed, nothing twice.
      const back = await connect(cutOff, leaver, roomId, 3);
      expect(back.welcome.resumed).toBe(true);
      a.socket.send({ type: 'send', id: 'm9', body: 'm9' });
      const resumed = await back.socket.waitForCount('message', 6, 5000);
      await b.socket.waitForCount('message', 9, 5000);
      expect(resumed.map((m) => m.seq)).toEqual([4, 5, 6, 7, 8, 9]);
      expect(b.socket.ofType('message').map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      for (const { socket } of [a, b, back]) socket.close();
      // A room id is a capability: the partition's warnings name the room by its first characters only.
      const logs = cutOff.logs.join('\n');
      expect(logs).toContain('"level":40');
      expect(logs).not.toContain(roomId);
    });
  });

  describe('a partition that outlasts what history holds', () => {
    let proxy: CuttableProxy;
    let cutOff: RedisHush;
    let other: RedisHush;
    beforeAll(async () => {
      // The sending instance keeps three messages per room: what the cut-off one misses beyond them is gone.
      ({ proxy, cutOff, other } = await startPartitionable({ HISTORY_LIMIT: 3 }));
    });

    it('when it heals, an open socket gets what history still holds, in order, passes over the rest, and goes on live', async () => {
      const { roomId, members } = await roomWithMembers(other, 2);
      const a = await connect(other, members[0]!, roomId);
      const b = await connect(cutOff, members[1]!, roomId);
      for (let i = 1; i <= 2; i++) a.socket.send({ type: 'send', id: `m${i}`, body: `m${i}` });
      await b.socket.waitForCount('message', 2);

      await proxy.cut();
      await eventually(async () => !(await ready(cutOff)), 3000, 'partition noticed');
      for (let i = 3; i <= 8; i++) a.socket.send({ type: 'send', id: `m${i}`, body: `m${i}` });
      await a.socket.waitForCount('ack', 8);

      await proxy.heal();
      await eventually(() => ready(cutOff), 5000, 'healed');
      // Messages 3–5 left history during the partition: the socket is given 6–8 and waits for nothing else.
      const seen = await b.socket.waitForCount('message', 5, 5000);
      expect(seen.map((m) => m.seq)).toEqual([1, 2, 6, 7, 8]);
      a.socket.send({ type: 'send', id: 'm9', body: 'm9' });
      await b.socket.waitForCount('message', 6, 5000);
      expect(b.socket.ofType('message').map((m) => m.seq)).toEqual([1, 2, 6, 7, 8, 9]);
      for (const { socket } of [a, b]) socket.close();
    });
  });

  describe('Redis stalls every script for a moment (CLIENT PAUSE WRITE), shorter than the command timeout', () => {
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await RedisServer.start();
      redises.push(redis);
    });
    /** Holds every script and publish for `ms`; plain reads (the upgrade's checks) go on. */
    const stallWrites = async (ms: number) => {
      const client = redis.client();
      await client.call('CLIENT', 'PAUSE', String(ms), 'WRITE');
      client.disconnect();
    };

    it('a resend stored after its original was refused is answered with an ack, not with the sender\'s own message', async () => {
      // Sends gather for 300 ms before each append call; budgets are 1 send per 2 s window of Redis's clock.
      const hush = await startRedisHush({ REDIS_URL: redis.url, MESSAGE_RATE_LIMIT: 1, MESSAGE_RATE_WINDOW_SECONDS: 2 }, { appendWindowMs: 300 });
      servers.push(hush);
      const { roomId, members } = await roomWithMembers(hush, 2);
      const { socket } = await connect(hush, members[0]!, roomId);
      const clock = hush.engine.clock;
      let boundary = Math.ceil(clock.now() / 2000) * 2000;
      if (boundary - clock.now() < 1200) boundary += 2000;
      const at = (ms: number) => sleep(Math.max(0, boundary + ms - clock.now()));
      await at(-1150);
      socket.send({ type: 'send', id: 'first', body: 'a' }); // spends the window's only point
      await socket.next('ack', (a) => a.id === 'first');
      await at(-700);
      await stallWrites(600); // until boundary - 100 ms
      socket.send({ type: 'send', id: 'x', body: 'b' }); // its call leaves at -400, in the spent window, and is held
      await at(-250);
      // The resend arrives while the original's call is held and leaves at +50, in the next window, in a call of
      // its own: the original's refusal is read first, then the resend's reply, which stores it.
      socket.send({ type: 'send', id: 'x', body: 'b' });
      expect(await socket.next('error', (e) => e.id === 'x', 5000)).toMatchObject({ code: 'rate_limited' });
      expect(await socket.next('ack', (a) => a.id === 'x', 5000)).toMatchObject({ seq: 2 });
      expect(socket.ofType('message')).toEqual([]);
      socket.close();
    });

    it('a socket holds at most 32 sends awaiting the store (with a budget of 20): a burst past them is refused at once, without reaching Redis', async () => {
      const hush = await startRedisHush({ REDIS_URL: redis.url, MESSAGE_RATE_LIMIT: 20, MESSAGE_RATE_WINDOW_SECONDS: 60, RATE_LIMIT_STRIKES: 100 });
      servers.push(hush);
      const { roomId, members } = await roomWithMembers(hush, 2);
      const { socket } = await connect(hush, members[0]!, roomId);
      await stallWrites(800);
      for (let i = 0; i < 40; i++) socket.send({ type: 'send', id: `burst${i}`, body: 'x' });
      // Refused while Redis holds the first 32: the last 8, before any answer from the store.
      const early = await socket.waitForCount('error', 8);
      expect(early.map((e) => `${e.code} ${e.id}`)).toEqual(Array.from({ length: 8 }, (_, i) => `rate_limited burst${32 + i}`));
      expect(socket.ofType('ack')).toEqual([]);
      // Then the store's answers: the budget's 20 stored, 12 refused by it.
      const acks = await socket.waitForCount('ack', 20, 5000);
      expect(acks.map((a) => a.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      await socket.waitForCount('error', 20, 5000);
      socket.close();
    });

    it.each([
      ['typing frames', () => ({ type: 'typing' })],
      ['invalid frames', () => ({ type: 'send', id: 'x', body: '' })],
    ])('a burst of %s is held to 32 awaiting Redis too: the rest are refused at once', async (_, frame) => {
      const hush = await startRedisHush({ REDIS_URL: redis.url, MESSAGE_RATE_LIMIT: 20, MESSAGE_RATE_WINDOW_SECONDS: 60, RATE_LIMIT_STRIKES: 100 });
      servers.push(hush);
      const { roomId, members } = await roomWithMembers(hush, 2);
      const { socket } = await connect(hush, members[0]!, roomId);
      await stallWrites(800);
      for (let i = 0; i < 40; i++) socket.send(frame());
      const early = await socket.waitForCount('error', 8);
      expect(early.every((e) => e.code === 'rate_limited' && e.message.includes('await'))).toBe(true);
      // Then Redis answers the 32: each gets its own answer (typing within its budget gets none).
      await sleep(1000);
      expect(socket.ofType('error').length).toBeGreaterThan(8);
      socket.close();
    });

    it('sockets closed while their connection waits on Redis leave nothing behind: the member still connects and comes online', async () => {
      const hush = await startRedisHush({ REDIS_URL: redis.url, MAX_SOCKETS_PER_MEMBER: 2 });
      servers.push(hush);
      const { roomId, members } = await roomWithMembers(hush, 2);
      const watcher = await connect(hush, members[1]!, roomId);
      for (let i = 0; i < 3; i++) {
        await stallWrites(300);
        // Open (the upgrade's reads go on), then gone while its start waits on the held writes.
        const ghost = await TestSocket.open(hush.wsUrl(roomId), { cookie: members[0]!.client.cookieHeader });
        ghost.ws.terminate();
        await sleep(400);
      }
      const { socket } = await connect(hush, members[0]!, roomId);
      const online = (p: { members: { memberId: string; online: boolean }[] }) => p.members.find((m) => m.memberId === members[0]!.memberId)?.online === true;
      await watcher.socket.next('presence', online);
      await sleep(100);
      expect(socket.ofType('error')).toEqual([]);
      socket.close();
      watcher.socket.close();
    });

    it('a socket that sends a flood of frames before its welcome is closed with 1008 rather than queueing them', async () => {
      const hush = await startRedisHush({ REDIS_URL: redis.url });
      servers.push(hush);
      const { roomId, members } = await roomWithMembers(hush, 2);
      await stallWrites(1000);
      // Admitted (reads), then held in its start (the presence script) while it floods.
      const socket = await TestSocket.open(hush.wsUrl(roomId), { cookie: members[0]!.client.cookieHeader });
      for (let i = 0; i < 200; i++) socket.send({ type: 'send', id: `early${i}`, body: 'x'.repeat(1000) });
      expect((await socket.waitClosed(5000)).code).toBe(1008);
      expect(socket.ofType('error').map((e) => e.code)).toEqual(['rate_limited']);
      // Nothing it sent early was stored.
      await eventually(async () => (await fetch(`${hush.baseUrl}/readyz`)).status === 200, 5000, 'writes resumed');
      const history = await members[1]!.client.request('GET', `/api/rooms/${roomId}/messages?after=0`);
      expect(history.body.messages).toEqual([]);
    });
  });

  describe('the Redis behind REDIS_URL demoted to a replica, then promoted again (a failover)', () => {
    it('a Redis user without the @dangerous commands (ROLE among them) is still ready, by PING', async () => {
      const redis = await RedisServer.start();
      redises.push(redis);
      const admin = redis.client();
      try {
        await admin.call('ACL', 'SETUSER', 'hush', 'on', '>s3cret-pass', '~*', '&*', '+@all', '-@dangerous');
        const hush = await startRedisHush({ REDIS_URL: `redis://hush:s3cret-pass@127.0.0.1:${redis.port}` });
        servers.push(hush);
        expect(await ready(hush)).toBe(true);
        const { roomId, members } = await roomWithMembers(hush, 2);
        const a = await connect(hush, members[0]!, roomId);
        a.socket.send({ type: 'send', id: 'limited', body: 'x' });
        expect((await a.socket.next('ack')).id).toBe('limited');
        a.socket.close();
      } finally {
        admin.disconnect();
      }
    });

    it('is not ready while it refuses writes, answers sends with unavailable, and serves again once it is a primary', async () => {
      const [redis, other] = await Promise.all([RedisServer.start(), RedisServer.start()]);
      redises.push(redis, other);
      const hush = await startRedisHush({ REDIS_URL: redis.url });
      servers.push(hush);
      const admin = redis.client();
      try {
        expect(await ready(hush)).toBe(true);
        await admin.call('REPLICAOF', '127.0.0.1', String(other.port));
        // PING still answers on a replica: readiness must look at the role.
        await eventually(async () => !(await ready(hush)), 5000, 'not ready as a replica');
        const refused = await hush.newClient().request('POST', '/api/rooms', {});
        expect(refused.status).toBe(503);
        expect(refused.body.error.code).toBe('unavailable');

        await admin.call('REPLICAOF', 'NO', 'ONE');
        await eventually(() => ready(hush), 5000, 'ready as a primary again');
        const { roomId, members } = await roomWithMembers(hush, 2);
        const a = await connect(hush, members[0]!, roomId);
        const b = await connect(hush, members[1]!, roomId);
        a.socket.send({ type: 'send', id: 'after-failover', body: 'x' });
        expect((await b.socket.next('message')).id).toBe('after-failover');
        for (const { socket } of [a, b]) socket.close();
      } finally {
        admin.disconnect();
      }
    });
  });

  describe('a partition longer than the presence lease', () => {
    it('when it heals, the cut-off instance tells its sockets their members are online, not gone', async () => {
      const redis = await RedisServer.start();
      redises.push(redis);
      const proxy = await CuttableProxy.start(redis.port);
      proxies.push(proxy);
      // Leases of 600 ms, renewed every 200 ms.
      const [cutOff, other] = await Promise.all([
        startRedisHush({ REDIS_URL: proxy.url }, { presenceLeaseMs: 600 }),
        startRedisHush({ REDIS_URL: redis.url }, { presenceLeaseMs: 600 }),
      ]);
      servers.push(cutOff, other);
      const { roomId, members } = await roomWithMembers(other, 2);
      const a = await connect(other, members[0]!, roomId);
      const b = await connect(cutOff, members[1]!, roomId);
      const bOnline = (p: { members: { memberId: string; online: boolean }[] }) => p.members.find((m) => m.memberId === members[1]!.memberId)?.online;
      await a.socket.next('presence', (p) => bOnline(p) === true);

      await proxy.cut();
      await eventually(async () => !(await ready(cutOff)), 3000, 'partition noticed');
      // Past the lease: in Redis, b's connection no longer counts.
      await eventually(async () => (await members[0]!.client.request('GET', `/api/rooms/${roomId}`)).body.members.some((m: { online: boolean }) => !m.online), 5000, 'lease lapsed');
      const before = b.socket.ofType('presence').length;

      await proxy.heal();
      await eventually(() => ready(cutOff), 5000, 'healed');
      await eventually(() => b.socket.ofType('presence').length > before, 5000, 'presence after the catch-up');
      const caughtUp = b.socket.ofType('presence').slice(before);
      expect(caughtUp.every((p) => bOnline(p) === true)).toBe(true);
      for (const { socket } of [a, b]) socket.close();
    });
  });

  describe('a gap to fill while Redis is down', () => {
    it('is retried ever less often and logged once', async () => {
      const { redis, hush } = await startOnOwnRedis();
      const { roomId, members } = await roomWithMembers(hush, 2);
      const { socket } = await connect(hush, members[0]!, roomId);
      await redis.kill();
      await eventually(async () => !(await ready(hush)), 3000, 'outage noticed');
      // As an append whose message the bus has not brought yet would: the hub must read the store.
      hush.server.hub.noteAppended(roomId, 1);
      await sleep(1500);
      const warnings = hush.logs.filter((line) => line.includes('gap fill failed')).length;
      // 50 ms apart and logged each time, 1.5 s would have made about thirty.
      expect(warnings).toBe(1);
      socket.close();
    });
  });
});
