-- ARGV: id ('' for a release only), permits, lease ms, ticket deadline ms (0: do not queue),
-- client id, who (for status: "pid host command"), then the ids of leases to release first
-- (or of tickets to withdraw).
-- Releasing and acquiring are one script so that a release, which nobody waits for, can be sent
-- with EVALSHA and still run before the requests sent after it even when Redis lost its scripts:
-- both then meet NOSCRIPT and are sent again, in order, with EVAL. A closed lease whose permits a
-- request of the same client waits for is released by that request's script.
-- Grants if the request heads the queue (or the queue is empty) and fits; else queues or
-- refreshes its ticket. Returns {1, fence, lease ms, requests still queued} | {0, ms until the next expiry or -1} |
-- {-1, limit} (more than the limit) | {-3} (no limit recorded) | {2, permits released} (a
-- release only).
local id, permits, lease = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local wait, client = tonumber(ARGV[4]), ARGV[5]
local released = 0
for i = 7, #ARGV do
  released = released + drop_holder(ARGV[i])
end
local queued = redis.call('ZCARD', KEYS[5]) > 0
if queued then
  for i = 7, #ARGV do -- a grant given back unclaimed may have queued instead: withdraw it
    redis.call('HDEL', KEYS[6], ARGV[i])
    redis.call('ZREM', KEYS[5], ARGV[i])
  end
end
if id == '' then
  -- waiters are told only if there are any; expired holders and tickets are purged by the
  -- acquire, which every waiter runs at least once a second
  if queued then
    wake_heads(tonumber(redis.call('GET', KEYS[1]) or '0'))
  end
  return {2, released}
end
local counters = redis.call('MGET', KEYS[1], KEYS[4])
local limit = tonumber(counters[1] or '-1')
if limit < 0 then
  return {-3}
end
if queued and #ARGV > 6 then
  wake_heads(limit) -- the releases may let earlier waiters in, whatever becomes of this request
end
if permits > limit then
  return {-1, limit}
end
local now = now_ms()
local in_use = tonumber(counters[2] or '0') -- read after the releases
if queued or in_use + permits > limit then
  in_use = in_use - purge_holders(now) -- expired leases matter only when permits are short
end
if queued then
  purge_tickets(now)
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
  redis.call('HSET', KEYS[3], id, permits .. ' ' .. now .. ' ' .. (ARGV[6] or ''))
  redis.call('ZADD', KEYS[2], now + lease, id)
  local others = 0
  if queued then
    redis.call('HDEL', KEYS[6], id)
    redis.call('ZREM', KEYS[5], id)
    others = redis.call('ZCARD', KEYS[5])
  end
  local fence = redis.call('INCR', KEYS[7])
  return {1, fence, lease, others}
end
if wait > 0 then
  if redis.call('HEXISTS', KEYS[6], id) == 0 then
    redis.call('ZADD', KEYS[5], redis.call('INCR', KEYS[8]), id)
  end
  redis.call('HSET', KEYS[6], id, permits .. ' ' .. (now + wait) .. ' ' .. client)
end
local next_expiry = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')[2]
if next_expiry then
  return {0, math.max(0, tonumber(next_expiry) - now)}
end
return {0, -1}
