-- Reads live scratchpad entries (Redis server time decides expiry) and drops expired ones.
-- KEYS[1] scratch hash; ARGV[1] 'get' | 'list' | 'delete', ARGV[2] key (get, delete)
-- get: the stored entry or false; list: flat { key, entry, ... } of live entries;
-- delete: 1 when a live entry was removed, else 0.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function live(entry)
  local expires = tonumber(string.match(entry, '^(%d+):'))
  return expires ~= nil and expires > now
end
local mode = ARGV[1]
if mode == 'list' then
  local all = redis.call('HGETALL', KEYS[1])
  local out = {}
  for i = 1, #all, 2 do
    if live(all[i + 1]) then
      out[#out + 1] = all[i]
      out[#out + 1] = all[i + 1]
    else
      redis.call('HDEL', KEYS[1], all[i])
    end
  end
  return out
end
local entry = redis.call('HGET', KEYS[1], ARGV[2])
if not entry then
  if mode == 'delete' then return 0 end
  return false
end
local alive = live(entry)
if mode == 'delete' or not alive then
  redis.call('HDEL', KEYS[1], ARGV[2])
end
if mode == 'delete' then
  if alive then return 1 end
  return 0
end
if alive then return entry end
return false
