-- Returns {limit (-1 if none), used, holders (flat: id, ms left, permits, "since-ms pid host
-- command"), queue (flat: ticket, permits, "since-ms pid host command"), version} after ending
-- what expired. For counts and status, not on any request's path: it reads the whole queue.
local now = now_ms()
purge_holders(now)
local queue = {}
for _, id in ipairs(redis.call('ZRANGE', QUEUE, 0, -1)) do
  local ticket = redis.call('HGET', TICKETS, id)
  local permits, deadline, since, who
  if ticket then
    permits, deadline, since, who = string.match(ticket, '^(%d+) (%d+) %d+ %S+ (%d+) (.*)$')
  end
  if not permits or tonumber(deadline) < now then
    drop_ticket(id)
  else
    table.insert(queue, id)
    table.insert(queue, tonumber(permits))
    table.insert(queue, since .. ' ' .. who)
  end
end
local holders = {}
local h = redis.call('ZRANGE', HOLDERS, 0, -1, 'WITHSCORES')
for i = 1, #h, 2 do
  local record = redis.call('HGET', RECORDS, h[i]) or '0 0 0'
  local permits, rest = string.match(record, '^(%d+) %d+ (.*)$')
  table.insert(holders, h[i])
  table.insert(holders, tonumber(h[i + 1]) - now)
  table.insert(holders, tonumber(permits or '0'))
  table.insert(holders, rest or '')
end
return {tonumber(redis.call('GET', LIMIT) or '-1'), used(), holders, queue,
  limit_version()}
