-- Stores a context answer unless the user's generation moved since the lookup (a memory or fact
-- of the user changed while the answer was built). The hash lives as long as its newest entry.
-- KEYS[1] session context hash, KEYS[2] user context generation
-- ARGV[1] variant, ARGV[2] payload, ARGV[3] ttl ms, ARGV[4] generation seen by the lookup
-- Returns 1 when stored, 0 when refused.
local generation = redis.call('GET', KEYS[2]) or '0'
if generation ~= ARGV[4] then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], string.format('%.0f:%s:', now + ttl, generation) .. ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
