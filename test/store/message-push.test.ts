/**
 * The format of a message on a Redis room channel (message-push.ts), which
 * the append script writes and every instance reads: the header must survive
 * any id a client may choose, and the frame must come out byte for byte.
 * The protocol suite covers the script's side end to end (test/protocol/redis.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { messageFrame } from '../../src/server/room/server-frames.js';
import { decodeMessagePush, encodeMessagePush, isMessagePush } from '../../src/server/store/redis/message-push.js';

describe('message push format', () => {
  const ids = ['m1', 'with,commas,', 'nul\u0000inside', 'ünïcødé €', 'emoji 😀', '{"json":"looking"}', 'x'.repeat(64)];
  for (const id of ids) {
    it(`round-trips the header and the frame's bytes for id ${JSON.stringify(id)}`, () => {
      const message = { seq: 1234, id, from: 'AbCdEfGhIjKlMnOp', body: 'c2VjcmV0IGJvZHk', sentAt: 1_764_547_200_123 };
      const frame = messageFrame(message);
      const payload = Buffer.from(encodeMessagePush(message, frame));
      expect(isMessagePush(payload)).toBe(true);
      const decoded = decodeMessagePush(payload);
      expect(decoded?.message).toEqual({ seq: message.seq, id, from: message.from, sentAt: message.sentAt });
      expect(decoded?.frame.toString('utf8')).toBe(frame);
      expect(JSON.parse(decoded!.frame.toString('utf8'))).toEqual({ type: 'message', ...message });
    });
  }

  it('tells other events (JSON) apart and refuses malformed payloads', () => {
    expect(isMessagePush(Buffer.from('{"type":"presence","members":[]}'))).toBe(false);
    for (const bad of ['', '12', '1,2', '1,2,3', 'x,2,3,a\u0000b{}', '1,2,99,a\u0000b{}', '1,2,3,abc{}', '1,2,3,a\u0000bnot-a-frame']) {
      expect(decodeMessagePush(Buffer.from(bad)), bad).toBeUndefined();
    }
  });
});
