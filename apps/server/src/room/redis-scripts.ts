// The Redis room's Lua scripts. Redis runs a script as one atomic step (no
// other command runs in between), so each of these is one transaction of the
// room: the next seq, the stream entry, the idempotency key and the
// announcement happen together or not at all.
//
// Keys, all under one prefix `wb:{<room>}:` (the braces are a Redis Cluster
// hash tag: every key of a room lives on one shard, so a script may touch them all):
//   seq      the last seq given out (INCR)
//   epoch    the room's epoch; missing means the room's data is gone
//   log      a stream, one entry per message, entry id `<seq>-0`, fields m (JSON) and k (idempotency key)
//   idem     hash `clientId \n clientMsgId` → seq, for the messages still in the log
//   c:<id>   one hash per client: h (SHA-256 of its secret), name, address, createdAt, sent,
//            teacher, removed, assigned, student, and p:<node> (a process's pin: lease end, ms)
//   seen     sorted set clientId → last seen (ms), for the count of active clients
//   order    sorted set clientId → a touch counter: least recently seen first (time alone ties)
//   touches  that counter
//   pinned   sorted set clientId → the latest pin lease end (ms)
//   rc:<id> / ra:<address> / rj:<address>   token buckets: sends per client, sends per address, joins per address
//   lock     present while the teacher has locked the room
//   assign   hash: mode, next (the round-robin turn)
//   new      the pub/sub channel: `<epoch> <message JSON>` for every stored message
//
// Time is the caller's clock (ARGV), never Redis's: a room's tests move it by hand.

/** Every script starts with the key prefix in ARGV[1] and a fresh epoch candidate in ARGV[2]. */
const PRELUDE = `
local P = ARGV[1]
local function key(name) return P .. name end
local function id(seq) return string.format('%.0f-0', seq) end

-- The room's epoch; when it is missing the data is gone (a new room, or a Redis
-- that restarted without it): the numbering starts again under a new epoch.
local function epoch_of(fresh)
  local e = redis.call('GET', key('epoch'))
  if e then return e end
  redis.call('DEL', key('seq'), key('log'), key('idem'))
  redis.call('SET', key('epoch'), fresh)
  return fresh
end

-- A token bucket: limit takes per window (ms), refilled continuously; forgotten once full.
local function take(k, limit, window, now)
  local b = redis.call('HMGET', k, 't', 'at')
  local tokens = tonumber(b[1]) or limit
  local at = tonumber(b[2]) or now
  tokens = math.min(limit, tokens + math.max(0, now - at) * limit / window)
  local ok = tokens >= 1
  if ok then tokens = tokens - 1 end
  redis.call('HSET', k, 't', tostring(tokens), 'at', tostring(now))
  redis.call('PEXPIRE', k, window)
  return ok
end

-- A client was seen now: its place in the order moves to the end.
local function saw(client, now)
  redis.call('ZADD', key('seen'), now, client)
  redis.call('ZADD', key('order'), redis.call('INCR', key('touches')), client)
end

local function forget(client)
  redis.call('DEL', key('c:' .. client), key('rc:' .. client))
  redis.call('ZREM', key('seen'), client)
  redis.call('ZREM', key('order'), client)
  redis.call('ZREM', key('pinned'), client)
end

-- Beyond max clients the least recently seen go, never one with a live pin.
local function evict(max, now)
  local over = redis.call('ZCARD', key('order')) - max
  local kept = 0
  while over > 0 and kept < 10000 do
    local batch = redis.call('ZRANGE', key('order'), kept, kept + 99)
    if #batch == 0 then return end
    for _, client in ipairs(batch) do
      if tonumber(redis.call('ZSCORE', key('pinned'), client) or '0') > now then
        kept = kept + 1
      else
        forget(client)
        over = over - 1
        if over == 0 then return end
      end
    end
  end
end

-- A new identity: refused while locked or past the address's joins (not for the teacher).
-- ARGV (from 3): client, secret hash, name, address, now, teacher, join limit, join window, max clients
local function register(a)
  local client, now, teacher = ARGV[a], tonumber(ARGV[a + 4]), ARGV[a + 5]
  if teacher ~= '1' then
    if redis.call('EXISTS', key('lock')) == 1 then return {'ROOM_LOCKED'} end
    if not take(key('rj:' .. ARGV[a + 3]), tonumber(ARGV[a + 6]), tonumber(ARGV[a + 7]), now) then return {'JOIN_RATE_LIMITED'} end
  end
  redis.call('HSET', key('c:' .. client), 'h', ARGV[a + 1], 'name', ARGV[a + 2], 'address', ARGV[a + 3],
    'createdAt', ARGV[a + 4], 'sent', 0, 'teacher', teacher, 'removed', '0', 'assigned', '', 'student', '0')
  saw(client, now)
  evict(tonumber(ARGV[a + 8]), now)
  return {'OK', client}
end

-- UNKNOWN_CLIENT, NOT_YOUR_CLIENT or CLIENT_REMOVED unless hash is the client's own; else nil.
local function refused(client, hash)
  local rec = redis.call('HMGET', key('c:' .. client), 'h', 'removed')
  if not rec[1] then return 'UNKNOWN_CLIENT' end
  if rec[1] ~= hash then return 'NOT_YOUR_CLIENT' end
  if rec[2] == '1' then return 'CLIENT_REMOVED' end
  return nil
end
`;

