-- ARGV: lease ms, ticket deadline ms (0: do not queue), client id, who (for status: "pid host
-- command"), n, then n requests as (id, permits) pairs, then the ids of leases to release first
-- (or of tickets to withdraw).
-- Releasing and acquiring are one script so that a release, which nobody waits for, can be sent
-- with EVALSHA and still run before the requests sent after it even when Redis lost its scripts:
-- both then meet NOSCRIPT and are sent again, in order, with EVAL. Several requests ride in one
-- script when leases closed while requests of the same client waited for their permits.
-- Each request, in order, is granted if it heads the queue (or the queue is empty) and fits;
-- else its ticket is queued or refreshed. Returns, per request, four values: {1, fence, lease
-- ms, requests still queued} | {0, ms until the next expiry or -1, 0, 0} | {-1, limit, its
-- version, 0} (more than the limit) | {-3, 0, 0, 0} (no limit recorded); for n = 0 (a release only),
-- {2, permits released}.
local lease, wait, client, who = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4]
local n = tonumber(ARGV[5])
local releases = 6 + 2 * n
local released = 0
for i = releases, #ARGV do
  released = released + drop_holder(ARGV[i])
end
local queued = redis.call('ZCARD', KEYS[5]) > 0
if queued then
  for i = releases, #ARGV do -- a grant given back unclaimed may have queued instead: withdraw it
    redis.call('HDEL', KEYS[6], ARGV[i])
    redis.call('ZREM', KEYS[5], ARGV[i])
  end
end
if n == 0 then
  -- waiters are told only if there are any; expired holders and tickets are purged by the
  -- acquire, which every waiter runs at least once a second
  if queued then
    wake_heads(tonumber(redis.call('GET', KEYS[1]) or '0'))
  end
  return {2, released}
end
local results = {}
local counters = redis.call('MGET', KEYS[1], KEYS[4], KEYS[10])
local limit = tonumber(counters[1] or '-1')
local limit_version = tonumber(counters[3] or '0')
if limit < 0 then
  for _ = 1, n do
    table.insert(results, -3)
    table.insert(results, 0)
    table.insert(results, 0)
    table.insert(results, 0)
  end
  return results
end
if queued and #ARGV >= releases then
  wake_heads(limit) -- the releases may let earlier waiters in, whatever becomes of the requests
end
local now = now_ms()
local in_use = tonumber(counters[2] or '0') -- read after the releases
local purged_holders, purged_tickets = false, false

local function decide(id, permits)
  if permits > limit then
    return -1, limit, limit_version, 0
  end
  if (queued or in_use + permits > limit) and not purged_holders then
    in_use = in_use - purge_holders(now) -- expired leases matter only when permits are short
    purged_holders = true
  end
  if queued and not purged_tickets then
    purge_tickets(now)
    purged_tickets = true
  end
  local head = queued and redis.call('ZRANGE', KEYS[5], 0, 0)[1] or nil
  local first = (head == nil) or (head == id)
  -- earlier tickets whose requests fit first keep their place: a newcomer takes only what is
  -- left after them
  local ahead = 0
  if not first then
    local queue = redis.call('ZRANGE', KEYS[5], 0, -1)
    for _, ticket in ipairs(queue) do
      if ticket == id then
        break
      end
      local value = redis.call('HGET', KEYS[6], ticket)
      if value then
        local p = parse_ticket(value)
        ahead = ahead + p
      end
    end
  end
  if in_use + ahead + permits <= limit then
    redis.call('INCRBY', KEYS[4], permits)
    in_use = in_use + permits
    redis.call('HSET', KEYS[3], id, permits .. ' ' .. now .. ' ' .. who)
    redis.call('ZADD', KEYS[2], now + lease, id)
    local others = 0
    if queued then
      redis.call('HDEL', KEYS[6], id)
      redis.call('ZREM', KEYS[5], id)
      others = redis.call('ZCARD', KEYS[5])
      queued = others > 0
    end
    return 1, redis.call('INCR', KEYS[7]), lease, others
  end
  if wait > 0 then
    if redis.call('HEXISTS', KEYS[6], id) == 0 then
      redis.call('ZADD', KEYS[5], redis.call('INCR', KEYS[8]), id)
    end
    redis.call('HSET', KEYS[6], id, permits .. ' ' .. (now + wait) .. ' ' .. client)
    queued = true
  end
  local next_expiry = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')[2]
  if next_expiry then
    return 0, math.max(0, tonumber(next_expiry) - now), 0, 0
  end
  return 0, -1, 0, 0
end

for r = 0, n - 1 do
  local code, a, b, c = decide(ARGV[6 + 2 * r], tonumber(ARGV[7 + 2 * r]))
  table.insert(results, code)
  table.insert(results, a)
  table.insert(results, b)
  table.insert(results, c)
end
return results
