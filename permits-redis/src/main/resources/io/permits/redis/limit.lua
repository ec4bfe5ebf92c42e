-- ARGV: limit (for 'read', the client's own), mode ('open': record it if none, else compare;
-- 'change': set it; 'read'). Missing keys are made again from the limit given.
-- Returns {recorded limit, 1 if it matches or was set (else 0), the limit's version}.
local limit, mode = tonumber(ARGV[1]), ARGV[2]
local now = now_ms()
local recorded = redis.call('GET', LIMIT)
if not recorded then -- a first open, or keys lost with a restart: made from the client's limit
  ensure_keys(limit, now)
  return {limit, 1, limit_version()}
end
if mode == 'change' then
  redis.call('SET', LIMIT, limit, 'KEEPTTL') -- a client without expireWhenIdle must not strip it
  local version = redis.call('INCR', VERSION)
  if version == 1 then -- the version alone was gone: from the clock, as ensure_keys does
    version = now + 1
    redis.call('SET', VERSION, version)
  end
  reach(now)
  purge_holders(now)
  grant_heads(limit, nil, now)
  return {limit, 1, version}
end
recorded = tonumber(recorded)
if mode == 'read' then
  return {recorded, 1, limit_version()}
end
return {recorded, recorded == limit and 1 or 0, limit_version()}
