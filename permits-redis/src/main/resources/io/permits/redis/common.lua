-- Shared by every script (prepended when the scripts are loaded).
-- KEYS[1] limit, KEYS[2] holders (zset id -> expiry ms), KEYS[3] records (hash id -> "permits
-- grant-time-ms pid host command": what a lease holds and who holds it), KEYS[4] used (string),
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

-- Tells the heads of the queue whose requests fit in the free permits to try again
-- (a hint: a waiter that misses it re-checks at its own deadline). in_use: the permits held, if
-- the caller knows them (else read).
local function wake_heads(limit, in_use)
  local free = limit - (in_use or used())
  local heads = redis.call('ZRANGE', KEYS[5], 0, 15)
  for _, ticket in ipairs(heads) do
    local value = redis.call('HGET', KEYS[6], ticket)
    if value then
      local permits, _, client = parse_ticket(value)
      if permits > free then
        break
      end
      free = free - permits
      redis.call('PUBLISH', KEYS[9] .. client, ticket)
    end
  end
end
