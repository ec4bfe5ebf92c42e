-- ARGV: id, token, lease ms. Extends the lease if the id still holds the grant with this token
-- and it has not expired. Returns {lease ms}, or {0} if it is not held (its permits may be
-- someone else's now).
local id, token, lease = ARGV[1], ARGV[2], tonumber(ARGV[3])
local now = now_ms()
local record = redis.call('HGET', RECORDS, id)
if not record or string.match(record, '^%d+ (%d+)') ~= token then
  return {0}
end
if tonumber(redis.call('ZSCORE', HOLDERS, id) or '0') <= now then
  local _, in_use = drop_holder(id, record)
  grant_heads(tonumber(redis.call('GET', LIMIT) or '0'), in_use, now)
  return {0}
end
redis.call('ZADD', HOLDERS, 'XX', now + lease, id)
reach(now + lease)
return {lease}
