-- ARGV: id, token. Ends the lease only if the id still holds the grant with this token, so a
-- release sent twice ends it once. The permits freed go to the queue's heads that fit.
-- Returns the permits released (0 if the lease was no longer held).
local id, token = ARGV[1], ARGV[2]
local record = redis.call('HGET', RECORDS, id)
if not record or string.match(record, '^%d+ (%d+)') ~= token then
  return {0}
end
local released, in_use = drop_holder(id, record)
grant_heads(tonumber(redis.call('GET', LIMIT) or '0'), in_use)
return {released}
