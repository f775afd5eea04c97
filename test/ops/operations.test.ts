/**
 * Operating Hush (issue 5): health and readiness, Prometheus metrics, request
 * ids, TLS with Secure cookies and HSTS, TRUST_PROXY, start-up configuration
 * errors, --help, and graceful shutdown on SIGTERM.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/server/config.js';
import { MemoryRoomStore } from '../../src/server/store/memory/memory-room-store.js';
import { HttpClient } from '../support/http-client.js';
import { connect, eventually, roomWithMembers, sleep, startHush, type RunningHush } from '../support/hush-instance.js';
import { spawnHush, startHushProcess, freePort, MAIN, REPO, TSX_LOADER } from '../support/hush-process.js';
import { TestSocket } from '../support/test-socket.js';
import WebSocket from 'ws';

/** Whether a TCP connection to the port is refused (nothing listens), rather than accepted. */
function portRefuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = tcpConnect(port, '127.0.0.1');
    probe.once('connect', () => {
      probe.destroy();
      resolve(false);
    });
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

function metricValue(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)));
  if (!line) throw new Error(`metric ${name}${labels} not found`);
  return Number(line.split(' ').at(-1));
}

describe('health, readiness and metrics', () => {
  let hush: RunningHush;
  beforeAll(async () => {
    hush = await startHush({ MESSAGE_RATE_LIMIT: 3, MESSAGE_RATE_WINDOW_SECONDS: 60 });
  });
  afterAll(() => hush.stop());

  it('GET /healthz and GET /readyz answer 200 while the process serves', async () => {
    const client = hush.newClient();
    expect(await client.request('GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await client.request('GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready', engine: 'memory' } });
  });

  it('GET /metrics exposes hush_ metrics in Prometheus text format that follow what happened', async () => {
    const { roomId, members } = await roomWithMembers(hush, 2);
    expect((await hush.newClient().join(roomId)).status).toBe(409);
    const a = await connect(hush, members[0]!, roomId);
    const b = await connect(hush, members[1]!, roomId);
    for (let i = 0; i < 4; i++) a.socket.send({ type: 'send', id: `m${i}`, body: 'x' });
    await a.socket.next('error');
    await b.socket.waitForCount('message', 3);

    const response = await hush.newClient().request('GET', '/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    // Without METRICS_TOKEN, only a request made on this machine and not through a proxy gets them.
    for (const forwarded of [{ 'x-forwarded-for': '203.0.113.9' }, { forwarded: 'for=203.0.113.9' }] as Record<string, string>[]) {
      const proxied = await hush.newClient().request('GET', '/metrics', undefined, forwarded);
      expect(proxied.status).toBe(403);
      expect(proxied.body.error.code).toBe('forbidden');
    }
    const text = response.body as string;
    expect(metricValue(text, 'hush_connections_open')).toBe(2);
    expect(metricValue(text, 'hush_rooms_active')).toBe(1);
    expect(metricValue(text, 'hush_rooms_created_total')).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'hush_messages_accepted_total')).toBe(3);
    expect(metricValue(text, 'hush_messages_delivered_total')).toBe(6); // 3 messages × (1 message + 1 ack)
    expect(metricValue(text, 'hush_joins_rejected_total', '{reason="room_full"}')).toBe(1);
    expect(metricValue(text, 'hush_joins_rejected_total', '{reason="wrong_key"}')).toBe(0); // known before the first
    expect(metricValue(text, 'hush_rate_limited_total', '{kind="message"}')).toBe(1);
    expect(metricValue(text, 'hush_fanout_latency_seconds_count')).toBe(3);
    expect(text).toContain('hush_nodejs_eventloop_lag_seconds');
    expect(text).toContain('hush_store_errors_total 0');
    expect(text).toContain('hush_store_reconnects_total 0');
    a.socket.close();
    b.socket.close();
    await b.socket.waitClosed();
    await a.socket.waitClosed();
    const { metrics } = hush.server;
    await expect.poll(async () => metricValue(await metrics.registry.metrics(), 'hush_connections_open')).toBe(0);
    await expect.poll(async () => metricValue(await metrics.registry.metrics(), 'hush_rooms_active')).toBe(0);
  });

  it('without METRICS_TOKEN, /metrics answers only requests addressed to a loopback name: a rebinding page on this machine names its own host', async () => {
    const { port } = new URL(hush.baseUrl);
    const statusFor = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const request = httpRequest({ host: '127.0.0.1', port, path: '/metrics', headers: { host } }, (response) => {
          response.resume();
          resolve(response.statusCode!);
        });
        request.on('error', reject);
        request.end();
      });
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'app.localhost', 'localhost']) expect(await statusFor(host), host).toBe(200);
    for (const host of [`rebind.attacker.example:${port}`, 'rebind.attacker.example', `localhost.attacker.example:${port}`]) expect(await statusFor(host), host).toBe(403);
  });

  it('counts ended rooms by reason', async () => {
    const { roomId, members } = await roomWithMembers(hush, 2);
    const before = metricValue(await hush.server.metrics.registry.metrics(), 'hush_rooms_ended_total', '{reason="destroyed"}');
    await members[0]!.client.request('DELETE', `/api/rooms/${roomId}`);
    expect(metricValue(await hush.server.metrics.registry.metrics(), 'hush_rooms_ended_total', '{reason="destroyed"}')).toBe(before + 1);
  });

  it('every response carries a request id, and log lines carry the same id', async () => {
    const response = await hush.newClient().request('GET', '/healthz');
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(hush.logs.some((line) => line.includes(`"reqId":"${id}"`))).toBe(true);
  });
});

