/**
 * Forces a full garbage collection in a server process through its V8
 * inspector (started with --inspect on a loopback port), so the idle
 * scenario reads resident memory that holds live objects rather than
 * whatever garbage the last handshakes left. Used by bench/scenarios/idle.ts.
 */
import http from 'node:http';
import WebSocket from 'ws';

export interface GarbageCollector {
  collect(): Promise<void>;
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

export async function connectGarbageCollector(port: number): Promise<GarbageCollector> {
  const [target] = await inspectorTargets(port);
  if (!target) throw new Error(`no inspector target on port ${port}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let nextId = 1;
  const waiting = new Map<number, () => void>();
  ws.on('message', (data: Buffer) => {
    const reply = JSON.parse(data.toString('utf8')) as { id?: number };
    if (reply.id !== undefined) waiting.get(reply.id)?.();
  });
  const call = (method: string) =>
    new Promise<void>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => reject(new Error(`${method} timed out`)), 30_000);
      waiting.set(id, () => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve();
      });
      ws.send(JSON.stringify({ id, method }));
    });
  return {
    async collect() {
      // Twice: the first pass may only schedule finalisers whose objects the second one frees.
      await call('HeapProfiler.collectGarbage');
      await call('HeapProfiler.collectGarbage');
    },
    close: () => ws.close(),
  };
}
