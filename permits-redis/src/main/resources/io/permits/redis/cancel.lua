-- ARGV: ticket id. Withdraws a waiting request; the heads behind it may fit now.
local id = ARGV[1]
redis.call('HDEL', KEYS[6], id)
local removed = redis.call('ZREM', KEYS[5], id)
wake_heads(tonumber(redis.call('GET', KEYS[1]) or '0'))
return removed
