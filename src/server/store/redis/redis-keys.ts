/**
 * Names of everything Hush keeps in Redis. Every key and the channel of a room
 * carry the room id as a `{hash tag}`, so in a cluster they live in one slot
 * (a script may touch them together, sharded pub/sub lands on the same shard)
 * and `SCAN MATCH *{roomId}*` finds every trace of a room. Used by the Redis
 * store, bus and tests; docs/scale-out.md tabulates the same keys.
 */

export const KEY_PREFIX = 'hush:';

const base = (roomId: string) => `${KEY_PREFIX}{${roomId}}:`;

/** HASH v (the data format), capacity, expiresAt, keyCheck (when the creator sent one), seq (the last sequence number handed out), bytes (of history), each sender's budget. */
export const metaKey = (roomId: string) => `${base(roomId)}meta`;
/** Meta field: the budget window (floor(now / windowMs)) a member last sent in… */
export const windowField = (memberId: string) => `bw:${memberId}`;
/** …and the sends it made in that window. */
export const usedField = (memberId: string) => `bu:${memberId}`;
/** Meta field: `<window>:<id>` of the member's send the budget last refused, which its later sends wait for (SendBudget); '' when none. */
export const heldField = (memberId: string) => `bh:${memberId}`;

/** HASH tokenHash → memberId: the seats. */
export const seatsKey = (roomId: string) => `${base(roomId)}seats`;
/** LIST of memberIds in joining order. */
export const membersKey = (roomId: string) => `${base(roomId)}members`;
/** ZSET of `memberId|connectionId`, scored by the lease expiry (epoch ms by Redis's clock). */
export const presenceKey = (roomId: string) => `${base(roomId)}presence`;
/**
 * LIST of messages, oldest first, contiguous in seq, trimmed to the history limits; each entry is
 * the message-push header and the message's `message` frame, as published (message-push.ts).
 */
export const historyKey = (roomId: string) => `${base(roomId)}history`;
/** ZSET of `from\0id` of the retained messages, scored by seq: the idempotency records, each leaving with its message. */
export const idsKey = (roomId: string) => `${base(roomId)}ids`;

/** Every key a room can have, meta first (the order the delete script expects). */
export function allRoomKeys(roomId: string): string[] {
  return [metaKey, seatsKey, membersKey, presenceKey, historyKey, idsKey].map((key) => key(roomId));
}

const CHANNEL_PREFIX = `${KEY_PREFIX}{`;
const CHANNEL_SUFFIX = '}:events';

/**
 * The pub/sub channel of a room's events (sharded in cluster mode: same slot as its keys). The
 * append script derives it from the meta key (`…meta` → `…events`), so the two must stay in step.
 */
export function roomChannel(roomId: string): string {
  return `${CHANNEL_PREFIX}${roomId}${CHANNEL_SUFFIX}`;
}

/** The room id of a channel made by roomChannel, or undefined for any other channel. */
export function roomIdOfChannel(channel: string): string | undefined {
  if (!channel.startsWith(CHANNEL_PREFIX) || !channel.endsWith(CHANNEL_SUFFIX)) return undefined;
  return channel.slice(CHANNEL_PREFIX.length, channel.length - CHANNEL_SUFFIX.length);
}
