/**
 * Names of everything Hush keeps in Redis. Every key and the channel of a room
 * carry the room id as a `{hash tag}`, so in a cluster they live in one slot
 * (a script may touch them together, sharded pub/sub lands on the same shard)
 * and `SCAN MATCH *{roomId}*` finds every trace of a room. Used by the Redis
 * store, bus and tests; docs/scale-out.md tabulates the same keys.
 */

export const KEY_PREFIX = 'hush:';

const base = (roomId: string) => `${KEY_PREFIX}{${roomId}}:`;

/** HASH capacity, expiresAt, seq (the last sequence number handed out), bytes (of history), and a budgetField per sender. */
export const metaKey = (roomId: string) => `${base(roomId)}meta`;
/** Field of the meta hash holding a member's send budget: `<window end ms>:<points used>`. */
export const budgetField = (memberId: string) => `budget:${memberId}`;
/** HASH tokenHash → memberId: the seats. */
export const seatsKey = (roomId: string) => `${base(roomId)}seats`;
/** LIST of memberIds in joining order. */
export const membersKey = (roomId: string) => `${base(roomId)}members`;
/** ZSET of `memberId|connectionId`, scored by the lease expiry (epoch ms by Redis's clock). */
export const presenceKey = (roomId: string) => `${base(roomId)}presence`;
/** LIST of messages as their `message` frames (JSON), oldest first, contiguous in seq, trimmed to the history limit. */
export const historyKey = (roomId: string) => `${base(roomId)}history`;
/** HASH `from\0id` → `seq:sentAt`: the idempotency records. */
export const sentKey = (roomId: string) => `${base(roomId)}sent`;
/** LIST of `from\0id` in sending order, so the oldest idempotency record is forgotten first. */
export const sentOrderKey = (roomId: string) => `${base(roomId)}sent-order`;

/** Every key a room can have, meta first (the order the delete script expects). */
export function allRoomKeys(roomId: string): string[] {
  return [metaKey, seatsKey, membersKey, presenceKey, historyKey, sentKey, sentOrderKey].map((key) => key(roomId));
}

const CHANNEL_PREFIX = `${KEY_PREFIX}{`;
const CHANNEL_SUFFIX = '}:events';

/** The pub/sub channel of a room's events (sharded in cluster mode: same slot as its keys). */
export function roomChannel(roomId: string): string {
  return `${CHANNEL_PREFIX}${roomId}${CHANNEL_SUFFIX}`;
}

/** The room id of a channel made by roomChannel, or undefined for any other channel. */
export function roomIdOfChannel(channel: string): string | undefined {
  if (!channel.startsWith(CHANNEL_PREFIX) || !channel.endsWith(CHANNEL_SUFFIX)) return undefined;
  return channel.slice(CHANNEL_PREFIX.length, channel.length - CHANNEL_SUFFIX.length);
}