describe('request lines at LOG_LEVEL=info', () => {
  it('log API requests and failed requests, not the routine ones that succeed: health probes, scrapes', async () => {
    const quiet = await startHush({ LOG_LEVEL: 'info' });
    try {
      const client = quiet.newClient();
      const linesOf = async (method: string, path: string, expectedStatus: number) => {
        const response = await client.request(method, path);
        expect(response.status, path).toBe(expectedStatus);
        const id = response.headers.get('x-request-id')!;
        await sleep(50); // pino writes asynchronously
        return quiet.logs.filter((line) => line.includes(`"reqId":"${id}"`)).map((line) => JSON.parse(line) as { msg: string; req?: { url: string } });
      };
      for (const path of ['/healthz', '/readyz', '/metrics']) expect(await linesOf('GET', path, 200), path).toEqual([]);
      expect((await linesOf('GET', '/api/limits', 200)).map((line) => line.msg)).toEqual(['incoming request', 'request completed']);
      // A routine route that fails says so, naming the request: a missing file of the web client.
      const failed = await linesOf('GET', '/no-such-file.js', 404);
      expect(failed.map((line) => [line.msg, line.req?.url])).toEqual([['request completed', '/no-such-file.js']]);
    } finally {
      await quiet.stop();
    }
  });
});

describe('what logs never hold', () => {
  it('room ids are masked in request logs, and a malformed request does not log its raw bytes (cookie included)', async () => {
    const hush = await startHush({ LOG_LEVEL: 'trace' });
    try {
      const { roomId, members } = await roomWithMembers(hush, 1);
      await members[0]!.client.request('GET', `/api/rooms/${roomId}`);
      const token = members[0]!.client.cookieHeader.split('=')[1]!;
      // Headers over Node's limit: a clientError whose error object carries the raw request.
      const oversized = await fetch(`${hush.baseUrl}/api/rooms/${roomId}?pad=${'x'.repeat(20_000)}`, { headers: { cookie: members[0]!.client.cookieHeader } });
      expect(oversized.status).toBe(431);
      // The same id percent-encoded reaches the same room: it must not reach the logs either.
      const encoded = [...roomId].map((char) => `%${char.charCodeAt(0).toString(16)}`).join('');
      expect((await members[0]!.client.request('GET', `/api/rooms/${encoded}`)).status).toBe(200);
      // So does a path whose fixed part is percent-encoded: the router decodes it as well.
      expect((await members[0]!.client.request('GET', `/api/room%73/${roomId}`)).status).toBe(200);
      expect((await members[0]!.client.request('GET', `/api/%72ooms/${roomId}?x=%ZZ`)).status).toBe(200); // and a malformed escape besides
      const logs = hush.logs.join('\n');
      expect(logs).toContain(`/api/rooms/${roomId.slice(0, 4)}…`);
      expect(logs).not.toContain(roomId);
      expect(logs).not.toContain(encoded.slice(12));
      expect(logs).not.toContain(token);
      expect(logs).not.toContain(JSON.stringify([...Buffer.from('hush_token')]).slice(1, -1)); // not even as a byte array
    } finally {
      await hush.stop();
    }
  });
});

