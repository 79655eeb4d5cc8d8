-- After messages were appended durably: advances the cached session record and message window
-- when they are exactly one step behind, drops them otherwise (a missed or reordered write),
-- records the idempotency keys, and drops the session's cached contexts.
-- KEYS[1] record hash, KEYS[2] window list, KEYS[3] generation, KEYS[4] idempotency hash, KEYS[5] context hash
-- ARGV[1] ttl ms, ARGV[2] window size, ARGV[3] idempotency ttl ms,
-- ARGV[4] first new seq (0 = none created), ARGV[5] last new seq, ARGV[6] newest createdAt,
-- ARGV[7] n = number of new messages, ARGV[8 .. 7+n] their JSON, oldest first,
-- then pairs clientMsgId, message JSON
local ttl = tonumber(ARGV[1])
redis.call('INCR', KEYS[3])
redis.call('PEXPIRE', KEYS[3], ttl)
local first = tonumber(ARGV[4])
local n = tonumber(ARGV[7])
if n > 0 then
  local current = redis.call('HGET', KEYS[1], 'lastSeq')
  if current and tonumber(current) + 1 == first then
    local updated = tonumber(redis.call('HGET', KEYS[1], 'updatedAt') or '0')
    local newest = tonumber(ARGV[6])
    if newest > updated then updated = newest end
    redis.call('HSET', KEYS[1], 'lastSeq', ARGV[5], 'updatedAt', string.format('%.0f', updated))
    redis.call('PEXPIRE', KEYS[1], ttl)
    local tail = redis.call('LINDEX', KEYS[2], -1)
    if tail and cjson.decode(tail)['seq'] ~= tonumber(current) then
      redis.call('DEL', KEYS[2])
    end
    redis.call('RPUSH', KEYS[2], unpack(ARGV, 8, 7 + n))
    redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
    redis.call('PEXPIRE', KEYS[2], ttl)
  elseif current and tonumber(current) >= tonumber(ARGV[5]) then
    -- already applied (a repeated notification): nothing to do
  else
    redis.call('DEL', KEYS[1], KEYS[2])
  end
  redis.call('DEL', KEYS[5])
end
local i = 8 + n
local idem = false
while i < #ARGV do
  redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 1])
  idem = true
  i = i + 2
end
if idem then
  redis.call('PEXPIRE', KEYS[4], tonumber(ARGV[3]))
end
return 1
