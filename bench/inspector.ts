/**
 * A session with a server process's V8 inspector (the process started with
 * --inspect on a loopback port), for what the benchmark asks of a running
 * server: a full garbage collection before reading resident memory (the idle
 * scenario), and a CPU profile of just the measured seconds (bench/steady.ts).
 */
import http from 'node:http';
import WebSocket from 'ws';

export interface Inspector {
  /** One protocol method; resolves with its result. */
  call<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
  /** A full collection, twice: the first pass may only schedule finalisers whose objects the second one frees. */
  collectGarbage(): Promise<void>;
  close(): void;
}

function inspectorTargets(port: number): Promise<Array<{ webSocketDebuggerUrl: string }>> {
  return new Promise((resolve, reject) => {
    const request = http.get(`http://127.0.0.1:${port}/json/list`, { timeout: 2000 }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () => {
        try {
          resolve(JSON.parse(text) as Array<{ webSocketDebuggerUrl: string }>);
        } catch (error) {
          reject(error as Error);
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error('inspector did not answer')));
    request.on('error', reject);
  });
}

export async function connectInspector(port: number): Promise<Inspector> {
  const [target] = await inspectorTargets(port);
  if (!target) throw new Error(`no inspector target on port ${port}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl, { perMessageDeflate: false, maxPayload: 1 << 30 });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let nextId = 1;
  const waiting = new Map<number, (reply: { result?: unknown; error?: { message: string } }) => void>();
  ws.on('message', (data: Buffer) => {
    const reply = JSON.parse(data.toString('utf8')) as { id?: number; result?: unknown; error?: { message: string } };
    if (reply.id !== undefined) waiting.get(reply.id)?.(reply);
  });
  const call = <T>(method: string, params?: Record<string, unknown>) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => reject(new Error(`${method} timed out`)), 60_000);
      waiting.set(id, (reply) => {
        clearTimeout(timer);
        waiting.delete(id);
        if (reply.error) reject(new Error(`${method}: ${reply.error.message}`));
        else resolve(reply.result as T);
      });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return {
    call,
    async collectGarbage() {
      await call('HeapProfiler.collectGarbage');
      await call('HeapProfiler.collectGarbage');
    },
    close: () => ws.close(),
  };
}
