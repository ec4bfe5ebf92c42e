-- Prepended to every script. The keys of one semaphore, all under its hash tag, named once here.
local LIMIT = KEYS[1]    -- string: the number of permits
local HOLDERS = KEYS[2]  -- zset: lease id -> expiry ms (server time)
local RECORDS = KEYS[3]  -- hash: lease id -> "permits token grant-ms pid host command"
local USED = KEYS[4]     -- string: the sum of the records' permits, changed only with them
local QUEUE = KEYS[5]    -- zset: ticket id -> arrival sequence (FIFO)
local TICKETS = KEYS[6]  -- hash: ticket id -> "permits deadline-ms lease-ms client since-ms pid host command"
local FENCE = KEYS[7]    -- string: the last fencing token, seeded from the clock
local SEQUENCE = KEYS[8] -- string: the last arrival sequence
local WAKE = KEYS[9]     -- the prefix of each client's channel: WAKE .. client
local VERSION = KEYS[10] -- string: counts changes of the limit, seeded from the clock
local GONE = KEYS[11]    -- zset: id of a request given up -> when its tombstone may go

-- Numbers go into strings with string.format('%d'): tokens have 16 digits, and '..' would write
-- them as 1.7e+15.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Keys lost with a restart without persistence (or deleted) are made again: the limit from the
-- asking client's configuration, the fence and the version from the clock, so that tokens and
-- versions keep increasing (as long as the clock does not step back and fewer than 1,000 tokens a
-- millisecond were drawn on average). Returns the limit and the permits in use.
local function ensure_keys(configured, now)
  local counts = redis.call('MGET', LIMIT, USED)
  if counts[1] then
    return tonumber(counts[1]), tonumber(counts[2] or '0')
  end
  redis.call('SET', LIMIT, configured)
  redis.call('SET', FENCE, now * 1000, 'NX')
  redis.call('SET', VERSION, now, 'NX')
  redis.call('SET', USED, 0, 'NX')
  return tonumber(configured), tonumber(redis.call('GET', USED))
end

local function used()
  return tonumber(redis.call('GET', USED) or '0')
end

local function limit_version()
  return tonumber(redis.call('GET', VERSION) or '0')
end

-- Ends a lease: its record, its expiry and its permits in used go together. Returns its permits
-- (0 if the id holds nothing) and used after it (nil if unchanged).
local function drop_holder(id, record)
  record = record or redis.call('HGET', RECORDS, id)
  if not record then
    return 0
  end
  local permits = tonumber(string.match(record, '^(%d+)'))
  local in_use
  if redis.call('HDEL', RECORDS, id) == 1 then
    in_use = redis.call('DECRBY', USED, permits)
    if in_use < 0 then -- cannot happen while used changes only with the records: say so loudly
      error('permits: used fell below 0 ending lease ' .. id .. ': it drifted from the records')
    end
  end
  redis.call('ZREM', HOLDERS, id)
  return permits, in_use
end

-- Ends the leases whose expiry passed; work bounded by what it ends. Returns whether it ended any.
local function purge_holders(now)
  local expired = redis.call('ZRANGEBYSCORE', HOLDERS, '-inf', now)
  for _, id in ipairs(expired) do
    drop_holder(id)
  end
  return #expired > 0
end

-- Starts a lease that expires at 'expiry': token drawn, record, expiry and used written together.
-- Returns the token.
local function grant(id, permits, expiry, now, who)
  local token = redis.call('INCR', FENCE)
  local record = string.format('%d %d %d %s', permits, token, now, who)
  if redis.call('HSET', RECORDS, id, record) ~= 1 then -- every caller checked there was none
    error('permits: lease ' .. id .. ' was recorded twice: used would drift from the records')
  end
  redis.call('INCRBY', USED, permits)
  redis.call('ZADD', HOLDERS, expiry, id)
  return token
end

local function drop_ticket(id)
  redis.call('HDEL', TICKETS, id)
  return redis.call('ZREM', QUEUE, id)
end

-- Hands the free permits to the heads of the queue, in order, while they fit (the first that does
-- not fit stops it: FIFO, a large request is never overtaken). Each granted ticket becomes a lease,
-- and its client hears "ticket token" on its channel (or finds the grant when its waiter next
-- asks). Until that client renews it, the lease expires when the ticket would have (at most a
-- second after its waiter last asked), or one lease from now if that is sooner: a waiter that
-- died holds what it is handed for a second at most. Heads past their deadline (their client
-- died) are dropped on the way. Work is bounded by what it grants and drops. in_use and now: the
-- caller's, if it has them. Returns whether anyone is still queued, and how many were granted.
local function grant_heads(limit, in_use, now)
  local free = limit - (in_use or used())
  if free <= 0 then
    return redis.call('ZCARD', QUEUE) > 0, 0
  end
  local granted = 0
  while true do
    local heads = redis.call('ZRANGE', QUEUE, 0, 15)
    if #heads == 0 then
      return false, granted
    end
    if free <= 0 then
      return true, granted
    end
    now = now or now_ms()
    local tickets = redis.call('HMGET', TICKETS, unpack(heads))
    for i, id in ipairs(heads) do
      local permits, deadline, lease, client, since, who
      if tickets[i] then
        permits, deadline, lease, client, since, who =
          string.match(tickets[i], '^(%d+) (%d+) (%d+) (%S+) (%d+) (.*)$')
      end
      if not permits or tonumber(deadline) < now then
        drop_ticket(id)
      elseif tonumber(permits) > free then
        return true, granted
      else
        granted = granted + 1
        drop_ticket(id)
        free = free - tonumber(permits)
        local expiry = math.min(now + tonumber(lease), tonumber(deadline))
        local token = grant(id, permits, expiry, now, who)
        redis.call('PUBLISH', WAKE .. client, string.format('%s %d', id, token))
      end
    end
  end
end

-- How long the id of a request that gave up stays refused: longer than any copy of its acquire
-- script may take to reach Redis (Lettuce sends it again once reconnected).
local TOMBSTONE_MS = 600000

-- Settles what a client ended; both ride, in order, before the operation of any script a client
-- sends (see the dispatch in RedisScripts), and both are safe to run twice.
-- With a token: a closed lease. It ends only if the id still holds the grant with this token, so
-- a release sent twice ends it once.
-- With '-': a request that gave up, whatever its scripts did: its ticket leaves the queue, a lease
-- it was granted meanwhile (a release handed it one, or a script whose reply was lost granted it)
-- ends, and a tombstone keeps a late copy of its acquire script from granting it again.
-- Either way the permits freed, or the place left at the head, go to the queue's heads that fit.
local function settle(id, token)
  local _, in_use
  if token == '-' then
    local now = now_ms()
    redis.call('ZREMRANGEBYSCORE', GONE, '-inf', now)
    redis.call('ZADD', GONE, now + TOMBSTONE_MS, id)
    drop_ticket(id)
    _, in_use = drop_holder(id)
  else
    local record = redis.call('HGET', RECORDS, id)
    if not record or string.match(record, '^%d+ (%d+)') ~= token then
      return
    end
    _, in_use = drop_holder(id, record)
  end
  local limit = redis.call('GET', LIMIT)
  if limit then
    grant_heads(tonumber(limit), in_use)
  end
end

-- The ms until the first lease expires, or -1 if none is held.
local function next_expiry(now)
  local first = redis.call('ZRANGE', HOLDERS, 0, 0, 'WITHSCORES')[2]
  if first then
    return math.max(0, tonumber(first) - now)
  end
  return -1
end
