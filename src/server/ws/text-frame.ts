/**
 * A whole server-to-client WebSocket text frame (RFC 6455 §5.2: FIN, opcode 1,
 * no mask, no extension) in one buffer, header and payload together, for
 * MemberSocket to write to the socket in one call.
 *
 * Why not ws.send: for every frame it makes a header buffer and writes header
 * and payload as two chunks through the stream's corked path (a writev with a
 * write request per chunk, and the string encoded on the way). One buffer is one
 * plain write. Only valid while the connection sends nothing compressed
 * (perMessageDeflate is off in the gateway) and ws queues nothing of its own,
 * which it does only for compression; MemberSocket falls back to ws.send when
 * an extension was negotiated.
 */
export function textFrame(payload: string | Buffer): Buffer {
  const length = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(length, 6);
  }
  // Frames are escaped JSON (no lone surrogates), so write fills what byteLength counted; if it did not, the
  // rest of the buffer would be whatever the pool held before.
  const written = typeof payload === 'string' ? frame.write(payload, headerLength, length, 'utf8') : payload.copy(frame, headerLength);
  if (written !== length) throw new Error('frame length changed while framing');
  return frame;
}
