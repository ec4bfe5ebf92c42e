-- ARGV: limit, mode ('open': record it if none, else compare; 'change': set it; 'read').
-- Returns {recorded limit, 1 if it matches or was set, 0 if it differs, the limit's version}.
local limit, mode = tonumber(ARGV[1]), ARGV[2]
local recorded = redis.call('GET', KEYS[1])
local version = tonumber(redis.call('GET', KEYS[10]) or '0')
if mode == 'read' then
  return {tonumber(recorded or '-1'), 1, version}
end
if recorded == false or mode == 'change' then
  redis.call('SET', KEYS[1], limit)
  version = redis.call('INCR', KEYS[10])
  if redis.call('EXISTS', KEYS[4]) == 0 then
    redis.call('SET', KEYS[4], 0)
  end
  grant_heads_alone(limit, now_ms())
  return {limit, 1, version}
end
recorded = tonumber(recorded)
if recorded == limit then
  return {recorded, 1, version}
end
return {recorded, 0, version}
