-- Shared by every script (prepended when the scripts are loaded).
-- KEYS[1] limit, KEYS[2] holders (zset id -> expiry ms), KEYS[3] records (hash id -> "permits
-- grant-time-ms pid host command": what a lease holds, when it was granted and who holds it; a
-- lease a release handed to a waiting ticket has "permits tTOKEN grant-time-ms ...", its token for
-- a waiter that asks again), KEYS[4] used (string),
-- KEYS[5] queue (zset ticket -> sequence), KEYS[6] tickets (hash ticket -> "permits deadline
-- client since pid host command"), KEYS[7] fence (never deleted), KEYS[8] sequence, KEYS[9] the prefix of the clients'
-- wake channels, KEYS[10] limit-version (incremented at each change of the limit, so that a
-- client's in-process gate follows the newest limit whatever order replies arrive in).
-- Every redis.call costs 1 to 3 microseconds of the server's single thread beyond the command
-- itself, more than most commands here, so the scripts make as few as they can: one record per
-- lease, MGET for the counters, and in the acquire script one call per kind of write for all
-- its requests and releases together.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Gives back the permits of a lease; returns how many (0 if the id holds nothing).
local function drop_holder(id)
  local record = redis.call('HGET', KEYS[3], id)
  if not record then
    return 0
  end
  local permits = tonumber(string.match(record, '^(%d+)'))
  redis.call('DECRBY', KEYS[4], permits)
  redis.call('HDEL', KEYS[3], id)
  redis.call('ZREM', KEYS[2], id)
  return permits
end

-- Drops holders whose lease expired; returns the permits given back.
local function purge_holders(now)
  local freed = 0
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do
    freed = freed + drop_holder(id)
  end
  return freed
end

-- A ticket: "permits deadline-ms client since-ms pid host command" (the last four, for status, as
-- in a holder's record: when the request was queued and who made it). Returns permits, deadline,
-- client and "since-ms pid host command" ('' in a ticket queued before 2026-12-03).
local function parse_ticket(value)
  local permits, deadline, client, record = string.match(value, '^(%d+) (%d+) (%S+) ?(.*)$')
  return tonumber(permits), tonumber(deadline), client, record
end

-- A ticket's permits and deadline only: cheaper than parse_ticket where the rest is not needed
-- (each string a pattern captures is a new Lua string, its every byte hashed).
local function ticket_size(value)
  local permits, deadline = string.match(value, '^(%d+) (%d+)')
  return tonumber(permits), tonumber(deadline)
end

-- Drops tickets whose waiter stopped refreshing them (its client vanished).
local function purge_tickets(now)
  local all = redis.call('HGETALL', KEYS[6])
  local dropped = 0
  for i = 1, #all, 2 do
    local _, deadline = parse_ticket(all[i + 1])
    if deadline < now then
      redis.call('HDEL', KEYS[6], all[i])
      redis.call('ZREM', KEYS[5], all[i])
      dropped = dropped + 1
    end
  end
  return dropped
end

local function used()
  return tonumber(redis.call('GET', KEYS[4]) or '0')
end

-- Hands the free permits to the heads of the queue, in order, as far as their requests fit (FIFO:
-- the first that does not fit stops the hand-out): each such ticket becomes a lease at once, its
-- fencing token drawn now, and its client is told on its wake channel with "ticket token". The
-- lease expires when the ticket would have (its waiter refreshes that deadline every second), so
-- the permits of a waiter whose client vanished come back as soon as its ticket would have
-- lapsed; the client renews the lease to its full length on taking it. A waiter that misses the
-- message finds the grant when it next asks (a request marked as asking again, see acquire.lua).
-- Tickets past their deadline met on the way are dropped. in_use: the permits held, if the
-- caller knows them (else read). Returns the permits handed out, which the caller adds to used
-- (with its own change of it, in one write), and whether anyone may still be queued.
local function grant_heads(limit, in_use, now)
  local free = limit - (in_use or used())
  local heads = redis.call('ZRANGE', KEYS[5], 0, 15)
  if #heads == 0 or free <= 0 then
    return 0, #heads > 0
  end
  local values = redis.call('HMGET', KEYS[6], unpack(heads))
  -- gone: the tickets leaving the queue, dropped (lapsed) or granted
  local gone, granted, permits_of, client_of, record_of, expiry_of = {}, {}, {}, {}, {}, {}
  local handed = 0
  for i, ticket in ipairs(heads) do
    local value = values[i]
    if value then
      local permits, deadline = ticket_size(value)
      if deadline < now then
        table.insert(gone, ticket)
      elseif permits > free then
        break
      else
        local _, _, client, record = parse_ticket(value)
        free = free - permits
        handed = handed + permits
        table.insert(granted, ticket)
        table.insert(gone, ticket)
        permits_of[ticket], client_of[ticket], expiry_of[ticket] = permits, client, deadline
        -- the record keeps who asked; "since" becomes the grant's time
        record_of[ticket] = string.match(record, '^%d+ (.*)$') or ''
      end
    else
      table.insert(gone, ticket)
    end
  end
  if #gone > 0 then
    redis.call('HDEL', KEYS[6], unpack(gone))
    redis.call('ZREM', KEYS[5], unpack(gone))
  end
  local still_queued = #heads == 16 or #gone < #heads
  if #granted == 0 then
    return 0, still_queued
  end
  local last = redis.call('INCRBY', KEYS[7], #granted)
  local records, holders = {}, {}
  for k, ticket in ipairs(granted) do
    local token = last - #granted + k
    table.insert(records, ticket)
    table.insert(records, permits_of[ticket] .. ' t' .. token .. ' ' .. now .. ' ' .. record_of[ticket])
    table.insert(holders, expiry_of[ticket])
    table.insert(holders, ticket)
    redis.call('PUBLISH', KEYS[9] .. client_of[ticket], ticket .. ' ' .. token)
  end
  redis.call('HSET', KEYS[3], unpack(records))
  redis.call('ZADD', KEYS[2], unpack(holders))
  return handed, still_queued
end

-- grant_heads for a script that changes nothing else: writes the permits it handed out to used.
local function grant_heads_alone(limit, now)
  local handed = grant_heads(limit, nil, now)
  if handed > 0 then
    redis.call('INCRBY', KEYS[4], handed)
  end
end
