/**
 * The Hush wire protocol: HTTP bodies and WebSocket frames, as zod schemas with
 * their derived types. Imported by the server (to validate every input at the
 * edge) and by the web client (to build requests and read frames), so both
 * sides agree by construction. docs/protocol.md describes the same shapes.
 */
import { z } from 'zod';
import { ERROR_CODE_NAMES } from './errors.js';

/** Room ids are 128 random bits in base64url: exactly 22 characters. */
export const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
export const MESSAGE_ID_MAX_CHARS = 64;
/** Upper bound of a message body in characters; the byte limit of a whole frame is MESSAGE_MAX_BYTES (server config). */
export const BODY_MAX_CHARS = 65_536;

export const roomIdSchema = z.string().regex(ROOM_ID_PATTERN);
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;

/** Whether `text` is not well-formed UTF-16 (String.prototype.isWellFormed, which ES2023 lacks). */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/**
 * Ids must be well-formed UTF-16 (no lone surrogate): stores encode them as UTF-8, where two
 * different lone surrogates would become the same id.
 */
export const messageIdSchema = z
  .string()
  .min(1)
  .max(MESSAGE_ID_MAX_CHARS)
  .refine((id) => !hasLoneSurrogate(id), 'must be well-formed Unicode');
export const messageBodySchema = z.string().min(1).max(BODY_MAX_CHARS);

// ---------------------------------------------------------------- HTTP bodies

/**
 * A room's key check: 16 bytes in base64url (22 characters, the last holding 2 bits and 4 zero bits), derived from the room key by the
 * creator's browser (the web client's keyCheckOf) and kept with the room. A join that brings a
 * different one is refused before it takes a seat, so a link whose key changed on the way (a
 * mangled fragment) cannot fill the room with a member who can read nothing. It reveals nothing
 * usable of a random 256-bit key, and the server never sees the key itself.
 */
export const KEY_CHECK_PATTERN = /^[A-Za-z0-9_-]{21}[AQgw]$/;
const keyCheckSchema = z.string().regex(KEY_CHECK_PATTERN, 'must be 16 bytes in base64url (22 characters)');

export const createRoomRequestSchema = z
  .object({
    ttlSeconds: z.number().int().positive().optional(),
    capacity: z.number().int().positive().optional(),
    keyCheck: keyCheckSchema.optional(),
  })
  .strict();
export type CreateRoomRequest = z.infer<typeof createRoomRequestSchema>;

/** A join may bring the joiner's key check; without one (a client that keeps no key) it is not checked. */
export const joinRoomRequestSchema = z.object({ keyCheck: keyCheckSchema.optional() }).strict();
export type JoinRoomRequest = z.infer<typeof joinRoomRequestSchema>;

/** Destroy takes no body; one sent anyway may hold no field (an empty object, or no body at all). */
export const noBodySchema = z.object({}).strict();

export const sendMessageRequestSchema = z.object({ id: messageIdSchema, body: messageBodySchema }).strict();
export type SendMessageRequest = z.infer<typeof sendMessageRequestSchema>;

/** Most messages one history page holds (`GET …/messages`), whatever HISTORY_LIMIT keeps: the rest comes by paging. */
export const PAGE_MAX_MESSAGES = 1000;

/**
 * A query parameter holding a decimal integer in [min, max]: digits only, so that `0x10`, `1e3`, ` 7`
 * and an empty value are refused rather than read as numbers the way Number() would.
 */
