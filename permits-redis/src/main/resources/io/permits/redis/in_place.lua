-- The first part of the acquire script, before common.lua's helpers (a script pays for every
-- closure, local and string it makes, ~0.1-1 us each, and for each redis.call ~2 us beyond its
-- command): hand-overs within one client, handed over in place.
-- ARGV as in acquire.lua. When every request names the lease it releases (same id, same permits:
-- a hand-over batch, or a thread asking again right after closing) and nothing else is released,
-- and nobody is queued, and the limit still covers the permits in use, each lease stays counted
-- in used and only draws a new token, a new expiry and a new record (its grant time): 6 calls,
-- where releasing and granting under new ids cost 10 and the general path's Lua. Measured alone
-- (redis 7.0.15, 2026-12-03): one hand-over 32 us, where a release and a grant took 52 (and this
-- path inside acquire.lua, after the helpers and with an HMGET to check the records, 42). A lease
-- no longer held (it expired and was purged: its permits may be someone else's now) sends the
-- script on to the general path, which releases the ids and decides the requests as any others.
-- Replies as acquire.lua: {1, token, lease ms, 0} per request.
do
  local n = tonumber(ARGV[5])
  -- at most 1,000: Lua's unpack takes some 8,000 values (larger batches go the general way)
  if n > 0 and n <= 1000 and #ARGV == 5 + 3 * n then
    local ids = {}
    for r = 1, n do
      local id = ARGV[4 + 2 * r]
      if id ~= ARGV[5 + 2 * n + r] or not tonumber(ARGV[5 + 2 * r]) then -- not "rP": asking again
        n = 0
        break
      end
      ids[r] = id
    end
    if n > 0 and redis.call('ZCARD', KEYS[5]) == 0 then
      local counters = redis.call('MGET', KEYS[1], KEYS[4])
      if counters[1] and tonumber(counters[1]) >= tonumber(counters[2] or '0') then
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local lease = tonumber(ARGV[1])
        -- numbers turned to text once ('%d': a third of tostring's cost)
        local now_text = string.format('%d', now)
        local records_new = {}
        for r = 1, n do
          records_new[2 * r - 1] = ids[r]
          records_new[2 * r] = ARGV[5 + 2 * r] .. ' ' .. now_text .. ' ' .. ARGV[4]
        end
        -- HSET counts the fields it adds: none if every lease still has its record (one call
        -- that checks and writes; a lease's permits are the client's to know, as for a release)
        if redis.call('HSET', KEYS[3], unpack(records_new)) == 0 then
          local expiry = string.format('%d', now + lease)
          local last = redis.call('INCRBY', KEYS[7], ARGV[5])
          local results, holders_new = {}, {}
          for r = 1, n do
            holders_new[2 * r - 1] = expiry
            holders_new[2 * r] = ids[r]
            results[4 * r - 3], results[4 * r - 2], results[4 * r - 1], results[4 * r] =
              1, last - n + r, lease, 0
          end
          redis.call('ZADD', KEYS[2], unpack(holders_new))
          return results
        end
        -- a lease is gone (expired and purged: its permits may be someone else's now): take
        -- back the records just written for those without a holder entry, then the general path
        local gone = {}
        for r = 1, n do
          if not redis.call('ZSCORE', KEYS[2], ids[r]) then
            gone[#gone + 1] = ids[r]
          end
        end
        if #gone > 0 then
          redis.call('HDEL', KEYS[3], unpack(gone))
        end
      end
    end
  end
end
