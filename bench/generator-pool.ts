/**
 * The parent's side of the load generators: forks N bench/generator.ts
 * processes (so the generator is not capped by one core) and sends them
 * commands over IPC, one request at a time per process, each bounded in time.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Endpoint, GeneratorCommand, GeneratorReply, GeneratorResult, SetupResult, StepResult } from './ipc.js';
import { REPO_ROOT } from './targets.js';

interface Pending {
  resolve(result: GeneratorResult): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class GeneratorPool {
  private readonly pending = new Map<number, Pending>();
  private nextRequest = 0;
  /** Rooms each generator holds, per group, for splitting an offered rate in proportion. */
  private readonly rooms = new Map<string, number[]>();

  private constructor(private readonly children: ChildProcess[]) {
    for (const child of children) {
      child.on('message', (reply: GeneratorReply) => {
        const pending = this.pending.get(reply.requestId);
        if (!pending) return;
        this.pending.delete(reply.requestId);
        clearTimeout(pending.timer);
        if (reply.ok) pending.resolve(reply.result);
        else pending.reject(new Error(`generator: ${reply.error}`));
      });
      child.on('exit', (code, signal) => {
        for (const [id, pending] of this.pending) {
          this.pending.delete(id);
          clearTimeout(pending.timer);
          pending.reject(new Error(`a generator process exited (${code ?? signal})`));
        }
      });
    }
  }

  static start(count: number): GeneratorPool {
    const children = Array.from({ length: count }, () =>
      fork(join(REPO_ROOT, 'bench/generator.ts'), [], {
        cwd: REPO_ROOT,
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    return new GeneratorPool(children);
  }

  get size(): number {
    return this.children.length;
  }

  get pids(): number[] {
    return this.children.map((child) => child.pid!).filter(Boolean);
  }

  request<T extends GeneratorResult>(index: number, command: GeneratorCommand, timeoutMs = 300_000): Promise<T> {
    const requestId = this.nextRequest++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new Error(`generator ${index}: ${command.type} took longer than ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(requestId, { resolve: resolve as (result: GeneratorResult) => void, reject, timer });
      this.children[index]!.send({ requestId, command });
    });
  }

  /** Sends each generator its command (skipping undefined) at once and waits for all. */
  async all<T extends GeneratorResult>(commandFor: (index: number) => GeneratorCommand | undefined, timeoutMs?: number): Promise<T[]> {
    const requests: Array<Promise<T>> = [];
    for (let i = 0; i < this.children.length; i++) {
      const command = commandFor(i);
      if (command) requests.push(this.request<T>(i, command, timeoutMs));
    }
    return Promise.all(requests);
  }

  /** Splits `total` into one share per generator (earlier ones take the remainder). */
  split(total: number): number[] {
    return this.children.map((_, i) => Math.floor(total / this.size) + (i < total % this.size ? 1 : 0));
  }

  /** Rooms of `group` held by each generator. */
  roomsOf(group: string): number[] {
    return this.rooms.get(group) ?? this.children.map(() => 0);
  }

  /** Creates rooms (two members each) of `group`, split across the generators (or all in one); sockets come with connectAll. */
  async addRooms(group: string, total: number, endpoints: { create: Endpoint; a: Endpoint; b: Endpoint }, onlyGenerator?: number): Promise<SetupResult> {
    const shares = onlyGenerator === undefined ? this.split(total) : this.children.map((_, i) => (i === onlyGenerator ? total : 0));
    const prepared = await this.all<SetupResult>((i) => (shares[i]! > 0 ? { type: 'prepare', group, count: shares[i]!, concurrency: 32, ...endpoints } : undefined));
    const held = this.roomsOf(group);
    this.rooms.set(group, held.map((rooms, i) => rooms + shares[i]!));
    return sumSetup(prepared);
  }

  /** Runs one step on `group`'s rooms: each generator offers its share of `rate` (in proportion to its rooms). */
  async step(group: string, step: number, rate: number, durationMs: number, drainMs: number): Promise<StepResult[]> {
    const held = this.roomsOf(group);
    const total = held.reduce((sum, rooms) => sum + rooms, 0);
    return this.all<StepResult>(
      (i) => (held[i]! > 0 ? { type: 'step', group, step, rate: (rate * held[i]!) / total, durationMs, drainMs } : undefined),
      durationMs + drainMs + 60_000,
    );
  }

  async connectAll(): Promise<SetupResult> {
    return sumSetup(await this.all<SetupResult>(() => ({ type: 'connect', concurrency: 100 })));
  }

  async reset(): Promise<void> {
    await this.all(() => ({ type: 'reset' }), 60_000);
    this.rooms.clear();
  }

  close(): void {
    for (const child of this.children) child.kill('SIGTERM');
  }
}

function sumSetup(results: SetupResult[]): SetupResult {
  const total: SetupResult = { ok: 0, failures: 0 };
  for (const result of results) {
    total.ok += result.ok;
    total.failures += result.failures;
    if (result.firstError) total.firstError ??= result.firstError;
  }
  return total;
}
