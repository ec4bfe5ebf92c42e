-- ARGV: limit, mode ('open': record it if none, else compare; 'change': set it; 'read').
-- Returns {recorded limit (-1 if none), 1 if it matches or was set (else 0), the limit's version}.
local limit, mode = tonumber(ARGV[1]), ARGV[2]
local now = now_ms()
local recorded = redis.call('GET', LIMIT)
if mode == 'read' then
  return {tonumber(recorded or '-1'), 1, limit_version()}
end
if not recorded then
  ensure_keys(limit, now)
  return {limit, 1, limit_version()}
end
if mode == 'change' then
  redis.call('SET', LIMIT, limit)
  local version = redis.call('INCR', VERSION)
  purge_holders(now)
  grant_heads(limit, nil, now)
  return {limit, 1, version}
end
recorded = tonumber(recorded)
return {recorded, recorded == limit and 1 or 0, limit_version()}