const script = (body: string): string => PRELUDE + body;

// #region send-script
/**
 * ARGV (from 3): client, secret hash, clientMsgId ('' for none), text, has name, name, via, now,
 * text error ('' when the text is fine), send limit, address limit, window, address, retain limit.
 * → {'OK', epoch, json} | {'DUP', epoch, json} | {error code, limit}
 */
export const SEND = script(`
local client, hash, msgId, now = ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[10])
local no = refused(client, hash)
if no then return {no} end
local c = key('c:' .. client)
saw(client, now)
local epoch = epoch_of(ARGV[2])
local idem = msgId ~= '' and (client .. '\\n' .. msgId) or ''
if idem ~= '' then
  local first = redis.call('HGET', key('idem'), idem)
  if first then
    local entry = redis.call('XRANGE', key('log'), id(tonumber(first)), id(tonumber(first)))
    if entry[1] then return {'DUP', epoch, entry[1][2][2]} end
  end
end
if ARGV[11] ~= '' then return {ARGV[11]} end
local window = tonumber(ARGV[14])
if not take(key('rc:' .. client), tonumber(ARGV[12]), window, now) then return {'RATE_LIMITED', ARGV[12]} end
local teacher = redis.call('HGET', c, 'teacher')
if teacher ~= '1' and not take(key('ra:' .. ARGV[15]), tonumber(ARGV[13]), window, now) then return {'RATE_LIMITED', ARGV[13]} end
if ARGV[7] == '1' then redis.call('HSET', c, 'name', ARGV[8]) end
redis.call('HINCRBY', c, 'sent', 1)

-- The one place a seq is minted: counter, stream entry, idempotency key, announcement.
local seq = redis.call('INCR', key('seq'))
local json = cjson.encode({ seq = string.format('%.0f', seq), clientId = client, name = redis.call('HGET', c, 'name'),
  text = ARGV[6], clientMsgId = msgId, via = ARGV[9], serverTime = ARGV[10] })
redis.call('XADD', key('log'), id(seq), 'm', json, 'k', idem)
if idem ~= '' then redis.call('HSET', key('idem'), idem, seq) end
-- The message leaving the retained window takes its idempotency key with it.
local gone = seq - tonumber(ARGV[16])
if gone >= 1 then
  local old = redis.call('XRANGE', key('log'), '-', id(gone))
  for _, entry in ipairs(old) do
    if entry[2][4] ~= '' then redis.call('HDEL', key('idem'), entry[2][4]) end
  end
  redis.call('XTRIM', key('log'), 'MINID', id(gone + 1))
end
redis.call('PUBLISH', key('new'), epoch .. ' ' .. json)
return {'OK', epoch, json}
`);
// #endregion send-script

/**
 * ARGV (from 3): after ('' for the history), history limit, page size, retain limit, the cursor's epoch ('' for any).
 * → {lastSeq, epoch, json…}: the messages the cursor rule (polling/cursor.ts) picks, read in one step.
 */
export const SINCE = script(`
local epoch = epoch_of(ARGV[2])
local last = tonumber(redis.call('GET', key('seq')) or '0')
local out = {string.format('%.0f', last), epoch}
if ARGV[7] ~= '' and ARGV[7] ~= epoch then return out end
local first = math.max(1, last - tonumber(ARGV[6]) + 1)
local from, to
if ARGV[3] == '' then
  from, to = math.max(first, last - tonumber(ARGV[4]) + 1), last
else
  local after = tonumber(ARGV[3])
  if after > last then return out end
  from = math.max(after + 1, first)
  to = math.min(last, from + tonumber(ARGV[5]) - 1)
end
if from > to then return out end
for _, entry in ipairs(redis.call('XRANGE', key('log'), id(from), id(to))) do out[#out + 1] = entry[2][2] end
return out
`);

/** → {lastSeq, epoch} */
export const HEAD = script(`
local epoch = epoch_of(ARGV[2])
return {redis.call('GET', key('seq')) or '0', epoch}
`);

export const REGISTER = script(`return register(3)`);

