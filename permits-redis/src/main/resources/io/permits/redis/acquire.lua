-- ARGV: lease ms, ticket deadline ms (0: do not queue), client id, who (for status: "pid host
-- command"), n, then n requests as (id, permits) pairs, then the ids of leases to release first
-- (or of tickets to withdraw). A request whose permits read "rP" (P permits) asks again for a
-- ticket it queued before: a release may have handed it its permits meanwhile (grant_heads), and
-- then the reply is that grant, with the ms its lease has left.
-- Releasing and acquiring are one script so that a release, which nobody waits for, can be sent
-- with EVALSHA and still run before the requests sent after it even when Redis lost its scripts:
-- both then meet NOSCRIPT and are sent again, in order, with EVAL. Several requests ride in one
-- script when leases closed while requests of the same client waited for their permits.
-- Releases hand the permits they free to the heads of the queue first (grant_heads). Each
-- request, in order, is granted if it heads the queue (or the queue is empty) and fits; else its
-- ticket is queued or refreshed. Returns, per request, four values: {1, fence, lease
-- ms, requests still queued} | {0, ms until the next expiry or -1, 0, 0} | {-1, limit, its
-- version, 0} (more than the limit) | {-3, 0, 0, 0} (no limit recorded); for n = 0 (a release only),
-- {2, permits released}. A grant's lease ms is the lease's full length, or what is left of a
-- lease granted while its request waited.
-- The writes of all releases and grants go in one call per kind (HDEL, ZREM, HSET, ZADD, and one
-- INCRBY each for the fence and the permits in use): a hand-over of two leases costs 9 calls, not
-- 19. The grants' fencing tokens are the fence's last values, in the order of the requests.
-- A request may name the lease it releases (a hand-over within one client): while nobody is
-- queued, in_place.lua, which runs first, hands such leases over in place.

-- Runs command(key, values...) in calls of at most 1,000 values (Lua's unpack has a limit);
-- returns the last call's reply. Pairs stay together: 1,000 is even.
local function bulk(command, key, values)
  local reply
  for from = 1, #values, 1000 do
    reply = redis.call(command, key, unpack(values, from, math.min(#values, from + 999)))
  end
  return reply
end

-- HMGET of any number of fields, in calls of at most 1,000; returns all the values, in order.
local function hmget_all(key, fields)
  local values = {}
  for from = 1, #fields, 1000 do
    local part = redis.call('HMGET', key, unpack(fields, from, math.min(#fields, from + 999)))
    for i = 1, #part do
      values[from + i - 1] = part[i]
    end
  end
  return values
end

local lease, wait, client, who = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4]
local n = tonumber(ARGV[5])
local releases = 6 + 2 * n
local release_ids = {}
for i = releases, #ARGV do
  table.insert(release_ids, ARGV[i])
end

-- the releases: permits given back, with their records and holder entries
local released = 0
local not_held = {} -- ids that hold nothing: maybe tickets to withdraw
if #release_ids > 0 then
  local records = hmget_all(KEYS[3], release_ids)
  local held = {}
  for i = 1, #release_ids do
    if records[i] then
      released = released + tonumber(string.match(records[i], '^(%d+)'))
      table.insert(held, release_ids[i])
    else
      table.insert(not_held, release_ids[i])
    end
  end
  if #held > 0 then
    bulk('HDEL', KEYS[3], held)
    bulk('ZREM', KEYS[2], held)
  end
end
local queued = redis.call('ZCARD', KEYS[5]) > 0
if queued and #not_held > 0 then
  -- a grant given back unclaimed may have queued instead: withdraw it (an id that holds a lease
  -- has no ticket: the grant dropped it)
  bulk('HDEL', KEYS[6], not_held)
  bulk('ZREM', KEYS[5], not_held)
end
if n == 0 then
  -- the permits go to the waiters, if there are any; expired holders are purged by the
  -- acquire, which every waiter runs at least once a second
  local handed = 0
  if queued then
    local counters = redis.call('MGET', KEYS[1], KEYS[4])
    local in_use = tonumber(counters[2] or '0') - released
    handed = grant_heads(tonumber(counters[1] or '0'), in_use, now_ms())
  end
  if handed ~= released then
    redis.call('INCRBY', KEYS[4], handed - released)
  end
  return {2, released}
end

local results = {}
local counters = redis.call('MGET', KEYS[1], KEYS[4], KEYS[10])
local limit = tonumber(counters[1] or '-1')
local limit_version = tonumber(counters[3] or '0')
local in_use = tonumber(counters[2] or '0') - released
local in_use_change = -released -- written once, at the end (purges write their own)
if limit < 0 then
  if released > 0 then
    redis.call('DECRBY', KEYS[4], released)
  end
  for _ = 1, n do
    table.insert(results, -3)
    table.insert(results, 0)
    table.insert(results, 0)
    table.insert(results, 0)
  end
  return results
end
local now = now_ms()
if queued and #release_ids > 0 then
  -- the permits released go to earlier waiters first, whatever becomes of the requests
  local handed
  handed, queued = grant_heads(limit, in_use, now)
  in_use = in_use + handed
  in_use_change = in_use_change + handed
end
local purged_holders = false
local granted_ids, granted_permits, new_holders, granted_at = {}, {}, {}, {}
-- a number turns into text at each '..' or redis.call: once per script for those all grants share
local record_tail = ' ' .. now .. ' ' .. who
local expiry = tostring(now + lease)

-- A request asking again whose ticket a release turned into a lease: that lease's token and the
-- ms it has left, or nil. A lease that expired unclaimed is dropped here (else granting the
-- request again would count its permits twice in used).
local function granted_meanwhile(id)
  local record = redis.call('HGET', KEYS[3], id)
  if not record then
    return nil
  end
  local token = string.match(record, '^%d+ t(%d+)')
  local expires = redis.call('ZSCORE', KEYS[2], id)
  if token and expires and tonumber(expires) > now then
    return tonumber(token), tonumber(expires) - now
  end
  local freed = drop_holder(id)
  in_use = in_use - freed
  return nil
end

local function decide(id, permits_text)
  local again = string.sub(permits_text, 1, 1) == 'r'
  if again then
    permits_text = string.sub(permits_text, 2)
    local token, left = granted_meanwhile(id)
    if token then
      return 1, token, left, queued and redis.call('ZCARD', KEYS[5]) or 0
    end
  end
  local permits = tonumber(permits_text)
  if permits > limit then
    return -1, limit, limit_version, 0
  end
  if (queued or in_use + permits > limit) and not purged_holders then
    in_use = in_use - purge_holders(now) -- expired leases matter only when permits are short
    purged_holders = true
  end
  -- earlier tickets whose requests fit first keep their place: a newcomer takes only what is
  -- left after them. Tickets ahead past their deadline (their client vanished) are dropped here,
  -- those at the head also by grant_heads, the rest by the state script.
  local ahead = 0
  if queued then
    local before = {}
    for _, ticket in ipairs(redis.call('ZRANGE', KEYS[5], 0, -1)) do
      if ticket == id then
        break
      end
      before[#before + 1] = ticket
    end
    if #before > 0 then
      local values = hmget_all(KEYS[6], before)
      local dead = {}
      for i, ticket in ipairs(before) do
        local p, deadline
        if values[i] then
          p, deadline = ticket_size(values[i])
        end
        if not p or deadline < now then
          dead[#dead + 1] = ticket
        else
          ahead = ahead + p
        end
      end
      if #dead > 0 then
        bulk('HDEL', KEYS[6], dead)
        bulk('ZREM', KEYS[5], dead)
      end
    end
  end
  if in_use + ahead + permits <= limit then
    in_use = in_use + permits
    in_use_change = in_use_change + permits
    granted_ids[#granted_ids + 1] = id
    granted_permits[#granted_permits + 1] = permits_text
    local at = #new_holders
    new_holders[at + 1] = expiry
    new_holders[at + 2] = id
    local others = 0
    if queued then
      redis.call('HDEL', KEYS[6], id)
      redis.call('ZREM', KEYS[5], id)
      others = redis.call('ZCARD', KEYS[5])
      queued = others > 0
    end
    return 1, 0, lease, others -- its token is set once all grants are known
  end
  if wait > 0 then
    -- a refresh keeps the ticket's place and the time it was queued
    local ticket = again and redis.call('HGET', KEYS[6], id) -- only a request asking again has one
    local record = ticket and select(4, parse_ticket(ticket)) or ''
    if not ticket then
      redis.call('ZADD', KEYS[5], redis.call('INCR', KEYS[8]), id)
    end
    if record == '' then
      record = string.sub(record_tail, 2) -- "now who"
    end
    redis.call('HSET', KEYS[6], id, permits .. ' ' .. (now + wait) .. ' ' .. client .. ' ' .. record)
    queued = true
  end
  local next_expiry = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')[2]
  if #new_holders > 0 and (not next_expiry or tonumber(next_expiry) > now + lease) then
    next_expiry = now + lease -- a grant of this script, not yet written
  end
  if next_expiry then
    return 0, math.max(0, tonumber(next_expiry) - now), 0, 0
  end
  return 0, -1, 0, 0
end

for r = 0, n - 1 do
  local code, a, b, c = decide(ARGV[6 + 2 * r], ARGV[7 + 2 * r])
  local at = 4 * r
  results[at + 1], results[at + 2], results[at + 3], results[at + 4] = code, a, b, c
  if code == 1 and a == 0 then
    granted_at[#granted_at + 1] = at + 2 -- where its token goes
  end
end
if #granted_at > 0 then
  local last = redis.call('INCRBY', KEYS[7], #granted_at)
  local new_records = {}
  for k, at in ipairs(granted_at) do
    local token = last - #granted_at + k
    results[at] = token
    new_records[2 * k - 1] = granted_ids[k]
    new_records[2 * k] = granted_permits[k] .. record_tail
  end
  bulk('HSET', KEYS[3], new_records)
  bulk('ZADD', KEYS[2], new_holders)
end
if in_use_change ~= 0 then
  redis.call('INCRBY', KEYS[4], in_use_change)
end
return results