function decimalParameter(min: number, max: number) {
  return z
    .string()
    .regex(/^[0-9]{1,20}$/, 'must be a decimal integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

/** Query strings arrive as text; seq and limit are decimal integers. */
export const listMessagesQuerySchema = z
  .object({
    after: decimalParameter(0, Number.MAX_SAFE_INTEGER).default(0),
    limit: decimalParameter(1, PAGE_MAX_MESSAGES).optional(),
  })
  .strict();

export const wsQuerySchema = z
  .object({
    roomId: z.string(),
    after: decimalParameter(0, Number.MAX_SAFE_INTEGER).default(0),
  })
  .strict();

/** Epoch milliseconds within the range a Date can hold (a larger one makes `toISOString` throw). */
const epochMsSchema = z.number().int().min(0).max(8.64e15);
const seqSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const memberPresenceSchema = z.object({ memberId: z.string(), online: z.boolean() });
export type MemberPresence = z.infer<typeof memberPresenceSchema>;

// The answers of the HTTP API: the server builds them with these types, the web client parses them
// with these schemas (a page must not take a malformed answer into its state).
/** A range a creator may choose from, and what the server picks when the creator does not choose. */
const choiceRangeSchema = z
  .object({ default: z.number().int().positive(), min: z.number().int().positive(), max: z.number().int().positive() })
  .refine((range) => range.min <= range.default && range.default <= range.max, 'default must lie within min…max');

/** `GET /api/limits`: what `POST /api/rooms` accepts on this server (its ROOM_TTL_* and ROOM_CAPACITY* settings). */
export const roomLimitsSchema = z.object({ ttlSeconds: choiceRangeSchema, capacity: choiceRangeSchema });
export type RoomLimits = z.infer<typeof roomLimitsSchema>;

export const createRoomResponseSchema = z.object({ roomId: roomIdSchema, expiresAt: epochMsSchema, capacity: z.number().int().min(1) });
export type CreateRoomResponse = z.infer<typeof createRoomResponseSchema>;

export const roomViewSchema = createRoomResponseSchema.extend({ members: z.array(memberPresenceSchema) });
export type RoomView = z.infer<typeof roomViewSchema>;

export const joinRoomResponseSchema = roomViewSchema.extend({ memberId: z.string() });
export type JoinRoomResponse = z.infer<typeof joinRoomResponseSchema>;

/** One message as stored and relayed. `body` is opaque (ciphertext, base64url in the web client). */
export interface ChatMessage {
  seq: number;
  id: string;
  from: string;
  body: string;
  sentAt: number;
}

export interface ListMessagesResponse {
  messages: ChatMessage[];
}

export interface SendMessageResponse {
  seq: number;
  sentAt: number;
}

// ----------------------------------------------------- client → server frames

export const clientFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('send'), id: messageIdSchema, body: messageBodySchema }),
  z.object({ type: z.literal('typing') }),
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;
export const CLIENT_FRAME_TYPES: ReadonlySet<string> = new Set(['send', 'typing']);

// ----------------------------------------------------- server → client frames

export type EndReason = 'expired' | 'destroyed';

/**
 * Every frame the server sends. The server builds them with `satisfies ServerFrame`; the web
 * client parses each one it receives with this schema and ignores what does not fit, so a
 * malformed frame (a bug, a hostile or mismatched server) cannot break the page.
 */
export const serverFrameSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    memberId: z.string(),
    roomId: z.string(),
    expiresAt: epochMsSchema,
    capacity: z.number().int().min(1),
    members: z.array(memberPresenceSchema),
    /** The server's clock (the store's clock) when the frame was made, for countdowns. */
    serverTime: epochMsSchema,
    /**
     * False when the resume point (`after`) is older than the oldest retained
     * message: messages between `after` and `oldestSeq` were dropped by the
     * history cap and cannot be replayed.
     */
    resumed: z.boolean(),
    /** Oldest seq still retained (0 when the room has no message). */
    oldestSeq: seqSchema,
    /** Highest seq in the room when the replay was read (0 when none). */
    lastSeq: seqSchema,
  }),
  z.object({ type: z.literal('message'), seq: seqSchema, id: z.string(), from: z.string(), body: z.string(), sentAt: epochMsSchema }),
  z.object({ type: z.literal('ack'), id: z.string(), seq: seqSchema }),
  z.object({ type: z.literal('presence'), members: z.array(memberPresenceSchema) }),
  z.object({ type: z.literal('typing'), from: z.string() }),
  z.object({ type: z.literal('destroyed'), reason: z.enum(['expired', 'destroyed']) }),
  /** `id` is present when the error refuses a `send` with that id (rate limit, invalid field, store down). */
  z.object({
    type: z.literal('error'),
    code: z.enum(ERROR_CODE_NAMES),
    message: z.string(),
    id: z.string().optional(),
    /** With `rate_limited` for a send: when the member's send budget renews (then the send may go again). */
    retryAfterMs: z.number().int().nonnegative().optional(),
  }),
]);
export type ServerFrame = z.infer<typeof serverFrameSchema>;
export type WelcomeFrame = Extract<ServerFrame, { type: 'welcome' }>;