/** ARGV (from 3): the presented client and secret hash, then register's arguments. → {'KNOWN', id} | register's answer */
export const ADOPT = script(`
local client, hash, now = ARGV[3], ARGV[4], tonumber(ARGV[9])
local rec = redis.call('HMGET', key('c:' .. client), 'h', 'removed')
if client ~= '' and rec[1] and rec[1] == hash then
  if rec[2] == '1' then return {'CLIENT_REMOVED'} end
  saw(client, now)
  return {'KNOWN', client}
end
return register(5)
`);

/** ARGV (from 3): client, secret hash. → {'OK'} | {error code} */
export const AUTHENTICATE = script(`return {refused(ARGV[3], ARGV[4]) or 'OK'}`);

/** ARGV (from 3): client, now. → 1 seen, 0 unknown, -1 removed */
export const TOUCH = script(`
local c = key('c:' .. ARGV[3])
local removed = redis.call('HGET', c, 'removed')
if not removed then return 0 end
if removed == '1' then return -1 end
saw(ARGV[3], tonumber(ARGV[4]))
return 1
`);

/** ARGV (from 3): client. → 1 removed, 0 unknown */
export const REMOVE = script(`
local c = key('c:' .. ARGV[3])
if redis.call('EXISTS', c) == 0 then return 0 end
redis.call('HSET', c, 'removed', '1', 'assigned', '')
return 1
`);

/**
 * ARGV (from 3): client, node, lease end (0 releases), now. A pin is a lease one process
 * holds on a client (its open streams): refreshed while held, so a process that dies
 * without releasing it holds it only until the lease ends.
 */
export const PIN = script(`
local client, now = ARGV[3], tonumber(ARGV[6])
local c = key('c:' .. client)
if redis.call('EXISTS', c) == 0 then return 0 end
if ARGV[5] == '0' then
  redis.call('HDEL', c, 'p:' .. ARGV[4])
  saw(client, now)
else
  redis.call('HSET', c, 'p:' .. ARGV[4], ARGV[5])
end
local latest = 0
local fields = redis.call('HGETALL', c)
for i = 1, #fields, 2 do
  if string.sub(fields[i], 1, 2) == 'p:' then latest = math.max(latest, tonumber(fields[i + 1])) end
end
if latest > now then redis.call('ZADD', key('pinned'), latest, client) else redis.call('ZREM', key('pinned'), client) end
return 1
`);

/** ARGV (from 3): now, active window (ms). → clients seen within the window or holding a live pin */
export const ACTIVE = script(`
local now, since = tonumber(ARGV[3]), tonumber(ARGV[3]) - tonumber(ARGV[4])
local n = redis.call('ZCOUNT', key('seen'), since, '+inf')
for _, client in ipairs(redis.call('ZRANGEBYSCORE', key('pinned'), '(' .. ARGV[3], '+inf')) do
  if tonumber(redis.call('ZSCORE', key('seen'), client) or '0') < since then n = n + 1 end
end
return n
`);

/** → {id, name, address, createdAt, sent, teacher, assigned, …} for every client not removed, least recently seen first */
export const CLIENTS = script(`
local out = {}
for _, client in ipairs(redis.call('ZRANGE', key('order'), 0, -1)) do
  local r = redis.call('HMGET', key('c:' .. client), 'name', 'address', 'createdAt', 'sent', 'teacher', 'assigned', 'removed')
  if r[1] and r[7] ~= '1' then
    for _, v in ipairs({client, r[1], r[2], r[3], r[4], r[5], r[6]}) do out[#out + 1] = v end
  end
end
return out
`);

/** ARGV (from 3): mode, then the transport ids in turn. → how many students got one now */
export const ASSIGN = script(`
local mode, n, given = ARGV[3], #ARGV - 3, 0
redis.call('HSET', key('assign'), 'mode', mode, 'next', 0)
for _, client in ipairs(redis.call('ZRANGE', key('order'), 0, -1)) do
  local c = key('c:' .. client)
  local r = redis.call('HMGET', c, 'student', 'removed')
  local assigned = ''
  if mode == 'round-robin' and r[1] == '1' and r[2] ~= '1' then
    assigned = ARGV[4 + given % n]
    given = given + 1
  end
  redis.call('HSET', c, 'assigned', assigned)
end
redis.call('HSET', key('assign'), 'next', given)
return given
`);

/** ARGV (from 3): client, secret hash, then the transport ids in turn. → {'OK', assigned ('' for none)} | {error code} */
export const ASSIGNMENT = script(`
local no = refused(ARGV[3], ARGV[4])
if no then return {no} end
local c = key('c:' .. ARGV[3])
redis.call('HSET', c, 'student', '1')
local assigned = redis.call('HGET', c, 'assigned') or ''
if assigned == '' and redis.call('HGET', key('assign'), 'mode') == 'round-robin' then
  local turn = redis.call('HINCRBY', key('assign'), 'next', 1) - 1
  assigned = ARGV[5 + turn % (#ARGV - 4)]
  redis.call('HSET', c, 'assigned', assigned)
end
return {'OK', assigned}
`);
