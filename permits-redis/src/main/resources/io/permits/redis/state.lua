-- Returns {limit, used, holders (flat: id, expiry-ms-left, permits, who ...), queue (flat:
-- ticket, permits, "since-ms pid host command" ...)} after purging what expired.
local now = now_ms()
purge_holders(now)
purge_tickets(now)
local holders = {}
local h = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
for i = 1, #h, 2 do
  table.insert(holders, h[i])
  table.insert(holders, tonumber(h[i + 1]) - now)
  local record = redis.call('HGET', KEYS[3], h[i]) or '0'
  -- who: "grant-ms pid host command" (a handed lease's record has its token first: "tTOKEN")
  local permits, who = string.match(record, '^(%d+) t%d+ (.*)$')
  if not permits then
    permits, who = string.match(record, '^(%d+) ?(.*)$')
  end
  table.insert(holders, tonumber(permits))
  table.insert(holders, who)
end
local queue = {}
for _, ticket in ipairs(redis.call('ZRANGE', KEYS[5], 0, -1)) do
  local value = redis.call('HGET', KEYS[6], ticket)
  if value then
    local permits, _, _, record = parse_ticket(value)
    table.insert(queue, ticket)
    table.insert(queue, permits)
    table.insert(queue, record)
  end
end
return {tonumber(redis.call('GET', KEYS[1]) or '-1'), used(), holders, queue}
