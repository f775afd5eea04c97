/**
 * The Lua scripts behind every RoomStore operation that must be atomic or needs
 * Redis's clock: each runs in one round trip, touches only the keys of one room
 * (one hash slot, so they work on a cluster), and treats a room whose meta key
 * is gone (expired or destroyed) as absent — no script ever re-creates a key of
 * a room that has ended. Registered on the client with ioredis `scripts`
 * (EVALSHA, with EVAL as fallback after a Redis restart).
 */

/** Redis's own clock, in epoch ms; scripts use it for presence leases. */
const NOW = `
local function now_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
`;

/**
 * The from\\0id of a history entry, read from its message-push header, and where the header's
 * first two commas are (the seq before the first, the sentAt between them); nil for an entry
 * that is not one (a script must never fail halfway: Redis does not roll back its writes).
 */
const HEADER = `
local function scoped_id(entry)
  local after_seq = string.find(entry, ',', 1, true)
  local after_sent_at = after_seq and string.find(entry, ',', after_seq + 1, true)
  local after_length = after_sent_at and string.find(entry, ',', after_sent_at + 1, true)
  local scoped_length = after_length and tonumber(string.sub(entry, after_sent_at + 1, after_length - 1))
  if not scoped_length then return nil end
  return string.sub(entry, after_length + 1, after_length + scoped_length), after_seq, after_sent_at
end
`;

/**
 * The version of a room's data in Redis, in its meta hash (field v). A room without it was made by
 * an earlier version whose entries these scripts cannot read: they treat it as absent, so it ends
 * for the new version's clients and its keys expire by their TTL (see docs/scale-out.md).
 */
export const FORMAT = '2';

/**
 * One point of a sender's budget: its stored window and count, and the window of now (text).
 * The same window counts on. A stored window just one ahead counts on too: another instance's
 * clock may be a few milliseconds ahead at a boundary, and an earlier window must not restart a
 * later one. Anything else (a later window, or a stored one far ahead after a clock step) starts
 * afresh. Returns the window to store and the count including this point.
 */
const SPEND = `
local function spend(stored_window, stored_used, window)
  if stored_window == window then return window, (tonumber(stored_used) or 0) + 1 end
  if stored_window and tonumber(stored_window) == tonumber(window) + 1 then
    return stored_window, (tonumber(stored_used) or 0) + 1
  end
  return window, 1
end
`;

/**
 * The hold of a refused send on the sender's later ones (room-store.ts SendBudget): held is the stored
 * '<window>:<id>' (false or '' when none), window the window of now (text), id this send's, within
 * whether the budget took it. Returns whether the send may go on, and the hold to store ('' for none).
 */
