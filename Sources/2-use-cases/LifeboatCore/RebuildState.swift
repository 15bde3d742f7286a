import Foundation

/// What an unfinished rebuild has done, in BACKUP_DIR/.lifeboat-rebuild.json
/// (written atomically after each step that changes the stack): a rebuild
/// started again after an interruption continues with the same set and
/// skips those steps. Removed when the rebuild succeeds.
struct RebuildState: Codable, Sendable {
    var set: String
    /// What was asked (set, --to-time, --from): only the same request resumes.
    var request: String?
    var tier: String
    var startedAt: Date
    var oplogLimit: String?
    var done: [String] = []
    /// Steps started (done or not): a started step found undone was interrupted.
    var begun: [String] = []
    /// Set once the stack was found empty (or --force): the data found on a
    /// later run is this rebuild's own, not someone else's.
    var restoreBegan = false

    static func load(_ path: String) -> RebuildState? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(RebuildState.self, from: data)
    }

    func save(_ path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
