/**
 * A WebSocket client for tests: records every frame, and lets a test wait for
 * the next frame of a kind (with a timeout, so a missing frame fails the test
 * instead of hanging it) or for the close.
 */
import WebSocket from 'ws';
import type { ServerFrame } from '../../src/shared/protocol.js';

type FrameOf<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>;

export interface Closed {
  code: number;
  reason: string;
}

export class TestSocket {
  readonly frames: ServerFrame[] = [];
  readonly closed: Promise<Closed>;
  private readonly taken = new Set<number>();
  private waiters: Array<() => void> = [];
  private closeInfo: Closed | undefined;
  /** Frames the server sent as binary; any makes every wait and read of frames fail. */
  private binaryFrames = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      // Every server frame is JSON text; a binary one is a protocol violation (browsers hand it over as a Blob).
      if (isBinary) this.binaryFrames++;
      else this.frames.push(JSON.parse(data.toString()) as ServerFrame);
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
        this.wake();
      });
    });
    ws.on('error', () => undefined);
  }

  /** Opens a socket; rejects with the HTTP status if the upgrade is refused. */
  static open(url: string, options: { cookie?: string; origin?: string; headers?: Record<string, string> } = {}): Promise<TestSocket> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.cookie) headers.cookie = options.cookie;
    if (options.origin) headers.origin = options.origin;
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    const socket = new TestSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_request, response) => reject(new UpgradeRefused(response.statusCode ?? 0)));
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next not-yet-taken frame of `type` (optionally matching `where`). */
  async next<T extends ServerFrame['type']>(type: T, where: (frame: FrameOf<T>) => boolean = () => true, timeoutMs = 5000): Promise<FrameOf<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.assertTextOnly();
      const index = this.frames.findIndex((frame, i) => !this.taken.has(i) && frame.type === type && where(frame as FrameOf<T>));
      if (index >= 0) {
        this.taken.add(index);
        return this.frames[index] as FrameOf<T>;
      }
      if (this.closeInfo) throw new Error(`socket closed (${this.closeInfo.code}) while waiting for a ${type} frame; got ${this.describe()}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no ${type} frame within ${timeoutMs} ms; got ${this.describe()}`);
      await this.waitForChange(remaining);
    }
  }

  /** Waits until `count` frames of `type` have arrived in total; returns them all. */
  async waitForCount<T extends ServerFrame['type']>(type: T, count: number, timeoutMs = 5000): Promise<FrameOf<T>[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.assertTextOnly();
      const matching = this.frames.filter((frame) => frame.type === type) as FrameOf<T>[];
      if (matching.length >= count) return matching;
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.closeInfo) throw new Error(`only ${matching.length}/${count} ${type} frames (closed: ${this.closeInfo?.code ?? 'no'})`);
      await this.waitForChange(remaining);
    }
  }

  /** Waits for the close; fails if it does not come within the timeout. */
  async waitClosed(timeoutMs = 5000): Promise<Closed> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`socket not closed within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  ofType<T extends ServerFrame['type']>(type: T): FrameOf<T>[] {
    this.assertTextOnly();
    return this.frames.filter((frame) => frame.type === type) as FrameOf<T>[];
  }

  close(): void {
    this.ws.close();
  }

  /** Stops reading from the TCP connection, as a peer that hangs or does not read: the server's frames (pings too) pile up unread. */
  stopReading(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  private describe(): string {
    return JSON.stringify(this.frames.slice(-5)).slice(0, 400);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private assertTextOnly(): void {
    if (this.binaryFrames > 0) throw new Error(`the server sent ${this.binaryFrames} binary frame(s); every server frame must be a text frame`);
  }

  private waitForChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

export class UpgradeRefused extends Error {
  constructor(readonly status: number) {
    super(`upgrade refused with HTTP ${status}`);
  }
}
