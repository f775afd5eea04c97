/**
 * What the Redis engine promises beyond the protocol contract, with several
 * Hush instances in this process on one redis-server of the test's own: what
 * is (and is not) in Redis, atomicity and rate limits across instances, the
 * Redis clock, per-room fan-out, presence leases, and start-up errors.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, configWith } from '../../src/server/config.js';
import { hashMemberToken } from '../../src/server/room/ids.js';
import { createRedisEngine, type RedisEngine } from '../../src/server/store/redis/redis-engine.js';
import { roomChannel } from '../../src/server/store/redis/redis-keys.js';
import { connect, eventually, roomWithMembers, sleep } from '../support/hush-instance.js';
import { freePort } from '../support/hush-process.js';
import { RedisServer, redisSkipReason, scanKeys } from '../support/redis-server.js';
import { dumpKeys, startRedisHush, type RedisHush } from './redis-support.js';

/** A send budget that never refuses, for tests of the store itself. */
const UNLIMITED = { points: Number.MAX_SAFE_INTEGER, windowMs: 1000 };

if (redisSkipReason) console.warn(`[redis] engine tests SKIPPED: ${redisSkipReason}`);
const suite = redisSkipReason ? describe.skip : describe;
const silent = pino({ level: 'silent' });

suite('Redis engine', () => {
  let redis: RedisServer;
  let reader: Redis;
  const servers: RedisHush[] = [];
  const engines: RedisEngine[] = [];
  const start = async (...args: Parameters<typeof startRedisHush>) => {
    const hush = await startRedisHush(...args);
    servers.push(hush);
    return hush;
  };
  const engine = async (options: Parameters<typeof createRedisEngine>[2] = {}) => {
    const created = await createRedisEngine({ REDIS_URL: redis.url, REDIS_CLUSTER_NODES: undefined }, silent, options);
    engines.push(created);
    return created;
  };
  let a: RedisHush;
  let b: RedisHush;
  /** Connections subscribed to the room's channel, as Redis counts them. */
  const channelSubscribers = async (roomId: string) => Number(((await reader.call('PUBSUB', 'NUMSUB', roomChannel(roomId))) as [string, number])[1]);

  beforeAll(async () => {
    redis = await RedisServer.start();
    reader = redis.client();
    [a, b] = await Promise.all([start({ REDIS_URL: redis.url }), start({ REDIS_URL: redis.url })]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await Promise.all(engines.map((created) => created.close()));
    reader?.disconnect();
    await redis?.stop();
  });

  describe('what Redis holds', () => {
    it('every key of a room carries its {roomId} tag and expires exactly at expiresAt; none outlives the room', async () => {
      const { roomId, members } = await roomWithMembers(a, 2, { ttlSeconds: 3 });
      const expiresAt = members[0]!.join.expiresAt;
      const one = await connect(a, members[0]!, roomId);
      const two = await connect(b, members[1]!, roomId);
      one.socket.send({ type: 'send', id: 'k1', body: 'x' });
      await two.socket.next('message');
      const keys = await scanKeys([reader], `*{${roomId}}*`);
      expect(keys.sort()).toEqual(['history', 'ids', 'members', 'meta', 'presence', 'seats'].map((k) => `hush:{${roomId}}:${k}`));
      for (const dump of await dumpKeys(reader, keys)) {
        expect(dump.expireAt, dump.key).toBe(expiresAt);
        expect(dump.pttl, dump.key).toBeGreaterThan(0);
        expect(dump.pttl, dump.key).toBeLessThanOrEqual(3000);
      }
      await two.socket.next('destroyed', () => true, 5000);
      await eventually(async () => (await scanKeys([reader], `*${roomId}*`)).length === 0, 2000, 'no key left');
    });

    it('only hashes of member tokens are stored: neither the token nor the cookie appears in any key', async () => {
      const { roomId, members } = await roomWithMembers(a, 2);
      const sockets = await Promise.all(members.map((member, i) => connect(i === 0 ? a : b, member, roomId)));
      sockets[0]!.socket.send({ type: 'send', id: 'p1', body: 'ciphertext-as-the-client-sent-it' });
      await sockets[1]!.socket.next('message');
      await members[1]!.client.request('POST', `/api/rooms/${roomId}/messages`, { id: 'p2', body: 'more-ciphertext' });
      const everything = await dumpKeys(reader, await scanKeys([reader], '*'));
      const text = everything.map((dump) => `${dump.key} ${dump.content}`).join('\n');
      for (const member of members) {
        const cookie = member.client.cookieHeader;
        const token = cookie.split('=')[1]!;
        expect(cookie).toMatch(/^hush_token=/);
        expect(text).not.toContain(token);
        expect(text).not.toContain(cookie);
        // What is there instead: the per-room hash, as a seat.
        expect(text).toContain(hashMemberToken(roomId, token));
      }
      // Outside a room's own keys Redis holds only rate-limit counters, keyed by hashes, each with a TTL.
      for (const dump of everything.filter((d) => !d.key.includes(`{`))) {
        expect(dump.key).toMatch(/^hush:rl:/);
        expect(dump.key).not.toContain(roomId);
        expect(dump.pttl).toBeGreaterThan(0);
      }
      for (const { socket } of sockets) socket.close();
    });

    it('a retained message keeps its id, scored by its seq, and the id leaves with it; budgets are two meta fields per sender', async () => {
      const store = a.engine.store;
      const roomId = randomBytes(16).toString('base64url');
      await store.createRoom({ roomId, capacity: 2, expiresAt: a.engine.clock.now() + 60_000 });
      const policy = { maxMessages: 10, maxBytes: 1_000_000, sendBudget: UNLIMITED };
      // Appended together: one batch, one script call.
      const results = await Promise.all(Array.from({ length: 25 }, (_, i) => store.appendMessage(roomId, { id: `d${i}`, from: i % 2 ? 'odd' : 'even', body: 'x' }, policy)));
      expect(results.map((result) => (result.kind === 'appended' ? result.seq : result.kind))).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      const retained = Array.from({ length: 10 }, (_, i) => 15 + i).flatMap((i) => [`${i % 2 ? 'odd' : 'even'}\u0000d${i}`, String(i + 1)]);
      expect(await reader.zrange(`hush:{${roomId}}:ids`, '0', '-1', 'WITHSCORES')).toEqual(retained);
      expect((await reader.hkeys(`hush:{${roomId}}:meta`)).sort()).toEqual(['bu:even', 'bu:odd', 'bw:even', 'bw:odd', 'bytes', 'capacity', 'expiresAt', 'seq', 'v']);
      expect(await reader.llen(`hush:{${roomId}}:history`)).toBe(10);
      const newest = (results[24] as { sentAt: number }).sentAt;
      expect(await store.appendMessage(roomId, { id: 'd24', from: 'even', body: 'x' }, policy)).toEqual({ kind: 'duplicate', seq: 25, sentAt: newest });
      expect(await store.appendMessage(roomId, { id: 'd15', from: 'odd', body: 'x' }, policy)).toMatchObject({ kind: 'duplicate', seq: 16 });
      expect(await store.appendMessage(roomId, { id: 'd0', from: 'even', body: 'x' }, policy)).toMatchObject({ kind: 'appended', seq: 26 });
      await store.deleteRoom(roomId);
    });

    it('sends that arrive within the append window share one script call (one sentAt); without a window each turn has its own', async () => {
      const policy = { maxMessages: 10, maxBytes: 1_000_000, sendBudget: UNLIMITED };
      for (const [options, sentAtCount] of [[{ appendWindowMs: 40 }, 1], [{}, 3]] as const) {
        const { store, clock } = await engine(options);
        const roomId = randomBytes(16).toString('base64url');
        await store.createRoom({ roomId, capacity: 2, expiresAt: clock.now() + 60_000 });
        const answers = [];
        // Three sends in three event-loop turns, 5 ms apart: a batch's messages share the time it was sent at.
        for (let i = 0; i < 3; i++) {
          answers.push(store.appendMessage(roomId, { id: `w${i}`, from: 'm', body: 'x' }, policy));
          await sleep(5);
        }
        const results = await Promise.all(answers);
        expect(results.map((result) => result.kind)).toEqual(['appended', 'appended', 'appended']);
        expect(new Set(results.map((result) => (result.kind === 'appended' ? result.sentAt : 0))).size).toBe(sentAtCount);
        await store.deleteRoom(roomId);
      }
    });

    it('a room whose data has another format (made by another version of Hush) is treated as gone, and nothing is written to it', async () => {
      const store = a.engine.store;
      const roomId = randomBytes(16).toString('base64url');
      await store.createRoom({ roomId, capacity: 2, expiresAt: a.engine.clock.now() + 60_000 });
      await reader.hset(`hush:{${roomId}}:meta`, 'v', '1');
      expect(await store.getRoom(roomId)).toBeNull();
      expect(await store.claimSeat(roomId, 'hash', 'member')).toEqual({ kind: 'not_found' });
      expect(await store.appendMessage(roomId, { id: 'x', from: 'm', body: 'x' }, { maxMessages: 10, maxBytes: 1_000_000, sendBudget: UNLIMITED })).toEqual({ kind: 'not_found' });
      expect((await store.readMessages(roomId, 0, 10)).frames).toEqual([]);
      expect((await scanKeys([reader], `*{${roomId}}*`)).sort()).toEqual([`hush:{${roomId}}:meta`]);
      await store.deleteRoom(roomId);
    });
  });

  describe('across instances', () => {
    it('a room held by one instance goes without pub/sub until a second instance holds a socket of it, and back', async () => {
      const { roomId, members } = await roomWithMembers(a, 3);
      // Events the two instances received from Redis.
      const pushes = () => a.engine.bus.stats.received + b.engine.bus.stats.received;
      const one = await connect(a, members[0]!, roomId);
      const two = await connect(a, members[1]!, roomId);
      await sleep(200); // presence changes are published; let them arrive
      const before = pushes();
      for (let i = 1; i <= 5; i++) one.socket.send({ type: 'send', id: `local${i}`, body: 'x' });
      await two.socket.waitForCount('message', 5);
      // Instance a is the channel's only subscriber: the five messages came from the script's replies.
      expect(pushes()).toBe(before);
      // Instance b takes a socket while messages keep coming: every message reaches every socket once, in order.
      const sending = (async () => {
        for (let i = 6; i <= 40; i++) {
          one.socket.send({ type: 'send', id: `m${i}`, body: 'x' });
          await sleep(2);
        }
      })();
      const three = await connect(b, members[2]!, roomId, 3);
      await sending;
      await two.socket.waitForCount('message', 40);
      await three.socket.waitForCount('message', 37);
      expect(two.socket.ofType('message').map((m) => m.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(three.socket.ofType('message').map((m) => m.seq)).toEqual(Array.from({ length: 37 }, (_, i) => i + 4));
      expect(await channelSubscribers(roomId)).toBe(2);
      // b leaves: a is the only subscriber again.
      three.socket.close();
      await eventually(async () => (await channelSubscribers(roomId)) === 1, 3000, 'b unsubscribed');
      await sleep(200);
      const settled = pushes();
      one.socket.send({ type: 'send', id: 'after', body: 'x' });
      expect((await two.socket.next('message', (m) => m.id === 'after')).seq).toBe(41);
      expect(pushes()).toBe(settled);
      one.socket.close();
      two.socket.close();
    });

    it('one append batch over a room only this instance holds and a room another holds too: only the second is published', async () => {
      const solo = await roomWithMembers(a, 1);
      const shared = await roomWithMembers(a, 2);
      const soloHere = await connect(a, solo.members[0]!, solo.roomId);
      const sharedHere = await connect(a, shared.members[0]!, shared.roomId);
      const sharedThere = await connect(b, shared.members[1]!, shared.roomId);
      await eventually(async () => (await channelSubscribers(shared.roomId)) === 2, 3000, 'both instances subscribed');
      expect(await channelSubscribers(solo.roomId)).toBe(1);
      await sleep(200); // presence changes are published; let them arrive
      const [receivedA, receivedB] = [a.engine.bus.stats.received, b.engine.bus.stats.received];
      // One policy object and one event-loop turn: one script call for both messages.
      const policy = { maxMessages: 100, maxBytes: 1_000_000, sendBudget: UNLIMITED };
      const results = await Promise.all([
        a.engine.store.appendMessage(solo.roomId, { id: 'batched-solo', from: 'someone', body: 'x' }, policy),
        a.engine.store.appendMessage(shared.roomId, { id: 'batched-shared', from: 'someone', body: 'x' }, policy),
      ]);
      expect(results.map((result) => result.kind)).toEqual(['appended', 'appended']);
      expect((await soloHere.socket.next('message', (m) => m.id === 'batched-solo')).seq).toBe(1);
      expect((await sharedHere.socket.next('message', (m) => m.id === 'batched-shared')).seq).toBe(1);
      expect((await sharedThere.socket.next('message', (m) => m.id === 'batched-shared')).seq).toBe(1);
      // The shared room's message came to each instance from Redis; the solo room's from the script's reply.
      expect([a.engine.bus.stats.received - receivedA, b.engine.bus.stats.received - receivedB]).toEqual([1, 1]);
      for (const { socket } of [soloHere, sharedHere, sharedThere]) socket.close();
    });

    it('twenty simultaneous joins for the last seat, split over two instances: exactly one wins', async () => {
      const { roomId } = await roomWithMembers(a, 1, { capacity: 2 });
      const contenders = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).newClient());
      const results = await Promise.all(contenders.map((client) => client.join(roomId)));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      expect(results.filter((r) => r.status === 409 && r.body.error.code === 'room_full')).toHaveLength(19);
    });

    it('one total order: two instances sending at once produce seq 1..N, the same on both', async () => {
      const { roomId, members } = await roomWithMembers(a, 2);
      const one = await connect(a, members[0]!, roomId);
      const two = await connect(b, members[1]!, roomId);
      for (let i = 0; i < 30; i++) {
        one.socket.send({ type: 'send', id: `a${i}`, body: `a${i}` });
        two.socket.send({ type: 'send', id: `b${i}`, body: `b${i}` });
      }
      const seen = [one, two].map(async ({ socket }) => {
        const messages = await socket.waitForCount('message', 30, 10_000);
        const acks = await socket.waitForCount('ack', 30, 10_000);
        expect(messages.map((m) => m.seq)).toEqual([...messages.map((m) => m.seq)].sort((x, y) => x - y));
        return [...messages.map((m) => m.seq), ...acks.map((ack) => ack.seq)].sort((x, y) => x - y);
      });
      for (const seqs of await Promise.all(seen)) expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      one.socket.close();
      two.socket.close();
    });

    it('rate limits are shared: a member spending its budget on two instances is limited on both', async () => {
      const [x, y] = await Promise.all([
        start({ REDIS_URL: redis.url, MESSAGE_RATE_LIMIT: 4, MESSAGE_RATE_WINDOW_SECONDS: 60 }),
        start({ REDIS_URL: redis.url, MESSAGE_RATE_LIMIT: 4, MESSAGE_RATE_WINDOW_SECONDS: 60 }),
      ]);
      const { roomId, members } = await roomWithMembers(x, 2);
      const post = (hush: RedisHush, i: number) =>
        fetch(`${hush.baseUrl}/api/rooms/${roomId}/messages`, {
          method: 'POST',
          headers: { cookie: members[0]!.client.cookieHeader, 'content-type': 'application/json' },
          body: JSON.stringify({ id: `r${i}`, body: 'x' }),
        });
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await post(i % 2 === 0 ? x : y, i)).status);
      expect(statuses).toEqual([201, 201, 201, 201, 429, 429]);
    });

    it('destroy on one instance reaches the members on every instance', async () => {
      const { roomId, members } = await roomWithMembers(a, 3);
      const sockets = await Promise.all(members.map((member, i) => connect(i === 0 ? a : b, member, roomId)));
      expect((await members[0]!.client.request('DELETE', `/api/rooms/${roomId}`)).status).toBe(204);
      for (const { socket } of sockets) {
        expect(await socket.next('destroyed')).toEqual({ type: 'destroyed', reason: 'destroyed' });
        expect((await socket.waitClosed()).code).toBe(4410);
      }
    });
  });

  describe('the Redis clock', () => {
    it('an instance whose clock is 30 s fast changes neither expiresAt, the countdown, nor when the room ends', async () => {
      const skewed = await start({ REDIS_URL: redis.url }, { localClock: { now: () => Date.now() + 30_000 } });
      expect(Math.abs(skewed.engine.clock.offset + 30_000)).toBeLessThan(200);
      const created = await skewed.newClient().createRoom({ ttlSeconds: 3 });
      const roomId = created.body.roomId as string;
      const expiresAt = created.body.expiresAt as number;
      expect(Math.abs(expiresAt - (Date.now() + 3000))).toBeLessThan(500);
      expect(Math.abs((await reader.pttl(`hush:{${roomId}}:meta`)) - 3000)).toBeLessThan(500);
      // Members on the skewed instance and on a correct one see the same room and the same clock.
      const onSkewed = skewed.newClient();
      const onCorrect = a.newClient();
      expect((await onSkewed.join(roomId)).body.expiresAt).toBe(expiresAt);
      expect((await onCorrect.join(roomId)).body.expiresAt).toBe(expiresAt);
      const s = await connect(skewed, onSkewed, roomId);
      const c = await connect(a, onCorrect, roomId);
      for (const { welcome } of [s, c]) {
        expect(welcome.expiresAt).toBe(expiresAt);
        expect(Math.abs(welcome.serverTime - Date.now())).toBeLessThan(1000);
      }
      // The skewed instance ends the room neither 30 s early (at once) nor late: both end it at expiresAt.
      for (const { socket } of [s, c]) {
        await socket.next('destroyed', () => true, 5000);
        expect(Date.now()).toBeGreaterThanOrEqual(expiresAt - 100);
        expect(Date.now()).toBeLessThan(expiresAt + 1500);
      }
    });
  });

  describe('fan-out', () => {
    it('an instance holding 1 of 1,000 busy rooms receives that room’s events and nothing else', async () => {
      const busy = await engine();
      let deliveredToBusy = 0;
      busy.bus.setListener(() => deliveredToBusy++);
      const quiet = b; // a real instance with one room's sockets
      const rooms = Array.from({ length: 1000 }, () => randomBytes(16).toString('base64url'));
      await Promise.all(rooms.map((roomId) => busy.store.createRoom({ roomId, capacity: 2, expiresAt: busy.clock.now() + 60_000 })));
      await Promise.all(rooms.map((roomId) => busy.bus.subscribe(roomId)));
      // A watcher of the quiet room's channel only, to count what was published there.
      const { roomId, members } = await roomWithMembers(quiet, 2);
      const watcher = redis.client();
      let published = 0;
      watcher.on('message', () => published++);
      await watcher.subscribe(roomChannel(roomId));
      const before = quiet.engine.bus.stats.received;
      const one = await connect(quiet, members[0]!, roomId);
      const two = await connect(quiet, members[1]!, roomId);
      // 10 messages in each of the 1,000 busy rooms, 10 in the quiet one.
      const perRoom = 10;
      for (let i = 0; i < perRoom; i++) {
        await Promise.all(
          rooms.map(async (busyRoom) => {
            // Appending publishes the message on the room's channel.
            await busy.store.appendMessage(busyRoom, { id: `m${i}`, from: 'x', body: 'busy-room-traffic' }, { maxMessages: 100, maxBytes: 1_000_000, sendBudget: UNLIMITED });
          }),
        );
        one.socket.send({ type: 'send', id: `q${i}`, body: 'quiet-room-traffic' });
      }
      await two.socket.waitForCount('message', perRoom, 10_000);
      await eventually(() => deliveredToBusy >= rooms.length * perRoom, 10_000, 'busy traffic delivered');
      one.socket.close();
      two.socket.close();
      await eventually(() => quiet.server.hub.roomCount === 0, 3000, 'quiet room released');
      await sleep(100);
      const received = quiet.engine.bus.stats.received - before;
      // Everything published on the quiet room's channel while it was held (presence, messages) and nothing more.
      expect(received).toBeGreaterThanOrEqual(perRoom);
      expect(received).toBeLessThanOrEqual(published);
      expect(published).toBeLessThan(perRoom + 10);
      expect(deliveredToBusy).toBe(rooms.length * perRoom);
      // The busy instance is its rooms' only subscriber: the append script publishes nothing for them,
      // and the instance delivers from the script's reply (the quiet room has a watcher, so it is published).
      expect(busy.bus.stats.received).toBe(0);
      watcher.disconnect();
      console.info(`[fan-out] busy instance delivered ${deliveredToBusy} messages of its own rooms without a push; the instance holding 1 of 1,000 rooms received ${received} events`);
    }, 60_000);

    it('leaving a room and taking it again while an append is in flight leaves the instance subscribed', async () => {
      const solo = await engine();
      const roomId = randomBytes(16).toString('base64url');
      await solo.store.createRoom({ roomId, capacity: 2, expiresAt: solo.clock.now() + 60_000 });
      await solo.bus.subscribe(roomId);
      expect(solo.bus.holds(roomId)).toBe(true);
      // The last socket leaves while a send is on its way; a new socket arrives before the leave completes.
      const sending = solo.store.appendMessage(roomId, { id: 'in-flight', from: 'm', body: 'x' }, { maxMessages: 10, maxBytes: 1_000_000, sendBudget: UNLIMITED });
      const leaving = solo.bus.unsubscribe(roomId);
      await solo.bus.subscribe(roomId);
      await Promise.all([sending, leaving]);
      await sleep(50);
      expect(await channelSubscribers(roomId)).toBe(1);
      expect(solo.bus.holds(roomId)).toBe(true);
    });

    it('an instance subscribes to a room only while it holds a socket of it', async () => {
      const { roomId, members } = await roomWithMembers(a, 1);
      const subscribers = () => channelSubscribers(roomId);
      expect(await subscribers()).toBe(0);
      const first = await connect(a, members[0]!, roomId);
      const second = await connect(a, members[0]!, roomId);
      expect(await subscribers()).toBe(1);
      first.socket.close();
      await sleep(100);
      expect(await subscribers()).toBe(1);
      second.socket.close();
      await eventually(async () => (await subscribers()) === 0, 3000, 'unsubscribed');
    });
  });

  describe('presence leases', () => {
    it('a live instance keeps its connections online; a dead one’s stop counting when their leases lapse', async () => {
      const leaseMs = 1000;
      const doomed = await engine({ presenceLeaseMs: leaseMs });
      const roomId = randomBytes(16).toString('base64url');
      await doomed.store.createRoom({ roomId, capacity: 2, expiresAt: doomed.clock.now() + 60_000 });
      await doomed.store.claimSeat(roomId, 'hash-1', 'member-1');
      await doomed.store.setConnection(roomId, 'member-1', 'conn-1', true);
      // Well past its first lease the renewals have kept it online.
      await sleep(leaseMs * 2.5);
      expect(await a.engine.store.listMembers(roomId)).toEqual([{ memberId: 'member-1', online: true }]);
      // The instance dies without closing its sockets (no setConnection(false)): only the lease ends it.
      await doomed.close();
      await eventually(async () => (await a.engine.store.listMembers(roomId))[0]?.online === false, leaseMs * 3, 'lease lapsed');
      await a.engine.store.deleteRoom(roomId);
    });

    it('renews the leases of more rooms than one chunk holds, and forgets the rooms that ended elsewhere', async () => {
      const leaseMs = 1000;
      const holder = await engine({ presenceLeaseMs: leaseMs });
      const roomIds = Array.from({ length: 250 }, () => randomBytes(16).toString('base64url')); // three chunks of up to 100
      for (const roomId of roomIds) {
        await holder.store.createRoom({ roomId, capacity: 2, expiresAt: holder.clock.now() + 60_000 });
        await holder.store.claimSeat(roomId, 'hash-1', 'member-1');
        await holder.store.setConnection(roomId, 'member-1', 'conn-1', true);
      }
      const [ended, ...live] = roomIds;
      await a.engine.store.deleteRoom(ended!); // another instance ends it: the holder learns it from a renewal
      await sleep(leaseMs * 2.5);
      const online = await Promise.all(live.map(async (roomId) => (await a.engine.store.listMembers(roomId))[0]?.online));
      expect(online.filter((flag) => flag === true)).toHaveLength(live.length);
      expect(holder.store.leasedRooms).toBe(live.length);
      await holder.close();
      await Promise.all(live.map((roomId) => a.engine.store.deleteRoom(roomId)));
    });
  });

  describe('start-up', () => {
    it('invalid engine settings are refused at start-up, naming the variable', () => {
      const bad: Array<[Record<string, string>, string]> = [
        [{ REDIS_URL: 'http://localhost:6379' }, 'REDIS_URL'],
        [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
        [{ REDIS_CLUSTER_NODES: 'localhost' }, 'REDIS_CLUSTER_NODES'],
        [{ REDIS_CLUSTER_NODES: '127.0.0.1:7000,,x' }, 'REDIS_CLUSTER_NODES'],
        [{ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: '127.0.0.1:7000' }, 'REDIS_CLUSTER_NODES'],
      ];
      for (const [env, variable] of bad) {
        expect(() => configWith(env), JSON.stringify(env)).toThrow(ConfigError);
        expect(() => configWith(env)).toThrow(new RegExp(`^${variable}:`));
      }
      expect(configWith({ REDIS_CLUSTER_NODES: '127.0.0.1:7000, redis://:secret@10.0.0.2:7001' }).REDIS_CLUSTER_NODES).toBeTruthy();
    });

    it('a Redis that cannot be reached fails start-up with a clear message, in bounded time', async () => {
      const port = await freePort();
      const started = Date.now();
      await expect(createRedisEngine({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_CLUSTER_NODES: undefined }, silent, { startupTimeoutMs: 1000 })).rejects.toThrow(
        new RegExp(`cannot reach Redis at 127\\.0\\.0\\.1:${port}`),
      );
      expect(Date.now() - started).toBeLessThan(3000);
    });
  });
});
