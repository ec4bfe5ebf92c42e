-- ARGV: id. Releases the lease if this id holds one; wakes the heads that now fit.
-- Returns 1 if it released, 0 if the id held nothing (expired, or never granted).
local id = ARGV[1]
local w = redis.call('HGET', KEYS[3], id)
local released = 0
if w then
  redis.call('DECRBY', KEYS[4], tonumber(w))
  redis.call('HDEL', KEYS[3], id)
  redis.call('HDEL', KEYS[10], id)
  redis.call('ZREM', KEYS[2], id)
  released = 1
end
-- waiters are told only if there are any; expired holders and tickets are purged by the
-- acquire script, which every waiter runs at least once a second
if redis.call('ZCARD', KEYS[5]) > 0 then
  wake_heads(tonumber(redis.call('GET', KEYS[1]) or '0'))
end
return released
