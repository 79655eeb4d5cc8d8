-- Caches clientMsgId -> message entries read from the durable store, unless the session was
-- written or erased since the reader looked (the generation moved).
-- KEYS[1] idempotency hash, KEYS[2] generation
-- ARGV[1] generation seen before the durable read ('' = none), ARGV[2] ttl ms, then pairs clientMsgId, message JSON
-- Returns 1 when filled, 0 when refused.
local generation = redis.call('GET', KEYS[2]) or ''
if generation ~= ARGV[1] then return 0 end
for i = 3, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
