/**
 * The edge's frame parser (src/server/ws/frames.ts): the fast recognition of
 * the common frames must accept only what the shared zod schema accepts, with
 * the same output, so that the schema stays the one definition of a frame.
 * And the server's own frames (src/server/room/server-frames.ts), assembled
 * by hand for speed, must be exactly the JSON that JSON.stringify would write.
 */
import { describe, expect, it } from 'vitest';
import { BODY_MAX_CHARS, clientFrameSchema, MESSAGE_ID_MAX_CHARS } from '../../src/shared/protocol.js';
import { acceptsWithoutZod, parseClientFrame } from '../../src/server/ws/frames.js';
import { jsonString, messageFrame } from '../../src/server/room/server-frames.js';

/** Frames around every rule of the schema: types, lengths at and past their bounds, extra and missing fields. */
function corpus(): unknown[] {
  const ids: unknown[] = [
    '', 'a', 'x'.repeat(MESSAGE_ID_MAX_CHARS), 'x'.repeat(MESSAGE_ID_MAX_CHARS + 1), '😀'.repeat(32), '😀'.repeat(33),
    '\ud800', 'a\udfff', '\ude00\ud83d', 7, null, undefined, ['a'], { a: 1 },
  ];
  const bodies: unknown[] = ['', 'b', 'é', 'x'.repeat(BODY_MAX_CHARS), 'x'.repeat(BODY_MAX_CHARS + 1), 0, false, null, undefined, {}];
  const types: unknown[] = ['send', 'typing', 'Send', 'message', '', 1, null, undefined];
  const frames: unknown[] = [];
  for (const type of types) {
    for (const id of ids) {
      for (const body of bodies) {
        const frame: Record<string, unknown> = {};
        if (type !== undefined) frame.type = type;
        if (id !== undefined) frame.id = id;
        if (body !== undefined) frame.body = body;
        frames.push(frame, { ...frame, from: 'forged', seq: 99 });
      }
    }
  }
  return frames;
}

describe('client frames', () => {
  it('the fast path accepts exactly what the zod schema accepts among well-formed sends and typing, with the same output', () => {
    let accepted = 0;
    for (const value of corpus()) {
      const fast = acceptsWithoutZod(value as object);
      const schema = clientFrameSchema.safeParse(value);
      if (fast) {
        accepted++;
        expect(schema.success, JSON.stringify(value).slice(0, 200)).toBe(true);
        expect(fast).toEqual(schema.data);
      } else if (schema.success) {
        // The schema accepted something the fast path left to it: still the same frame through parseClientFrame.
        expect(parseClientFrame(JSON.stringify(value))).toEqual({ ok: true, frame: schema.data });
      }
    }
    expect(accepted).toBeGreaterThan(100);
  });

  it('keeps only the schema’s fields: a forged from or seq never passes the edge', () => {
    const parsed = parseClientFrame(JSON.stringify({ type: 'send', id: 'm1', body: 'x', from: 'someone-else', seq: 1 }));
    expect(parsed).toEqual({ ok: true, frame: { type: 'send', id: 'm1', body: 'x' } });
  });

  it('refusals still come from the schema, with the field and the send’s id', () => {
    expect(parseClientFrame('{"type":"send","id":"m2","body":""}')).toMatchObject({ ok: false, code: 'invalid_frame', id: 'm2' });
    expect(parseClientFrame('{"type":"send","id":"","body":"x"}')).toMatchObject({ ok: false, code: 'invalid_frame' });
    // An id that is not well-formed UTF-16 would change on its way through UTF-8 (Redis): refused.
    expect(parseClientFrame('{"type":"send","id":"\\ud800","body":"x"}')).toMatchObject({ ok: false, code: 'invalid_frame' });
    expect(parseClientFrame('{"type":"shout"}')).toMatchObject({ ok: false, code: 'unknown_type' });
    expect(parseClientFrame('[1]')).toMatchObject({ ok: false, code: 'invalid_frame' });
    expect(parseClientFrame('{')).toMatchObject({ ok: false, code: 'invalid_json' });
  });
});

describe('server frames', () => {
  it('jsonString quotes like JSON.stringify for every UTF-16 code unit, alone and among others', () => {
    for (let unit = 0; unit < 0x10000; unit++) {
      const char = String.fromCharCode(unit);
      for (const text of [char, `a${char}b`]) expect(jsonString(text)).toBe(JSON.stringify(text));
    }
    for (const text of ['', '😀', 'a\ud83d', '\ude00z', 'x'.repeat(1000), 'c2VjcmV0-_', '2f0c1a52-8d7e-4b9a-a1c3-000000000001']) {
      expect(jsonString(text)).toBe(JSON.stringify(text));
    }
  });

  it('a message frame, assembled from its escaped pieces, is the JSON of the message', () => {
    const message = { seq: 7, id: 'id "quoted" \\ \n', from: 'AbCdEfGhIjKl', body: 'body\u0000\u2028😀\ud800', sentAt: 1_764_547_200_123 };
    expect(JSON.parse(messageFrame(message))).toEqual({ type: 'message', ...message });
    expect(messageFrame(message)).toBe(JSON.stringify({ type: 'message', ...message }));
  });
});
