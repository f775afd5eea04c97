/**
 * A WebSocket client on a bare TCP socket, for peers that no client library plays: it does the
 * handshake, reads the server's frames, sends text frames, and never answers a close frame (a
 * library answers at once). Enough of RFC 6455 for small text frames and the close.
 */
import { randomBytes } from 'node:crypto';
import { connect as tcpConnect, type Socket } from 'node:net';
import { eventually } from './hush-instance.js';

const OPCODE = { text: 0x1, close: 0x8 } as const;

export class RawWebSocket {
  /** Text frames received, as parsed JSON. */
  readonly frames: Array<{ type: string; [field: string]: unknown }> = [];
  /** The close code the server sent, once it did. */
  closeCode: number | undefined;
  private pending = Buffer.alloc(0);
  private upgraded = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', () => undefined);
  }

  /** Opens `path` (e.g. `/ws?roomId=…`) on `baseUrl` with `cookie`, and resolves once the server has answered 101. */
  static async open(baseUrl: string, path: string, cookie: string): Promise<RawWebSocket> {
    const { hostname, port } = new URL(baseUrl);
    const socket = tcpConnect(Number(port), hostname);
    const raw = new RawWebSocket(socket);
    socket.write(upgradeRequest(path, `${hostname}:${port}`, `Cookie: ${cookie}\r\n`));
    await eventually(() => raw.upgraded, 5000, 'the upgrade');
    return raw;
  }

  /** Sends `text` as one masked text frame (an all-zero mask: the payload goes as it is). */
  sendText(text: string): void {
    const payload = Buffer.from(text);
    if (payload.length >= 126) throw new Error('RawWebSocket sends frames of under 126 bytes only');
    this.socket.write(Buffer.concat([Buffer.from([0x80 | OPCODE.text, 0x80 | payload.length, 0, 0, 0, 0]), payload]));
  }

  ofType(type: string): Array<{ type: string; [field: string]: unknown }> {
    return this.frames.filter((frame) => frame.type === type);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    if (!this.upgraded) {
      const end = this.pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.pending.subarray(0, end).toString();
      if (!head.startsWith('HTTP/1.1 101')) throw new Error(`upgrade refused: ${head.split('\r\n')[0]}`);
      this.upgraded = true;
      this.pending = this.pending.subarray(end + 4);
    }
    // Server frames are unmasked; the ones a test meets are under 64 KiB.
    while (this.pending.length >= 2) {
      const opcode = this.pending[0]! & 0x0f;
      let length = this.pending[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.pending.length < 4) return;
        length = this.pending.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        throw new Error('RawWebSocket reads frames of under 64 KiB only');
      }
      if (this.pending.length < offset + length) return;
      const payload = this.pending.subarray(offset, offset + length);
      this.pending = this.pending.subarray(offset + length);
      if (opcode === OPCODE.text) this.frames.push(JSON.parse(payload.toString()) as { type: string });
      else if (opcode === OPCODE.close) this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
    }
  }
}

/** The bytes of a WebSocket upgrade request for `target` (any text: no client library would send some of them). */
export function upgradeRequest(target: string, host: string, extraHeaders = ''): string {
  return (
    `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
    `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n${extraHeaders}\r\n`
  );
}
