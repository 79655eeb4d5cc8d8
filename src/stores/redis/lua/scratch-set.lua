-- Sets one scratchpad entry with its own expiry (Redis server time); the hash lives as long as
-- its longest-lived entry. An entry is stored as "<expiresAt>:<updatedAt>:<value JSON>".
-- KEYS[1] scratch hash; ARGV[1] key, ARGV[2] value JSON, ARGV[3] ttl ms
-- Returns { updatedAt, expiresAt } as strings.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expires = now + tonumber(ARGV[3])
local keep = 0
if redis.call('EXISTS', KEYS[1]) == 1 then
  keep = redis.call('PEXPIRETIME', KEYS[1])
end
redis.call('HSET', KEYS[1], ARGV[1], string.format('%.0f:%.0f:', expires, now) .. ARGV[2])
if keep >= 0 and keep < expires then
  redis.call('PEXPIREAT', KEYS[1], string.format('%.0f', expires))
end
return { string.format('%.0f', now), string.format('%.0f', expires) }
