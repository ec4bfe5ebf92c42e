-- ARGV: id, permits, lease ms, ticket ms (0: do not queue), client, who ("pid host command"),
-- the client's limit (to make the keys again if they are gone).
-- Safe to run twice: an id that holds a lease gets that same lease back (token, ms left), one
-- given up (settle with a cancel) gets nothing, one queued keeps its place. So a script that Lettuce sends
-- again after a reconnect, or a waiter asking again, changes nothing it should not.
-- Returns {1, token, ms left} granted | {0, ms until the next expiry or -1} not granted (queued
-- if ticket ms > 0) | {-1, limit, version} more than the limit | {-2} given up or lapsed.
local id, permits, lease, wait = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local client, who = ARGV[5], ARGV[6]
local now = now_ms()

local function granted_before()
  local record = redis.call('HGET', RECORDS, id)
  if not record then
    return nil
  end
  local expiry = tonumber(redis.call('ZSCORE', HOLDERS, id) or '0')
  if expiry <= now then
    local _, in_use = drop_holder(id, record) -- it lapsed before its client heard of it
    grant_heads(tonumber(redis.call('GET', LIMIT) or '0'), in_use, now)
    return {-2}
  end
  return {1, tonumber(string.match(record, '^%d+ (%d+)')), expiry - now}
end

local before = granted_before()
if before then
  return before
end
if redis.call('ZSCORE', GONE, id) then
  return {-2}
end
local limit, in_use = ensure_keys(ARGV[7], now)
if permits > limit then
  drop_ticket(id)
  return {-1, limit, limit_version()}
end
if purge_holders(now) then
  in_use = used()
end
local queued, granted = grant_heads(limit, in_use, now)
if granted > 0 then
  local mine = granted_before() -- its own ticket may have been a head that now fits
  if mine then
    return mine
  end
  in_use = used()
end
if not queued and in_use + permits <= limit then
  return {1, grant(id, permits, now + lease, now, who), lease}
end
if wait > 0 then
  -- queue the ticket, or refresh its deadline where it stands (keeping when it was queued)
  local ticket = redis.call('HGET', TICKETS, id)
  local since = ticket and string.match(ticket, '^%d+ %d+ %d+ %S+ (%d+)') or now
  if not ticket then
    redis.call('ZADD', QUEUE, redis.call('INCR', SEQUENCE), id)
  end
  redis.call('HSET', TICKETS, id,
    string.format('%d %d %d %s %d %s', permits, now + wait, lease, client, since, who))
  reach(now + wait)
end
return {0, next_expiry(now)}
