-- ARGV: id, lease ms. Extends a lease this id still holds. Returns lease ms, or 0 if it holds
-- nothing (it expired: its permits may be someone else's now).
local id, lease = ARGV[1], tonumber(ARGV[2])
local now = now_ms()
purge_holders(now)
if redis.call('ZSCORE', KEYS[2], id) then
  redis.call('ZADD', KEYS[2], 'XX', now + lease, id)
  return lease
end
return 0
