-- Looks up a cached context answer. Entries are "<expiresAt>:<user generation>:<payload>".
-- KEYS[1] session context hash, KEYS[2] user context generation
-- ARGV[1] variant
-- Returns { user generation, payload or '' }.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local generation = redis.call('GET', KEYS[2]) or '0'
local entry = redis.call('HGET', KEYS[1], ARGV[1])
if not entry then return { generation, '' } end
local expires, entryGeneration, payload = string.match(entry, '^(%d+):(%d+):(.*)$')
if expires == nil or tonumber(expires) <= now then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return { generation, '' }
end
if entryGeneration ~= generation then return { generation, '' } end
return { generation, payload }
