-- Fills a session's cached record (and, when given, its message window) from the durable store,
-- unless a write happened since the reader looked (the generation moved): then the durable
-- answer it read may be stale, and nothing is filled.
-- KEYS[1] record hash, KEYS[2] window list, KEYS[3] generation
-- ARGV[1] generation seen before the durable read ('' = none), ARGV[2] ttl ms,
-- ARGV[3] record JSON, ARGV[4] lastSeq, ARGV[5] updatedAt,
-- ARGV[6] '1' to fill the window, ARGV[7..] window messages (JSON), oldest first
-- Returns 1 when filled, 0 when refused.
local generation = redis.call('GET', KEYS[3]) or ''
if generation ~= ARGV[1] then
  return 0
end
local ttl = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 'record', ARGV[3], 'lastSeq', ARGV[4], 'updatedAt', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ttl)
if ARGV[6] == '1' then
  redis.call('DEL', KEYS[2])
  if #ARGV >= 7 then
    redis.call('RPUSH', KEYS[2], unpack(ARGV, 7))
    redis.call('PEXPIRE', KEYS[2], ttl)
  end
end
return 1
