/**
 * Operations with Redis (issue 5): readiness follows Redis, store errors and
 * reconnects show in /metrics, and a SIGTERM of one of two instances in the
 * middle of a conversation loses nothing for the clients that move over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../support/http-client.js';
import { spawnHush, startHushProcess, type HushProcess } from '../support/hush-process.js';
import { RedisServer, redisSkipReason } from '../support/redis-server.js';
import { TestSocket } from '../support/test-socket.js';

if (redisSkipReason) console.warn(`[redis operations] SKIPPED: ${redisSkipReason}`);
const suite = redisSkipReason ? describe.skip : describe;

async function metric(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

suite('operations with Redis', () => {
  let redis: RedisServer;
  const processes: HushProcess[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const hush = await startHushProcess({ REDIS_URL: redis.url, MESSAGE_RATE_LIMIT: '10000', ...env });
    processes.push(hush);
    return hush;
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    for (const hush of processes) hush.child.kill('SIGKILL');
    await redis.stop();
  });

  it('a wrong password in REDIS_URL stops the start at once with exit 1 and says so, without the password', async () => {
    const guarded = await RedisServer.start(['--requirepass', 'right-secret']);
    try {
      for (const url of [`redis://:wrong-secret@127.0.0.1:${guarded.port}`, `redis://127.0.0.1:${guarded.port}`]) {
        const hush = spawnHush({ PORT: '0', REDIS_URL: url });
        processes.push(hush);
        expect(await hush.exited).toBe(1);
        // This message, not the "not ready within … ms" that ends the wait for an unreachable Redis: the
        // start stopped at the refusal. (No wall-clock check: under a loaded CI a start alone takes seconds.)
        expect(hush.output()).toMatch(/Redis refused the credentials in REDIS_URL: (WRONGPASS|NOAUTH)/);
        expect(hush.output()).not.toContain('secret');
      }
    } finally {
      await guarded.stop();
    }
  }, 30_000);

  it('/readyz follows Redis: 200 while it answers, 503 unavailable while it is down, 200 again when it is back', async () => {
    const hush = await start();
    const ready = await fetch(`${hush.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', engine: 'redis' });

    await redis.kill();
    const started = Date.now();
    const down = await fetch(`${hush.baseUrl}/readyz`);
    expect(down.status).toBe(503);
    expect(((await down.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    expect(Date.now() - started).toBeLessThan(5000); // fails fast instead of hanging the probe
    expect((await fetch(`${hush.baseUrl}/healthz`)).status).toBe(200); // alive, just not ready
    expect(await metric(hush.baseUrl, 'hush_store_errors_total')).toBeGreaterThan(0);

    await redis.restart();
    await expect.poll(async () => (await fetch(`${hush.baseUrl}/readyz`)).status, { timeout: 10_000, interval: 200 }).toBe(200);
    expect(await metric(hush.baseUrl, 'hush_store_reconnects_total')).toBeGreaterThanOrEqual(1);
  });

  it('SIGTERM on one of two instances mid-conversation: its clients get 1012, resume on the other, and miss nothing', async () => {
    const [a, b] = await Promise.all([start({ SHUTDOWN_TIMEOUT_MS: '3000' }), start()]);
    const alice = new HttpClient(a!.baseUrl);
    const roomId = (await alice.createRoom()).body.roomId as string;
    await alice.join(roomId);
    const bob = new HttpClient(b!.baseUrl);
    await bob.join(roomId);
    const wsUrl = (hush: HushProcess, after: number) => `ws://127.0.0.1:${hush.port}/ws?roomId=${roomId}&after=${after}`;

    const aliceOnA = await TestSocket.open(wsUrl(a!, 0), { cookie: alice.cookieHeader });
    await aliceOnA.next('welcome');
    const bobOnB = await TestSocket.open(wsUrl(b!, 0), { cookie: bob.cookieHeader });
    await bobOnB.next('welcome');

    // Bob keeps talking the whole time; Alice's instance is terminated in the middle.
    const total = 60;
    const talking = (async () => {
      for (let i = 0; i < total; i++) {
        bobOnB.send({ type: 'send', id: `b${i}`, body: `bob-${i}` });
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    await aliceOnA.next('message', (m) => m.seq >= 10, 10_000);
    a!.child.kill('SIGTERM');
    expect((await aliceOnA.waitClosed(5000)).code).toBe(1012);
    expect(await a!.exited).toBe(0);

    // Alice reconnects (as the web client does on 1012) to the surviving instance, from her last contiguous seq.
    const seen = aliceOnA.ofType('message').map((m) => m.seq);
    const lastContiguous = seen.findIndex((seq, i) => seq !== i + 1) === -1 ? seen.length : seen.findIndex((seq, i) => seq !== i + 1);
    const aliceOnB = await TestSocket.open(wsUrl(b!, lastContiguous), { cookie: alice.cookieHeader });
    expect((await aliceOnB.next('welcome')).resumed).toBe(true);
    await talking;
    await bobOnB.waitForCount('ack', total, 15_000);
    await aliceOnB.waitForCount('message', total - lastContiguous, 15_000);

    const received = [...seen.slice(0, lastContiguous), ...aliceOnB.ofType('message').map((m) => m.seq)];
    expect(received).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(aliceOnB.ofType('message').map((m) => m.body)).toEqual(Array.from({ length: total - lastContiguous }, (_, i) => `bob-${lastContiguous + i}`));
    aliceOnB.close();
    bobOnB.close();
  });
});
