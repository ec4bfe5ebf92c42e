-- ARGV: id, permits, lease ms, ticket deadline ms (0: do not queue), client id, who (for
-- status: "pid host command"; recorded as "grant-time-ms pid host command").
-- Grants if the request heads the queue (or the queue is empty) and fits; else queues or
-- refreshes its ticket. Returns {1, fence, lease ms} | {0, ms until the next expiry or -1} |
-- {-1, limit} (more than the limit) | {-3} (no limit recorded).
local id, permits, lease = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local wait, client = tonumber(ARGV[4]), ARGV[5]
local limit = tonumber(redis.call('GET', KEYS[1]) or '-1')
if limit < 0 then
  return {-3}
end
if permits > limit then
  return {-1, limit}
end
local now = now_ms()
purge_holders(now)
local queued = redis.call('ZCARD', KEYS[5]) > 0
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
if used() + ahead + permits <= limit then
  redis.call('INCRBY', KEYS[4], permits)
  redis.call('HSET', KEYS[3], id, permits)
  redis.call('HSET', KEYS[10], id, now .. ' ' .. (ARGV[6] or ''))
  redis.call('ZADD', KEYS[2], now + lease, id)
  if queued then
    redis.call('HDEL', KEYS[6], id)
    redis.call('ZREM', KEYS[5], id)
  end
  local fence = redis.call('INCR', KEYS[7])
  return {1, fence, lease}
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
