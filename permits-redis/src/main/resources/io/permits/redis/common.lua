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

-- Keys that expire when the semaphore is idle (the builder's expireWhenIdle), or never.
-- Invariant, with the option: every key but GONE expires at one instant, no earlier than idle_ms
-- after every holder's expiry and every ticket's deadline that any script wrote. So no key expires
-- while a lease may be live (a client believes in a lease no longer than its expiry here) or a
-- ticket may be queued (it lapses at its deadline; a live waiter refreshes it well before), and a
-- semaphore unused for idle_ms past the last of them is gone. Each script that writes an expiry or
-- a deadline, or makes keys, notes the furthest (reach); at its end, keep_alive moves the instant
-- to that + idle_ms, never earlier than it was (a renewal of a short lease must not cut short
-- another client's longer one). Work: one PEXPIRETIME and one PEXPIREAT a key, only in a script
-- that wrote one of those; none without the option. GONE keeps its own expiry (see settle).
local idle_ms = 0 -- ARGV[2] of every script, set by the dispatch; 0: the keys never expire
local horizon     -- the furthest expiry, deadline or making of keys this script wrote (ms), or nil
local clock       -- the last now_ms() of this script
local clock_us    -- the same reading in microseconds: where a lost fence starts again
local EXPIRING = {LIMIT, HOLDERS, RECORDS, USED, QUEUE, TICKETS, FENCE, SEQUENCE, VERSION}

-- Numbers go into strings with string.format('%d'): tokens have 16 digits, and '..' would write
-- them as 1.7e+15.
local function now_ms()
  local t = redis.call('TIME')
  clock = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  clock_us = tonumber(t[1]) * 1000000 + tonumber(t[2]) -- exact: below 2^53 until the year 2255
  return clock
end

-- This script wrote something that must outlive 'until_ms': a lease's expiry, a ticket's deadline,
-- or keys made (until now).
local function reach(until_ms)
  if not horizon or until_ms > horizon then
    horizon = until_ms
  end
end

-- Run by the dispatch after the operation. All keys share one expiry; FENCE's (never SET once
-- made, so never stripped of it) stands for theirs. It is read as an instant: now + PTTL would lose
-- a millisecond whenever the server's clock ticked between TIME and PTTL, and so creep earlier.
-- Without one (-1: made in this script, or by a client without the option), the furthest lease of
-- any client counts too. PEXPIREAT passes over keys that do not exist. Tokens still rise across an
-- expiry: the keys go together, so ensure_keys makes the fence again from the clock, as after a
-- restart. PEXPIRETIME needs Redis 7.0 (the builder checks).
local function keep_alive()
  if idle_ms == 0 or not horizon then
    return
  end
  local until_ms = math.max(horizon, clock or now_ms()) + idle_ms
  local kept = redis.call('PEXPIRETIME', FENCE)
  if kept >= 0 then
    until_ms = math.max(until_ms, kept)
  elseif kept == -1 then
    local last = redis.call('ZRANGE', HOLDERS, -1, -1, 'WITHSCORES')[2]
    if last then
      until_ms = math.max(until_ms, tonumber(last) + idle_ms)
    end
  end
  local at = string.format('%d', until_ms)
  for _, key in ipairs(EXPIRING) do
    redis.call('PEXPIREAT', key, at)
  end
end

-- Keys lost with a restart without persistence (or deleted) are made again: the limit from the
-- asking client's configuration, the fence and the version from the clock, so that tokens and
-- versions keep increasing (as long as the clock does not step back and fewer than one token a
-- microsecond was drawn on average). Returns the limit and the permits in use.
local function ensure_keys(configured, now)
  local counts = redis.call('MGET', LIMIT, USED)
  if counts[1] then
    return tonumber(counts[1]), tonumber(counts[2] or '0')
  end
  redis.call('SET', LIMIT, configured)
  redis.call('SET', FENCE, clock_us, 'NX')
  redis.call('SET', VERSION, now, 'NX')
  redis.call('SET', USED, 0, 'NX')
  reach(now)
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
  if token == 1 then -- the fence alone was gone (expired while other keys lived): from the clock
    token = clock_us + 1
    redis.call('SET', FENCE, token)
  end
  local record = string.format('%d %d %d %s', permits, token, now, who)
  if redis.call('HSET', RECORDS, id, record) ~= 1 then -- every caller checked there was none
    error('permits: lease ' .. id .. ' was recorded twice: used would drift from the records')
  end
  redis.call('INCRBY', USED, permits)
  redis.call('ZADD', HOLDERS, expiry, id)
  reach(expiry)
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
-- script may take to reach Redis (Lettuce sends it again once reconnected). With expireWhenIdle,
-- GONE expires when its newest tombstone may go (each later tombstone moves it later), so it
-- outlives every tombstone it holds and does not outlive them; the other keys' expiry does not
-- touch it. A tombstone thus keeps refusing a late copy after the other keys expired.
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
    if idle_ms > 0 then
      redis.call('PEXPIREAT', GONE, string.format('%d', now + TOMBSTONE_MS))
    end
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