const KEEP_ORDER = `
local function keep_order(held, window, id, within)
  if held and held ~= '' then
    local colon = string.find(held, ':', 1, true)
    if tonumber(window) <= tonumber(string.sub(held, 1, colon - 1)) + 1 and string.sub(held, colon + 1) ~= id then
      return false, held
    end
  end
  if within then return true, '' end
  return false, window .. ':' .. id
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

/**
 * KEYS: meta. ARGV: capacity, expiresAt, keyCheck ('' for none). The meta hash also comes to hold
 * `seq`, `bytes` (of history) and each sender's send budget (redis-keys.ts): a few dozen fields at
 * most, all that a send reads and writes besides history and the ids.
 */
const CREATE_ROOM = `
redis.call('HSET', KEYS[1], 'v', '${FORMAT}', 'capacity', ARGV[1], 'expiresAt', ARGV[2], 'seq', 0)
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'keyCheck', ARGV[3]) end
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
`;

/**
 * KEYS: meta, seats, members. ARGV: tokenHash, candidateMemberId.
 * Returns {'not_found'} | {'full'} | {'seated', memberId, isNew}.
 */
const CLAIM_SEAT = `
local meta = redis.call('HMGET', KEYS[1], 'expiresAt', 'capacity', 'v')
if not meta[1] or meta[3] ~= '${FORMAT}' then return {'not_found'} end
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
 * Appends a batch of messages (the sends of one event-loop turn, in arrival order), each as one
 * atomic step: the sender's budget, the idempotency check, the seq, history and its trim, the
 * publish. One EVALSHA and one reply for the whole batch: the script's own cost and the client's
 * per-command cost are paid once per batch, not per message. In a cluster a batch is one
 * message (its keys must share a slot).
 * KEYS: meta, history, ids of each message's room, three per message.
 * ARGV: 1 window (floor(now / windowMs), text), 2 budgetPoints, 3 historyLimit, 4 historyMaxBytes,
 *       5 publishCommand (PUBLISH, or SPUBLISH in a cluster: the channel shares the room's slot),
 *       6 sentAt (epoch ms, text), then four per message: from (the sender), id,
 *       frameTail (',"id":…,"from":…,"body":…,"sentAt":<sentAt>}', escaped by the instance),
 *       held ('1' if this very connection is confirmed subscribed to the room's channel, else '0').
 * sentAt is the instance's clock corrected to Redis's, one per batch: no TIME call, and the script
 * never formats a time. Redis calls per message once history is full: HMGET of the small meta hash
 * (the room's format and expiry, its seq, the history's size, the sender's budget), ZADD NX to the
 * retained ids scored by seq (0: a resend), RPUSH, LPOP and ZREM of the message that leaves history
 * (its id goes with it), HSET of the meta fields, PUBLISH. A resend costs ZSCORE and one LINDEX,
 * never a scan. The entry stored in history and published is the same string: the message-push
 * header, then the client's `message` frame, assembled from pieces the instance escaped (Redis
 * never parses or escapes a body; instances never re-serialise it). Publishing here puts each
 * room's messages on its channel in seq order. When the calling connection is the channel's only
 * subscriber (held, and NUMSUB is 1: one instance holds every socket of the room), nothing is
 * published: the caller delivers from the reply, saving the push both ways. A SUBSCRIBE from
 * another instance is either before the script (NUMSUB 2) or after it (that instance reads the
 * room's last seq after subscribing), so no instance misses a message; the caller says held only
 * for subscriptions Redis has confirmed on this connection, and unsubscribes only once the
 * scripts it sent before are answered (RedisRoomBus). (The ids are a sorted set, not fields of
 * meta: a hash is a linearly scanned listpack up to hash-max-listpack-entries, 128 or 512
 * depending on the build, and a busy room retains hundreds of ids.)
 * Returns one result per message: {3} (no room) | {0, 'seq:sentAt'} (duplicate) | {1, seq} (published)
 * | {4, seq} (appended, not published: the caller delivers it) | {2} (over budget).
 */
const APPEND_MESSAGES = `${HEADER}${SPEND}${KEEP_ORDER}
local points = tonumber(ARGV[2])
local max_messages = tonumber(ARGV[3])
local max_bytes = tonumber(ARGV[4])
local results = {}
for m = 1, #KEYS / 3 do
  local meta_key, history_key, ids_key = KEYS[m * 3 - 2], KEYS[m * 3 - 1], KEYS[m * 3]
  local from, frame_tail, held = ARGV[m * 4 + 3], ARGV[m * 4 + 5], ARGV[m * 4 + 6]
  local scoped = from .. '\\0' .. ARGV[m * 4 + 4]
  -- The budget's meta fields, named as redis-keys.ts windowField, usedField and heldField name them.
  local window_field, used_field, held_field = 'bw:' .. from, 'bu:' .. from, 'bh:' .. from
  local meta = redis.call('HMGET', meta_key, 'v', 'expiresAt', 'seq', 'bytes', window_field, used_field, held_field)
  local expires_at = meta[2]
  local window, used = spend(meta[5], meta[6], ARGV[1])
  local may_go, hold = keep_order(meta[7], ARGV[1], ARGV[m * 4 + 4], used <= points)
  -- The budget fields to write; the hold only when it changed (a sender never refused has none).
  local budget = {window_field, window, used_field, used}
  if hold ~= (meta[7] or '') then
    budget[5] = held_field
    budget[6] = hold
  end
  if meta[1] ~= '${FORMAT}' or not expires_at then
    results[m] = {3}
  elseif not may_go then
    redis.call('HSET', meta_key, unpack(budget))
    results[m] = {2}
  else
    local seq_text = string.format('%d', tonumber(meta[3]) + 1)
    if redis.call('ZADD', ids_key, 'NX', seq_text, scoped) == 0 then
      -- A resend of a retained message: the original's seq is its score, its sentAt is in its entry.
      redis.call('HSET', meta_key, unpack(budget))
      local original = tonumber(redis.call('ZSCORE', ids_key, scoped))
      local oldest = tonumber(meta[3]) - redis.call('LLEN', history_key) + 1
      local entry = redis.call('LINDEX', history_key, original - oldest)
      local _, after_seq, after_sent_at = scoped_id(entry or '')
      local sent_at = after_seq and string.sub(entry, after_seq + 1, after_sent_at - 1) or '0'
      results[m] = {0, string.format('%d', original) .. ':' .. sent_at}
    else
      local entry = seq_text .. ',' .. ARGV[6] .. ',' .. #scoped .. ',' .. scoped .. '{"type":"message","seq":' .. seq_text .. frame_tail
      local length = redis.call('RPUSH', history_key, entry)
      if length == 1 then
        redis.call('PEXPIREAT', history_key, expires_at)
        redis.call('PEXPIREAT', ids_key, expires_at)
      end
      local bytes = (tonumber(meta[4]) or 0) + #entry
      while length > 1 and (length > max_messages or bytes > max_bytes) do
        local old = redis.call('LPOP', history_key)
        bytes = bytes - #old
        length = length - 1
        local old_scoped = scoped_id(old)
        if old_scoped then redis.call('ZREM', ids_key, old_scoped) end
      end
      redis.call('HSET', meta_key, 'seq', seq_text, 'bytes', bytes, unpack(budget))
      -- The room's channel: its meta key with 'events' for 'meta' (redis-keys.ts).
      local channel = string.sub(meta_key, 1, -5) .. 'events'
      if held == '1' and redis.call('PUBSUB', 'NUMSUB', channel)[2] == 1 then
        results[m] = {4, tonumber(seq_text)}
      else
        redis.call(ARGV[5], channel, entry)
        results[m] = {1, tonumber(seq_text)}
      end
    end
  end
end
return results
`;
/** KEYS: meta. ARGV: windowField, usedField, window, budgetPoints. Returns 1 if within budget, 0 if not or the room is gone. */
const SPEND_BUDGET = `${SPEND}
local meta = redis.call('HMGET', KEYS[1], 'v', ARGV[1], ARGV[2])
if meta[1] ~= '${FORMAT}' then return 0 end
local window, used = spend(meta[2], meta[3], ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], window, ARGV[2], used)
if used > tonumber(ARGV[4]) then return 0 end
return 1
`;

/**
 * KEYS: meta, history. ARGV: afterSeq, limit.
 * Returns {oldestSeq, lastSeq, {entry…}} (entries as APPEND_MESSAGES stores them). History is
 * contiguous in seq, so the position of seq s is s - oldestSeq: no search.
 */
const READ_MESSAGES = `
local meta = redis.call('HMGET', KEYS[1], 'seq', 'v')
if not meta[1] or meta[2] ~= '${FORMAT}' then return {0, 0, {}} end
local last = tonumber(meta[1])
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
  hushAppendMessages: { lua: APPEND_MESSAGES },
  // The same script for one message, with its key count declared: a Cluster routes (and auto-pipelines)
  // a script call by its first key, which the batch form's leading key count would hide.
  hushAppendMessage: { lua: APPEND_MESSAGES, numberOfKeys: 3 },
  hushSpendBudget: { lua: SPEND_BUDGET, numberOfKeys: 1 },
  hushReadMessages: { lua: READ_MESSAGES, numberOfKeys: 2, readOnly: true },
  hushListMembers: { lua: LIST_MEMBERS, numberOfKeys: 2, readOnly: true },
  hushSetConnection: { lua: SET_CONNECTION, numberOfKeys: 3 },
  hushRenewLeases: { lua: RENEW_LEASES, numberOfKeys: 2 },
  hushDeleteRoom: { lua: DELETE_ROOM, numberOfKeys: 6 },
} as const;

type Arg = string | number;

/** One message's result in APPEND_MESSAGES. */
export type AppendReply = [0, string] | [1, number] | [2] | [3] | [4, number];

/** The commands HUSH_SCRIPTS adds to a client, with the replies the scripts return. */
export interface HushScriptCommands {
  hushCreateRoom(meta: string, capacity: Arg, expiresAt: Arg, keyCheck: string): Promise<number>;
  hushClaimSeat(meta: string, seats: string, members: string, tokenHash: string, candidate: string): Promise<[string, string?, number?]>;
  /** numberOfKeys first: 3 × the messages (see APPEND_MESSAGES). */
  hushAppendMessages(numberOfKeys: number, ...keysAndArgs: Arg[]): Promise<AppendReply[]>;
  /** One message: its three keys, then the arguments (see APPEND_MESSAGES). */
  hushAppendMessage(...keysAndArgs: Arg[]): Promise<AppendReply[]>;
  hushSpendBudget(meta: string, windowField: string, usedField: string, window: string, budgetPoints: Arg): Promise<number>;
  /** Entries as Buffers: their frames go to sockets as bytes (the Buffer variant ioredis defines for every script). */
  hushReadMessagesBuffer(meta: string, history: string, afterSeq: Arg, limit: Arg): Promise<[number, number, Buffer[]]>;
  hushListMembers(members: string, presence: string): Promise<[string[], number[]]>;
  hushSetConnection(meta: string, members: string, presence: string, entry: string, open: Arg, leaseMs: Arg): Promise<[string[], number[]]>;
  hushRenewLeases(meta: string, presence: string, leaseMs: Arg, ...entries: string[]): Promise<number>;
  hushDeleteRoom(...keys: string[]): Promise<number>;
}
