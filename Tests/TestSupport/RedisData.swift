/// Test data for Redis: keys of every type, a tenth with TTLs, made by a
/// Lua script on the server (fast, no client round trips). Run with
/// `EVAL <script> 0 <count>`.
public enum RedisData {
    public static let seedScript = """
    for i = 1, tonumber(ARGV[1]) do
      local k = i % 6
      if k == 0 then redis.call('SET', 'str:' .. i, 'value ' .. i)
      elseif k == 1 then redis.call('HSET', 'hash:' .. i, 'a', i, 'b', 'x' .. i)
      elseif k == 2 then redis.call('RPUSH', 'list:' .. i, 'a', 'b', i)
      elseif k == 3 then redis.call('SADD', 'set:' .. i, 'a', 'b', i)
      elseif k == 4 then redis.call('ZADD', 'zset:' .. i, 1.5, 'a', i, 'b')
      else redis.call('XADD', 'stream:' .. i, '*', 'f', i) end
      if i % 10 == 0 then redis.call('PEXPIRE', (({'str:','hash:','list:','set:','zset:','stream:'})[k + 1]) .. i, 3600000 + i) end
    end
    return tonumber(ARGV[1])
    """

    /// Keys with a TTL, spread over the types, for comparing TTLs.
    public static func keysWithTTL(upTo count: Int) -> [String] {
        stride(from: 10, through: count, by: max(10, count / 10 / 10 * 10 + 10)).map { i in
            ["str:", "hash:", "list:", "set:", "zset:", "stream:"][i % 6] + String(i)
        }
    }
}