describe('METRICS_TOKEN', () => {
  let hush: RunningHush;
  beforeAll(async () => {
    hush = await startHush({ METRICS_TOKEN: 's3cret-token' });
  });
  afterAll(() => hush.stop());

  it('without METRICS_TOKEN and with TRUST_PROXY set, /metrics answers nobody: the proxy may not say it forwarded', async () => {
    const proxied = await startHush({ TRUST_PROXY: 1 });
    try {
      const refused = await proxied.newClient().request('GET', '/metrics');
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('forbidden');
    } finally {
      await proxied.stop();
    }
  });

  it('protects /metrics with a bearer token', async () => {
    const client = hush.newClient();
    const refused = await client.request('GET', '/metrics');
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('unauthorized');
    expect((await client.request('GET', '/metrics', undefined, { authorization: 'Bearer wrong-token!' })).status).toBe(401);
    const allowed = await client.request('GET', '/metrics', undefined, { authorization: 'Bearer s3cret-token' });
    expect(allowed.status).toBe(200);
    expect(allowed.body).toContain('hush_connections_open');
  });
});

describe('TLS', () => {
  let dir: string;
  let hush: RunningHush;
  let cert: Buffer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hush-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    cert = readFileSync(join(dir, 'cert.pem'));
    hush = await startHush({ TLS_CERT_FILE: join(dir, 'cert.pem'), TLS_KEY_FILE: join(dir, 'key.pem') });
  });
  afterAll(async () => {
    await hush.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function tlsRequest(method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(`${hush.baseUrl}${path}`, { method, ca: cert, headers }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('serves HTTPS directly, with Secure cookies, HSTS, and WSS', async () => {
    expect(hush.baseUrl).toMatch(/^https:/);
    const created = await tlsRequest('POST', '/api/rooms');
    expect(created.status).toBe(201);
    expect(created.headers['strict-transport-security']).toContain('max-age=');
    const { roomId } = JSON.parse(created.body) as { roomId: string };
    const joined = await tlsRequest('POST', `/api/rooms/${roomId}/join`);
    const cookie = (joined.headers['set-cookie'] as string[])[0]!;
    // __Host-: a cookie browsers take only from this origin over HTTPS, with Path=/ and no Domain.
    expect(cookie).toMatch(/^__Host-hush_token=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/; Path=\//i);
    expect(cookie).not.toMatch(/Domain=/i);
    expect(cookie).toMatch(/HttpOnly/i);
    const ws = new WebSocket(`wss://127.0.0.1:${new URL(hush.baseUrl).port}/ws?roomId=${roomId}`, { ca: cert, headers: { cookie: cookie.split(';')[0]! } });
    const welcome = await new Promise<string>((resolve, reject) => {
      ws.once('message', (data) => resolve(data.toString()));
      ws.once('error', reject);
    });
    expect(JSON.parse(welcome)).toMatchObject({ type: 'welcome', roomId });
    ws.close();
  });

  it('over HTTPS only the https origin of this host may change state: a page served over plain http is not the site', async () => {
    const host = new URL(hush.baseUrl).host;
    expect((await tlsRequest('POST', '/api/rooms', { origin: `https://${host}` })).status).toBe(201);
    const plain = await tlsRequest('POST', '/api/rooms', { origin: `http://${host}` });
    expect(plain.status).toBe(403);
    expect(JSON.parse(plain.body).error.code).toBe('forbidden_origin');
  });

  it('over HTTPS a token planted as an unprefixed hush_token cookie is not adopted: it holds no seat and joins get a token of their own', async () => {
    const { roomId } = JSON.parse((await tlsRequest('POST', '/api/rooms')).body) as { roomId: string };
    // What a sibling subdomain could set for the whole domain: a token the planter knows.
    const planted = `hush_token=${'P'.repeat(43)}`;
    const joined = await tlsRequest('POST', `/api/rooms/${roomId}/join`, { cookie: planted });
    expect(joined.status).toBe(200);
    const cookie = (joined.headers['set-cookie'] as string[])[0]!;
    expect(cookie).toMatch(/^__Host-hush_token=/);
    expect(cookie).not.toContain('P'.repeat(43));
    expect((await tlsRequest('GET', `/api/rooms/${roomId}`, { cookie: planted })).status).toBe(403);
    expect((await tlsRequest('GET', `/api/rooms/${roomId}`, { cookie: cookie.split(';')[0]! })).status).toBe(200);
  });
});

describe('TRUST_PROXY', () => {
  it('behind a trusted proxy, X-Forwarded-Proto makes cookies Secure and X-Forwarded-For separates rate-limit buckets', async () => {
    const proxied = await startHush({ TRUST_PROXY: true, ROOM_CREATE_LIMIT: 1 });
    try {
      const client = new HttpClient(proxied.baseUrl, null);
      const first = await client.request('POST', '/api/rooms', {}, { 'x-forwarded-for': '203.0.113.1', 'x-forwarded-proto': 'https' });
      expect(first.status).toBe(201);
      expect(first.headers.get('strict-transport-security')).toContain('max-age=');
      expect((await client.request('POST', '/api/rooms', {}, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(429);
      expect((await client.request('POST', '/api/rooms', {}, { 'x-forwarded-for': '203.0.113.2' })).status).toBe(201);
      const joined = await client.request('POST', `/api/rooms/${first.body.roomId}/join`, undefined, { 'x-forwarded-proto': 'https' });
      expect(joined.headers.getSetCookie()[0]).toMatch(/^__Host-hush_token=.*; Secure/i);
    } finally {
      await proxied.stop();
    }
  });

  it('behind a trusted proxy, the scheme it names is the only one whose origin may act; without TRUST_PROXY either is taken', async () => {
    const proxied = await startHush({ TRUST_PROXY: true });
    const direct = await startHush({});
    try {
      const host = new URL(proxied.baseUrl).host;
      const client = new HttpClient(proxied.baseUrl, null);
      const overHttps = { 'x-forwarded-proto': 'https' };
      expect((await client.request('POST', '/api/rooms', {}, { ...overHttps, origin: `https://${host}` })).status).toBe(201);
      const plain = await client.request('POST', '/api/rooms', {}, { ...overHttps, origin: `http://${host}` });
      expect(plain.status).toBe(403);
      expect(plain.body.error.code).toBe('forbidden_origin');
      expect((await client.request('POST', '/api/rooms', {}, { 'x-forwarded-proto': 'http', origin: `https://${host}` })).status).toBe(403);
      // Of several values the last is the nearest proxy's, as for the cookies' Secure flag (Fastify's request.protocol).
      expect((await client.request('POST', '/api/rooms', {}, { 'x-forwarded-proto': 'http, https', origin: `https://${host}` })).status).toBe(201);
      expect((await client.request('POST', '/api/rooms', {}, { 'x-forwarded-proto': 'https, http', origin: `https://${host}` })).status).toBe(403);
      // The WebSocket upgrade is checked the same way.
      const room = await client.request('POST', '/api/rooms', {}, overHttps);
      const wsUrl = `${proxied.baseUrl.replace(/^http/, 'ws')}/ws?roomId=${room.body.roomId}`;
      const upgradeStatus = (origin: string) =>
        new Promise<number>((resolve, reject) => {
          const ws = new WebSocket(wsUrl, { headers: { ...overHttps, origin } });
          ws.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
          ws.once('open', () => {
            ws.close();
            resolve(101);
          });
          ws.once('error', reject);
        });
      expect(await upgradeStatus(`http://${host}`)).toBe(403);
      expect(await upgradeStatus(`https://${host}`)).toBe(101);
      // Unnamed proxies' headers mean nothing: a browser's https origin may reach us over http.
      const directHost = new URL(direct.baseUrl).host;
      const directClient = new HttpClient(direct.baseUrl, null);
      for (const origin of [`https://${directHost}`, `http://${directHost}`]) {
        expect((await directClient.request('POST', '/api/rooms', {}, { ...overHttps, origin })).status, origin).toBe(201);
      }
    } finally {
      await proxied.stop();
      await direct.stop();
    }
  });

  it('TRUST_PROXY=1 believes only the nearest proxy: a client-supplied X-Forwarded-For entry cannot dodge the limit', async () => {
    const proxied = await startHush({ TRUST_PROXY: 1, ROOM_CREATE_LIMIT: 1 });
    try {
      const client = new HttpClient(proxied.baseUrl, null);
      // What a proxy that appends produces: the client's forged entry, then the address the proxy saw.
      expect((await client.request('POST', '/api/rooms', {}, { 'x-forwarded-for': 'forged-1, 198.51.100.7' })).status).toBe(201);
      expect((await client.request('POST', '/api/rooms', {}, { 'x-forwarded-for': 'forged-2, 198.51.100.7' })).status).toBe(429);
      expect((await client.request('POST', '/api/rooms', {}, { 'x-forwarded-for': 'forged-2, 198.51.100.8' })).status).toBe(201);
    } finally {
      await proxied.stop();
    }
  });

  it('without TRUST_PROXY, forwarded headers are ignored: a client cannot dodge the limit or fake https', async () => {
    const direct = await startHush({ ROOM_CREATE_LIMIT: 1 });
    try {
      const client = new HttpClient(direct.baseUrl, null);
      expect((await client.request('POST', '/api/rooms', {}, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(201);
      expect((await client.request('POST', '/api/rooms', {}, { 'x-forwarded-for': '203.0.113.2' })).status).toBe(429);
      const room = await new HttpClient(direct.baseUrl, null).request('POST', '/api/rooms');
      expect(room.status).toBe(429);
    } finally {
      await direct.stop();
    }
  });
});

describe('memory mode: history across all rooms is bounded', () => {
  it('past MEMORY_MAX_HISTORY_BYTES, the room holding the most gets server_full (WebSocket and HTTP), another room\'s send takes that room\'s oldest message, and an ended room frees its share', async () => {
    const hush = await startHush({ MEMORY_MAX_HISTORY_BYTES: 1_048_576, MESSAGE_RATE_LIMIT: 100_000 });
    try {
      const { roomId, members } = await roomWithMembers(hush, 2);
      const { socket } = await connect(hush, members[0]!, roomId);
      const body = 'x'.repeat(15_000);
      let sent = 0;
      const answerTo = (id: string) => socket.frames.find((frame) => (frame.type === 'ack' || frame.type === 'error') && frame.id === id);
      for (; sent < 100; sent++) {
        const id = `big${sent}`;
        socket.send({ type: 'send', id, body });
        await eventually(() => answerTo(id) !== undefined, 5000, `an answer to ${id}`);
        if (answerTo(id)!.type !== 'ack') break;
      }
      expect(sent).toBeGreaterThan(60);
      expect(sent).toBeLessThan(72);
      const refusal = socket.ofType('error').at(-1);
      expect(refusal).toMatchObject({ code: 'server_full', id: `big${sent}` });
      const overHttp = await members[0]!.client.request('POST', `/api/rooms/${roomId}/messages`, { id: 'http', body });
      expect(overHttp.status).toBe(503);
      expect(overHttp.body.error.code).toBe('server_full');
      // Nothing stored was dropped for it, and the process serves.
      const page = await members[0]!.client.request('GET', `/api/rooms/${roomId}/messages?after=0`);
      expect(page.body.messages).toHaveLength(sent);
      expect((await hush.newClient().request('GET', '/healthz')).status).toBe(200);
      // A room holding less is not refused: the full room gives up its oldest message for its send.
      const next = await roomWithMembers(hush, 2);
      expect((await next.members[0]!.client.request('POST', `/api/rooms/${next.roomId}/messages`, { id: 'fresh', body })).status).toBe(201);
      const trimmed = await members[0]!.client.request('GET', `/api/rooms/${roomId}/messages?after=0`);
      expect(trimmed.body.messages).toHaveLength(sent - 1);
      expect(trimmed.body.messages[0].id).toBe('big1');
      // The full room ends: its share is free again.
      expect((await members[0]!.client.request('DELETE', `/api/rooms/${roomId}`)).status).toBe(204);
      expect((hush.server.engine.store as MemoryRoomStore).retainedBytes).toBeLessThan(2 * 16_384);
      socket.close();
    } finally {
      await hush.stop();
    }
  });
});

describe('start-up configuration', () => {
  it.each([
    [{ PORT: 'abc' }, /PORT: must be an integer/],
    [{ ROOM_CAPACITY: '50' }, /ROOM_CAPACITY: must be between 2 and 16/],
    [{ ROOM_TTL_SECONDS: '10' }, /ROOM_TTL_SECONDS: must be between 60 and 86400/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL: must be one of fatal, error/],
    [{ ROOM_TTL_MAX_SECONDS: '3000000' }, /ROOM_TTL_MAX_SECONDS: must be at most 2147483/],
    [{ TRUST_PROXY: 'sometimes' }, /TRUST_PROXY: must be true, false, a hop count/],
    [{ TLS_CERT_FILE: '/tmp/cert.pem' }, /TLS_KEY_FILE: must be set together/],
    [{ REDIS_URL: 'http://user:hunter2@127.0.0.1:6390' }, /REDIS_URL: /],
    [{ ALLOWED_ORIGINS: 'chat.example.org' }, /ALLOWED_ORIGINS: "chat.example.org" is not an origin/],
    [{ ALLOWED_ORIGINS: 'https://chat.example.org, *' }, /ALLOWED_ORIGINS: "\*" is not an origin/],
    [{ ALLOWED_ORIGINS: 'https://chat.example.org/app' }, /ALLOWED_ORIGINS: ".*\/app" is not an origin/],
  ])('a wrong value %j stops the process with exit code 2 and one clear line', async (env, message) => {
    const hush = spawnHush({ PORT: String(await freePort()), ...env });
    expect(await hush.exited).toBe(2);
    const lines = hush.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(lines[0]).not.toContain('hunter2'); // a credential in a setting is never echoed
  });

  it('reads settings from a .env file in the working directory; the environment wins over it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hush-env-'));
    try {
      const port = await freePort();
      writeFileSync(join(dir, '.env'), `PORT=${port}\nROOM_CAPACITY=5\nROOM_TTL_SECONDS=120\n`);
      const hush = spawnHush({ ROOM_TTL_SECONDS: '90' }, [], dir);
      let created: { capacity: number; expiresAt: number } | undefined;
      for (let i = 0; i < 100 && !created; i++) {
        created = await fetch(`http://127.0.0.1:${port}/api/rooms`, { method: 'POST' })
          .then((r) => r.json() as Promise<{ capacity: number; expiresAt: number }>)
          .catch(() => new Promise<undefined>((done) => setTimeout(done, 100)));
      }
      expect(created?.capacity).toBe(5);
      expect(created!.expiresAt - Date.now()).toBeLessThanOrEqual(90_000);
      hush.child.kill('SIGTERM');
      expect(await hush.exited).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--help lists every setting with its default', async () => {
    const hush = spawnHush({}, ['--help']);
    expect(await hush.exited).toBe(0);
    for (const [name, setting] of Object.entries(SETTINGS)) {
      const line = hush.output().split('\n').find((l) => l.trim().startsWith(`${name} `));
      expect(line, name).toBeDefined();
      if ('default' in setting) expect(line).toContain(setting.default);
    }
  });
});

describe('npm start -- --help', () => {
  it('--help into a pipe closed early (| head) ends quietly with exit code 0', async () => {
    const hush = spawnHush({}, ['--help']);
    hush.child.stdout!.destroy();
    expect(await hush.exited).toBe(0);
    expect(hush.output()).not.toContain('EPIPE');
  });

  it('prints the settings from the sources, without building, when the build is missing', async () => {
    // A checkout with no dist/: scripts/ and package.json copied, the sources and node_modules linked.
    const dir = mkdtempSync(join(tmpdir(), 'hush-help-'));
    try {
      mkdirSync(join(dir, 'scripts'));
      for (const file of ['start.mjs', 'build-freshness.mjs']) writeFileSync(join(dir, 'scripts', file), readFileSync(join(REPO, 'scripts', file)));
      writeFileSync(join(dir, 'package.json'), readFileSync(join(REPO, 'package.json')));
      symlinkSync(join(REPO, 'src'), join(dir, 'src'));
      symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
      const help = spawnSync(process.execPath, [join(dir, 'scripts/start.mjs'), '--help'], { cwd: dir, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8', timeout: 30_000 });
      expect(help.status).toBe(0);
      for (const name of Object.keys(SETTINGS)) expect(help.stdout, name).toContain(name);
      expect(existsSync(join(dir, 'dist'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('graceful shutdown', () => {
  it('on SIGTERM, sockets are closed with 1012 after in-flight sends are acked, and the process exits 0 in time', async () => {
    const hush = await startHushProcess({ SHUTDOWN_TIMEOUT_MS: '3000', MESSAGE_RATE_LIMIT: '1000' });
    const client = new HttpClient(hush.baseUrl);
    const roomId = (await client.createRoom()).body.roomId as string;
    await client.join(roomId);
    const other = new HttpClient(hush.baseUrl);
    await other.join(roomId);
    const socket = await TestSocket.open(`ws://127.0.0.1:${hush.port}/ws?roomId=${roomId}`, { cookie: client.cookieHeader });
    await socket.next('welcome');
    for (let i = 0; i < 20; i++) socket.send({ type: 'send', id: `late${i}`, body: 'x' });
    await socket.next('ack');
    const started = Date.now();
    hush.child.kill('SIGTERM');
    expect((await socket.waitClosed(5000)).code).toBe(1012);
    expect(await hush.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    // Every send the server acknowledged before closing is stored; none was half-written.
    const acked = socket.ofType('ack').map((a) => a.seq);
    expect(acked).toEqual(Array.from({ length: acked.length }, (_, i) => i + 1));
    expect(hush.output()).toContain('shutting down');
  });

  it('on SIGTERM, the port stops accepting connections while open sockets are still being closed', async () => {
    const hush = await startHushProcess({ SHUTDOWN_TIMEOUT_MS: '3000' });
    const client = new HttpClient(hush.baseUrl);
    const roomId = (await client.createRoom()).body.roomId as string;
    await client.join(roomId);
    const socket = await TestSocket.open(`ws://127.0.0.1:${hush.port}/ws?roomId=${roomId}`, { cookie: client.cookieHeader });
    await socket.next('welcome');
    // A peer that does not answer the closing handshake holds the drain open for SHUTDOWN_TIMEOUT_MS.
    socket.stopReading();
    hush.child.kill('SIGTERM');
    await eventually(() => hush.output().includes('shutting down'), 3000, 'shutdown begun');
    await sleep(200);
    // Refused, not answered: a load balancer then tries the next instance.
    expect(await portRefuses(hush.port)).toBe(true);
    expect(await hush.exited).toBe(0);
  });

  it('LOG_FORMAT=pretty writes human-readable lines instead of JSON', async () => {
    const hush = await startHushProcess({ LOG_FORMAT: 'pretty' });
    await fetch(`${hush.baseUrl}/healthz`);
    hush.child.kill('SIGTERM');
    expect(await hush.exited).toBe(0);
    const serving = hush.output().split('\n').find((line) => line.includes('Hush is serving on'));
    expect(serving).toBeDefined();
    expect(serving!.trim().startsWith('{')).toBe(false);
    expect(serving).toMatch(/INFO/);
  });

  it('npm start: when whatever started it dies without passing a signal on (kill of npm\'s pid), the server is stopped and the port freed', async () => {
    // scripts/start.mjs as `npm start` runs it, from a directory whose fresh dist/server/main.js is the real server
    // (through tsx, so nothing is built here), under a parent that is then killed outright.
    const dir = mkdtempSync(join(tmpdir(), 'hush-start-'));
    mkdirSync(join(dir, 'dist/server'), { recursive: true });
    writeFileSync(join(dir, 'dist/server/main.js'), `await import(${JSON.stringify(pathToFileURL(MAIN).href)});\n`);
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
    const port = await freePort();
    const env = { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_FORMAT: 'json', NODE_OPTIONS: `--import ${TSX_LOADER}` };
    const launcher = `console.log(require('node:child_process').spawn(process.execPath, [${JSON.stringify(join(REPO, 'scripts/start.mjs'))}], { stdio: 'ignore' }).pid); setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['-e', launcher], { cwd: dir, env, stdio: ['ignore', 'pipe', 'ignore'] });
    const startPid = new Promise<number>((resolve) => parent.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString()))));
    try {
      await eventually(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok === true, 20_000, 'server listening');
      parent.kill('SIGKILL');
      await eventually(() => portRefuses(port), 10_000, 'port freed');
    } finally {
      parent.kill('SIGKILL');
      // Should the test fail, the orphans must not outlive it: start.mjs passes SIGTERM on to the server.
      try {
        process.kill(await startPid, 'SIGTERM');
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    }
  }, 40_000);

  it('SIGINT is handled the same way', async () => {
    const hush = await startHushProcess();
    hush.child.kill('SIGINT');
    expect(await hush.exited).toBe(0);
  });
});
