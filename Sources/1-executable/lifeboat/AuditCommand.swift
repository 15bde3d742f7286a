import ArgumentParser
import Foundation
import LifeboatConfiguration
import LifeboatCore

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Who read, restored, copied, deleted or thawed which sets, and how it ended.",
        discussion: """
        Every restore, verify, copy, prune (not a dry run), thaw, rebuild and
        drill appends a record: the time, the operation, the sets, tiers and
        components, who ran it (uid, user, host, container), the command line
        and the result. Records are kept in BACKUP_DIR/.lifeboat-audit/ and put
        as objects of their own in every remote tier (new objects only), so
        deleting sets does not delete their record. This command merges them
        from every tier (the monthly checklist's "audit backup access logs");
        it is not itself recorded.

        Examples:
          lifeboat audit
          lifeboat audit --since 90d
          lifeboat audit --since 2026-11-01T00:00:00Z --json | jq '.records[] | select(.operation == "prune")'
        """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Records from this long ago (30d, 12h) or from this moment (2026-11-01T00:00:00Z). Default 30d.")
    var since: String = "30d"

    @Flag(help: "Print the records as JSON (schema lifeboat.audit/1, docs/json.md).")
    var json = false

    func validate() throws {
        if Self.start(since) == nil {
            throw ValidationError("--since \(since) is neither a duration (30d, 12h) nor a moment (2026-11-01T00:00:00Z)")
        }
    }

    static func start(_ text: String, now: Date = Date()) -> Date? {
        if let seconds = ConfigurationValues.parseDuration(text) { return now.addingTimeInterval(-seconds) }
        return ISO8601DateFormatter().date(from: text)
    }

    struct Listing: Encodable {
        let since: Date
        let records: [AuditRecord]
        let sources: [String: Int]
        let problems: [String]
    }

    func run() throws {
        let settings = try global.settings()
        let from = Self.start(since)!
        let (records, sources, problems) = AuditTrail(settings: settings).records(since: from)
        if json {
            try Output.json(Listing(since: from, records: records, sources: sources, problems: problems), schema: "audit/1")
        } else {
            let iso = ISO8601DateFormatter()
            Output.table(["TIME", "WHO", "OPERATION", "SETS", "TIERS", "RESULT"], records.map { r in
                [iso.string(from: r.time), "\(r.who.user ?? "uid \(r.who.uid)")@\(r.who.host)", r.operation,
                 r.sets.isEmpty ? "-" : r.sets.joined(separator: ","), r.tiers.isEmpty ? "-" : r.tiers.joined(separator: ","),
                 r.result == "ok" ? "ok" : "failed (\(r.exitStatus)): \(r.message ?? "")"]
            })
            Output.line("audit: \(records.count) record(s) since \(iso.string(from: from)), read from " + sources.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", "))
        }
        for problem in problems { Output.warning(problem) }
        if !problems.isEmpty {
            throw LifeboatError(.failure, "audit: \(problems.count) tier(s) could not be read; the records above may be incomplete",
                                hint: "check the tier (`lifeboat doctor`) and run `lifeboat audit` again")
        }
    }
}
