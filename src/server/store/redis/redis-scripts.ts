/**
 * The Lua scripts behind every RoomStore operation that must be atomic or needs
 * Redis's clock: each runs in one round trip, touches only the keys of one room
 * (one hash slot, so they work on a cluster), and treats a room whose meta key
 * is gone (expired or destroyed) as absent — no script ever re-creates a key of
 * a room that has ended. Registered on the client with ioredis `scripts`
 * (EVALSHA, with EVAL as fallback after a Redis restart).
 */

/** Redis's own clock, in epoch ms; scripts use it for sentAt and presence leases. */
const NOW = `
local function now_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
`;

/** Members in joining order with an online flag: 1 if any lease of theirs is still running. */
const PRESENCE = `
local function presence(members_key, presence_key, now)
  local members = redis.call('LRANGE', members_key, 0, -1)
  local online = {}
  for _, entry in ipairs(redis.call('ZRANGEBYSCORE', presence_key, '(' .. string.format('%d', now), '+inf')) do
    online[string.match(entry, '^[^|]*')] = true
  end
  local flags = {}
  for i, member in ipairs(members) do
    flags[i] = online[member] and 1 or 0
  end
  return {members, flags}
end
`;

/** KEYS: meta. ARGV: capacity, expiresAt. */
const CREATE_ROOM = `
redis.call('HSET', KEYS[1], 'capacity', ARGV[1], 'expiresAt', ARGV[2], 'seq', 0)
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
`;

/**
 * KEYS: meta, seats, members. ARGV: tokenHash, candidateMemberId.
 * Returns {'not_found'} | {'full'} | {'seated', memberId, isNew}.
 */
const CLAIM_SEAT = `
local meta = redis.call('HMGET', KEYS[1], 'expiresAt', 'capacity')
if not meta[1] then return {'not_found'} end
local existing = redis.call('HGET', KEYS[2], ARGV[1])
if existing then return {'seated', existing, 0} end
if redis.call('HLEN', KEYS[2]) >= tonumber(meta[2]) then return {'full'} end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('RPUSH', KEYS[3], ARGV[2])
redis.call('PEXPIREAT', KEYS[2], meta[1])
redis.call('PEXPIREAT', KEYS[3], meta[1])
return {'seated', ARGV[2], 1}
`;

/**
 * KEYS: meta, history, sent, sentOrder.
 * ARGV: dedupField (from\\0id), jsonTail (',"id":…,"from":…,"body":…,"sentAt":'),
 *       historyLimit, dedupLimit, historyMaxBytes (the meta hash's `bytes` field sums the entries),
 *       channel, publishCommand (PUBLISH, or SPUBLISH in a cluster: the channel shares the room's slot).
 * Publishing here, in the same atomic step that assigns the seq, puts messages on the channel in
 * seq order and saves the instance a round trip per message.
 * Returns nil (no room) | {0, 'seq:sentAt'} (duplicate) | {1, seq, sentAt}.
 * The message's JSON is assembled from a tail the instance escaped, so Redis
 * never parses or escapes a body.
 */
const APPEND_MESSAGE = `${NOW}
local expires_at = redis.call('HGET', KEYS[1], 'expiresAt')
if not expires_at then return false end
local previous = redis.call('HGET', KEYS[3], ARGV[1])
if previous then return {0, previous} end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local sent_at = now_ms()
local seq_text = string.format('%d', seq)
local sent_at_text = string.format('%d', sent_at)
local entry = '{"seq":' .. seq_text .. ARGV[2] .. sent_at_text .. '}'
local length = redis.call('RPUSH', KEYS[2], entry)
local bytes = redis.call('HINCRBY', KEYS[1], 'bytes', #entry)
local max_messages = tonumber(ARGV[3])
local max_bytes = tonumber(ARGV[5])
while length > 1 and (length > max_messages or bytes > max_bytes) do
  bytes = redis.call('HINCRBY', KEYS[1], 'bytes', -#redis.call('LPOP', KEYS[2]))
  length = length - 1
end
redis.call(ARGV[7], ARGV[6], '{"type":"message","message":' .. entry .. '}')
redis.call('HSET', KEYS[3], ARGV[1], seq_text .. ':' .. sent_at_text)
if redis.call('RPUSH', KEYS[4], ARGV[1]) > tonumber(ARGV[4]) then
  redis.call('HDEL', KEYS[3], redis.call('LPOP', KEYS[4]))
end
redis.call('PEXPIREAT', KEYS[2], expires_at)
redis.call('PEXPIREAT', KEYS[3], expires_at)
redis.call('PEXPIREAT', KEYS[4], expires_at)
return {1, seq, sent_at}
`;

/**
 * KEYS: meta, history. ARGV: afterSeq, limit.
 * Returns {oldestSeq, lastSeq, {json…}}. History is contiguous in seq, so the
 * position of seq s is s - oldestSeq: no search.
 */
