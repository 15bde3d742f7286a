import ArgumentParser
import Foundation
import LifeboatConfiguration
import LifeboatCore

struct FindCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "find",
        abstract: "Find the sets that hold a file (or a MongoDB namespace), newest first.",
        discussion: """
        Searches every set's files index and config (and with --ns, MongoDB's
        namespaces in the manifests) and prints each match with its size and
        time, and what changed since the set before it: added, changed,
        unchanged, deleted (present: the oldest set searched). So the set
        that still has a file deleted on Tuesday is the newest one before the
        "deleted" line. A pattern without '/' matches names at any depth
        (*.pdf); with '/', the path from the uploads folder (invoices/2026/*)
        or an absolute config path (/srv/app/*.conf).

        Examples:
          lifeboat find 'invoice-0042.pdf'
          lifeboat find 'invoices/2026/*.pdf' --since 2026-11-01
          lifeboat find '.env' --tier s3
          lifeboat find 'app.*' --ns
        """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "A glob: a name (*.pdf), or a path with '/' (invoices/*/x.pdf).")
    var pattern: String

    @Option(help: "Only sets taken at or after this UTC time or day (2026-11-01, 2026-11-01T10:00:00Z).")
    var since: String?

    @Option(help: "Only sets taken at or before this UTC time or day.")
    var until: String?

    @Option(help: "Search only this tier's sets (default: every tier).")
    var tier: String?

    @Flag(help: "Match MongoDB namespaces (app.users, app.*) instead of paths.")
    var ns = false

    @Flag(help: "Print JSON (schema lifeboat.find/1, docs/json.md).")
    var json = false

    static func parseTime(_ text: String, option: String, endOfDay: Bool) throws -> Date {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
        if let day = try? Date(text + "T00:00:00Z", strategy: Date.ISO8601FormatStyle()) { return endOfDay ? day.addingTimeInterval(86_399.999) : day }
        throw ValidationError("\(option) '\(text)' is not a UTC day or time: give 2026-11-01 or 2026-11-01T10:00:00Z")
    }

    func validate() throws {
        if let since { _ = try Self.parseTime(since, option: "--since", endOfDay: false) }
        if let until { _ = try Self.parseTime(until, option: "--until", endOfDay: true) }
    }

    func run() throws {
        let settings = try global.settings()
        let tiers = try Tiers(settings)
        if let tier { _ = try tiers.named(tier) }
        let result = try SetBrowser(settings: settings, tiers: tiers, console: .standardError)
            .find(try PathPattern(pattern), since: try since.map { try Self.parseTime($0, option: "--since", endOfDay: false) },
                  until: try until.map { try Self.parseTime($0, option: "--until", endOfDay: true) }, tier: tier, namespaces: ns)
        for problem in result.unreadable { Output.warning("not searched: \(problem)") }
        if json {
            try Output.json(result, schema: "find/1")
            return
        }
        let time = Date.ISO8601FormatStyle().year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon)
        Output.table(["SET", "TIER", "CHANGE", ns ? "DOCUMENTS" : "SIZE", ns ? "TYPE" : "MODIFIED (UTC)", ns ? "NAMESPACE" : "PATH"], result.hits.map { hit in
            [hit.id.rawValue, hit.tier, hit.change,
             ns ? hit.documents.map(String.init) ?? "-" : hit.size.map(Output.bytes) ?? "-",
             ns ? hit.type ?? "-" : hit.modified?.formatted(time) ?? "-", hit.path]
        })
        let sets = Set(result.hits.filter { $0.change != "deleted" }.map(\.id)).count
        Output.line("\(sets) of \(result.setsSearched) sets hold a match for '\(pattern)'" + (result.unreadable.isEmpty ? "" : "; \(result.unreadable.count) could not be searched (above)"))
    }
}
