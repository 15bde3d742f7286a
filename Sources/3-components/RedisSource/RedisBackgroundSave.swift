import Foundation
import RedisClient

/// The fallback when a server refuses SYNC (a managed Redis with the command
/// renamed): `BGSAVE`, wait until it finished successfully, and tell where
/// the file is, for reading it through the Docker engine.
public enum RedisBackgroundSave {
    public struct Result: Sendable {
        public var path: String
        public var keys: [String: Int]
        public var expires: Int
        public var serverVersion: String
    }

    public static func run(_ endpoint: RedisEndpoint, timeoutSeconds: Double = 3600) throws -> Result {
        do {
            let connection = try endpoint.connect()
            let facts = try RedisServerFacts.read(endpoint)
            let keyspace = RedisSnapshotter.keyspace(try connection.expect(["INFO", "keyspace"]).text ?? "")
            let version = RedisSnapshotter.field("redis_version", in: try connection.expect(["INFO", "server"]).text ?? "") ?? "unknown"
            guard case .integer(let before) = try connection.expect(["LASTSAVE"]) else { throw RedisSourceError(.server, "LASTSAVE gave no time") }
            let reply = try connection.command(["BGSAVE"])
            if case .error(let message) = reply, !message.contains("in progress") {
                throw RedisSourceError(.refused, "Redis refused BGSAVE too: \(message)")
            }
            let deadline = Date().addingTimeInterval(timeoutSeconds)
            while true {
                let persistence = try connection.expect(["INFO", "persistence"]).text ?? ""
                let running = RedisSnapshotter.field("rdb_bgsave_in_progress", in: persistence) == "1"
                // Done when no save runs and LASTSAVE moved on; LASTSAVE has
                // one-second resolution, so a save finishing within the same
                // second as the previous one counts when it is that recent.
                if case .integer(let now) = try connection.expect(["LASTSAVE"]), now > before || (!running && now >= before && before > 0 && Date().timeIntervalSince1970 - Double(now) < 2) {
                    if !running {
                        guard RedisSnapshotter.field("rdb_last_bgsave_status", in: persistence) == "ok" else {
                            throw RedisSourceError(.server, "Redis's BGSAVE failed (rdb_last_bgsave_status not ok); see its log")
                        }
                        break
                    }
                }
                if Date() > deadline { throw RedisSourceError(.server, "BGSAVE did not finish within \(Int(timeoutSeconds)) s") }
                Thread.sleep(forTimeInterval: 0.1)
            }
            return Result(path: facts.directory + "/" + facts.dbFilename, keys: keyspace.keys, expires: keyspace.expires, serverVersion: version)
        } catch {
            throw RedisSourceError.from(error)
        }
    }
}