const READ_MESSAGES = `
local last = redis.call('HGET', KEYS[1], 'seq')
if not last then return {0, 0, {}} end
last = tonumber(last)
local length = redis.call('LLEN', KEYS[2])
if length == 0 then return {0, last, {}} end
local oldest = last - length + 1
local start = tonumber(ARGV[1]) + 1 - oldest
if start < 0 then start = 0 end
local limit = tonumber(ARGV[2])
if limit <= 0 or start >= length then return {oldest, last, {}} end
return {oldest, last, redis.call('LRANGE', KEYS[2], start, start + limit - 1)}
`;

/** KEYS: members, presence. Returns {memberIds, onlineFlags}. */
const LIST_MEMBERS = `${NOW}${PRESENCE}
return presence(KEYS[1], KEYS[2], now_ms())
`;

/**
 * KEYS: meta, members, presence. ARGV: 'memberId|connectionId', open (1|0), leaseMs.
 * Drops lapsed leases (instances that died), then adds or removes this one.
 * Returns {memberIds, onlineFlags}; both empty if the room is gone.
 */
const SET_CONNECTION = `${NOW}${PRESENCE}
local expires_at = redis.call('HGET', KEYS[1], 'expiresAt')
if not expires_at then return {{}, {}} end
local now = now_ms()
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', string.format('%d', now))
if ARGV[2] == '1' then
  redis.call('ZADD', KEYS[3], string.format('%d', now + tonumber(ARGV[3])), ARGV[1])
  redis.call('PEXPIREAT', KEYS[3], expires_at)
else
  redis.call('ZREM', KEYS[3], ARGV[1])
end
return presence(KEYS[2], KEYS[3], now)
`;

/**
 * KEYS: meta, presence. ARGV: leaseMs, entry… (this instance's open connections in the room).
 * Extends their leases; returns 0 if the room is gone (the caller forgets it), else 1.
 */
const RENEW_LEASES = `${NOW}
local expires_at = redis.call('HGET', KEYS[1], 'expiresAt')
if not expires_at then return 0 end
local lease_end = string.format('%d', now_ms() + tonumber(ARGV[1]))
local args = {}
for i = 2, #ARGV do
  args[#args + 1] = lease_end
  args[#args + 1] = ARGV[i]
  if #args >= 1000 then
    redis.call('ZADD', KEYS[2], unpack(args))
    args = {}
  end
end
if #args > 0 then redis.call('ZADD', KEYS[2], unpack(args)) end
redis.call('PEXPIREAT', KEYS[2], expires_at)
return 1
`;

/** KEYS: every key of the room, meta first. Returns 1 if the room was live. */
const DELETE_ROOM = `
local existed = redis.call('EXISTS', KEYS[1])
redis.call('DEL', unpack(KEYS))
return existed
`;

/** The `scripts` option of an ioredis client (Redis or Cluster). */
export const HUSH_SCRIPTS = {
  hushCreateRoom: { lua: CREATE_ROOM, numberOfKeys: 1 },
  hushClaimSeat: { lua: CLAIM_SEAT, numberOfKeys: 3 },
  hushAppendMessage: { lua: APPEND_MESSAGE, numberOfKeys: 4 },
  hushReadMessages: { lua: READ_MESSAGES, numberOfKeys: 2, readOnly: true },
  hushListMembers: { lua: LIST_MEMBERS, numberOfKeys: 2, readOnly: true },
  hushSetConnection: { lua: SET_CONNECTION, numberOfKeys: 3 },
  hushRenewLeases: { lua: RENEW_LEASES, numberOfKeys: 2 },
  hushDeleteRoom: { lua: DELETE_ROOM, numberOfKeys: 7 },
} as const;

type Arg = string | number;

/** The commands HUSH_SCRIPTS adds to a client, with the replies the scripts return. */
export interface HushScriptCommands {
  hushCreateRoom(meta: string, capacity: Arg, expiresAt: Arg): Promise<number>;
  hushClaimSeat(meta: string, seats: string, members: string, tokenHash: string, candidate: string): Promise<[string, string?, number?]>;
  hushAppendMessage(
    meta: string,
    history: string,
    sent: string,
    sentOrder: string,
    dedupField: string,
    jsonTail: string,
    historyLimit: Arg,
    dedupLimit: Arg,
    historyMaxBytes: Arg,
    channel: string,
    publishCommand: 'PUBLISH' | 'SPUBLISH',
  ): Promise<null | [0, string] | [1, number, number]>;
  hushReadMessages(meta: string, history: string, afterSeq: Arg, limit: Arg): Promise<[number, number, string[]]>;
  hushListMembers(members: string, presence: string): Promise<[string[], number[]]>;
  hushSetConnection(meta: string, members: string, presence: string, entry: string, open: Arg, leaseMs: Arg): Promise<[string[], number[]]>;
  hushRenewLeases(meta: string, presence: string, leaseMs: Arg, ...entries: string[]): Promise<number>;
  hushDeleteRoom(...keys: string[]): Promise<number>;
}
