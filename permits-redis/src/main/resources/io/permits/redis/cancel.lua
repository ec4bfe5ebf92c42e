-- ARGV: id, tombstone ms. Settles a request that gave up, whatever its scripts did: its ticket
-- leaves the queue, a lease it was granted meanwhile (a release handed it one, or a script whose
-- reply was lost granted it) ends, and a tombstone keeps a late copy of its acquire script from
-- granting it again. The heads behind it may fit now. Safe to run twice.
-- Returns {1 if it withdrew or ended something, else 0}.
local id, keep = ARGV[1], tonumber(ARGV[2])
local now = now_ms()
redis.call('ZREMRANGEBYSCORE', GONE, '-inf', now)
redis.call('ZADD', GONE, now + keep, id)
local withdrawn = drop_ticket(id)
local ended, in_use = drop_holder(id)
local limit = redis.call('GET', LIMIT)
if limit then
  grant_heads(tonumber(limit), in_use, now)
end
if withdrawn > 0 or ended > 0 then
  return {1}
end
return {0}
