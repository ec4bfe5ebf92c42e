-- ARGV: ticket id. Withdraws a waiting request, or releases the lease a release handed its ticket
-- while its waiter was giving up (grant_heads); the heads behind it may fit now. Returns 1 if it
-- withdrew or released something.
local id = ARGV[1]
redis.call('HDEL', KEYS[6], id)
local removed = redis.call('ZREM', KEYS[5], id)
local released = drop_holder(id)
grant_heads_alone(tonumber(redis.call('GET', KEYS[1]) or '0'), now_ms())
if removed > 0 or released > 0 then
  return 1
end
return 0
