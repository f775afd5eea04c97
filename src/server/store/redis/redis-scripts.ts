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

/** KEYS: meta. ARGV: capacity, expiresAt. The meta hash also holds `seq`, `bytes` (of history) and one `budget:<memberId>` per sender. */
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
 * A member's send budget: a field of the room's meta hash holding
 * "<window end ms>:<points used>", fixed windows as in rate-limiter-flexible.
 * spend_budget returns whether the point was within budget and the field's new
 * value, which the caller writes back (together with its other meta fields).
 */
const BUDGET = `
local function spend_budget(stored, now, points, window_ms)
  local ends_at, used = 0, 0
  if stored then
    local sep = string.find(stored, ':', 1, true)
    ends_at = tonumber(string.sub(stored, 1, sep - 1))
    used = tonumber(string.sub(stored, sep + 1))
  end
  if now >= ends_at then
    ends_at = now + window_ms
    used = 0
  end
  used = used + 1
  return used <= points, string.format('%d:%d', ends_at, used)
end
`;

/**
 * KEYS: meta, history, sent, sentOrder.
 * ARGV: dedupField (from\\0id), jsonTail (',"id":…,"from":…,"body":…,"sentAt":'), budgetField,
 *       channel, publishCommand (PUBLISH, or SPUBLISH in a cluster: the channel shares the room's slot),
 *       historyLimit, historyMaxBytes (the meta hash's `bytes` field sums the entries), dedupLimit,
 *       budgetPoints, budgetWindowMs.
 * One round trip per send: the budget, the idempotency check, the seq, the history and its trim,
 * and the publish, in one atomic step. Publishing here puts messages on the channel in seq order;
 * what it publishes is a small header and the frame (message-push.ts).
 * The entry stored and published is the client's `message` frame itself, assembled from a tail
 * the instance escaped (Redis never parses or escapes a body, instances never re-serialise it).
 * A key's expiry is set when the key is made: every key of a room expires at its expiresAt.
 * Returns nil (no room) | {0, 'seq:sentAt'} (duplicate) | {1, seq, sentAt} | {2} (over budget).
 */
const APPEND_MESSAGE = `${NOW}${BUDGET}
local meta = redis.call('HMGET', KEYS[1], 'expiresAt', 'seq', 'bytes', ARGV[3])
local expires_at = meta[1]
if not expires_at then return false end
local now = now_ms()
local within, budget = spend_budget(meta[4], now, tonumber(ARGV[9]), tonumber(ARGV[10]))
if not within then
  redis.call('HSET', KEYS[1], ARGV[3], budget)
  return {2}
end
local previous = redis.call('HGET', KEYS[3], ARGV[1])
if previous then
  redis.call('HSET', KEYS[1], ARGV[3], budget)
  return {0, previous}
end
local seq_text = string.format('%d', tonumber(meta[2]) + 1)
local sent_at_text = string.format('%d', now)
local entry = '{"type":"message","seq":' .. seq_text .. ARGV[2] .. sent_at_text .. '}'
local length = redis.call('RPUSH', KEYS[2], entry)
if length == 1 then redis.call('PEXPIREAT', KEYS[2], expires_at) end
local bytes = tonumber(meta[3] or '0') + #entry
local max_messages = tonumber(ARGV[6])
local max_bytes = tonumber(ARGV[7])
while length > 1 and (length > max_messages or bytes > max_bytes) do
  bytes = bytes - #redis.call('LPOP', KEYS[2])
  length = length - 1
end
redis.call('HSET', KEYS[1], 'seq', seq_text, 'bytes', bytes, ARGV[3], budget)
-- The push: '<seq>,<sentAt>,<byte length of from\\0id>,<from>\\0<id>' then the frame (message-push.ts).
redis.call(ARGV[5], ARGV[4], seq_text .. ',' .. sent_at_text .. ',' .. #ARGV[1] .. ',' .. ARGV[1] .. entry)
redis.call('HSET', KEYS[3], ARGV[1], seq_text .. ':' .. sent_at_text)
local records = redis.call('RPUSH', KEYS[4], ARGV[1])
if records == 1 then
  redis.call('PEXPIREAT', KEYS[3], expires_at)
  redis.call('PEXPIREAT', KEYS[4], expires_at)
elseif records > tonumber(ARGV[8]) then
  redis.call('HDEL', KEYS[3], redis.call('LPOP', KEYS[4]))
end
return {1, tonumber(seq_text), now}
`;

/** KEYS: meta. ARGV: budgetField, budgetPoints, budgetWindowMs. Returns 1 if within budget, 0 if not or the room is gone. */
const SPEND_BUDGET = `${NOW}${BUDGET}
local meta = redis.call('HMGET', KEYS[1], 'expiresAt', ARGV[1])
if not meta[1] then return 0 end
local within, budget = spend_budget(meta[2], now_ms(), tonumber(ARGV[2]), tonumber(ARGV[3]))
redis.call('HSET', KEYS[1], ARGV[1], budget)
return within and 1 or 0
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
  hushSpendBudget: { lua: SPEND_BUDGET, numberOfKeys: 1 },
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
    budgetField: string,
    channel: string,
    publishCommand: 'PUBLISH' | 'SPUBLISH',
    historyLimit: Arg,
    historyMaxBytes: Arg,
    dedupLimit: Arg,
    budgetPoints: Arg,
    budgetWindowMs: Arg,
  ): Promise<null | [0, string] | [1, number, number] | [2]>;
  hushSpendBudget(meta: string, budgetField: string, budgetPoints: Arg, budgetWindowMs: Arg): Promise<number>;
  hushReadMessages(meta: string, history: string, afterSeq: Arg, limit: Arg): Promise<[number, number, string[]]>;
  hushListMembers(members: string, presence: string): Promise<[string[], number[]]>;
  hushSetConnection(meta: string, members: string, presence: string, entry: string, open: Arg, leaseMs: Arg): Promise<[string[], number[]]>;
  hushRenewLeases(meta: string, presence: string, leaseMs: Arg, ...entries: string[]): Promise<number>;
  hushDeleteRoom(...keys: string[]): Promise<number>;
}
