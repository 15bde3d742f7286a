import RedisClient

/// What a file restore needs to know about the running Redis.
public struct RedisServerFacts: Sendable {
    public var directory: String
    public var dbFilename: String
    public var appendOnly: Bool
    public var keys: Int
    public var role: String

    /// Asks the server (CONFIG GET, INFO); CONFIG may be renamed on managed
    /// servers, then the Docker image defaults (/data, dump.rdb) are assumed.
    public static func read(_ endpoint: RedisEndpoint) throws -> RedisServerFacts {
        do {
            let connection = try endpoint.connect()
            func config(_ name: String) throws -> String? {
                guard case .array(let items) = try connection.command(["CONFIG", "GET", name]), items.count == 2 else { return nil }
                return items[1].text
            }
            let keys = RedisSnapshotter.keyspace(try connection.expect(["INFO", "keyspace"]).text ?? "").keys.values.reduce(0, +)
            let role = RedisSnapshotter.field("role", in: try connection.expect(["INFO", "replication"]).text ?? "") ?? "master"
            return RedisServerFacts(directory: try config("dir") ?? "/data", dbFilename: try config("dbfilename") ?? "dump.rdb",
                                    appendOnly: try config("appendonly") == "yes", keys: keys, role: role)
        } catch {
            throw RedisSourceError.from(error)
        }
    }

    /// Waits until Redis answers and has finished loading; returns its key count.
    public static func waitUntilLoaded(_ endpoint: RedisEndpoint, timeoutSeconds: Double) throws -> Int {
        let deadline = ContinuousClock.now + .seconds(timeoutSeconds)
        var last: (any Error)?
        while ContinuousClock.now < deadline {
            do {
                let connection = try endpoint.connect(timeoutSeconds: 2)
                let persistence = try connection.expect(["INFO", "persistence"]).text ?? ""
                if RedisSnapshotter.field("loading", in: persistence) == "0" {
                    return RedisSnapshotter.keyspace(try connection.expect(["INFO", "keyspace"]).text ?? "").keys.values.reduce(0, +)
                }
            } catch {
                last = error
            }
            usleepShim(100_000)
        }
        throw RedisSourceError(.server, "Redis did not answer with its data loaded within \(Int(timeoutSeconds)) s\(last.map { " (\($0))" } ?? "")")
    }

    /// Empties every database (a drill's throw-away Redis after its check).
    public static func flushAll(_ endpoint: RedisEndpoint) throws {
        do {
            _ = try endpoint.connect().expect(["FLUSHALL"])
        } catch {
            throw RedisSourceError.from(error)
        }
    }
}

#if canImport(Glibc)
import Glibc
func usleepShim(_ microseconds: UInt32) { usleep(microseconds) }
#endif
