import ArgumentParser
import Foundation
import LifeboatConfiguration
import LifeboatCore

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Per component over the sets kept: sizes, counts, durations, compression, growth per week.",
        discussion: """
        Read from the manifests of every tier's sets (nothing is downloaded).
        STORED is what the sets take in the tiers; RATIO the newest whole
        artifact's stored bytes over its raw bytes; COUNT documents, files or
        keys of the newest whole artifact; GROWTH/WEEK the raw size's trend
        (least squares over the whole artifacts); TIME the mean seconds to
        write the artifact (sets taken since this field was recorded).
        The report page of `lifeboat serve` draws the same history.

        Examples:
          lifeboat stats
          lifeboat stats --tier s3 --json
        """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only this tier's sets (default: every tier).")
    var tier: String?

    @Flag(help: "Print JSON (schema lifeboat.stats/1, docs/json.md), with every set's points.")
    var json = false

    func run() throws {
        let settings = try global.settings()
        let tiers = try Tiers(settings)
        if let tier { _ = try tiers.named(tier) }
        let history = try SetBrowser(settings: settings, tiers: tiers, console: .standardError).history(tier: tier)
        if json {
            try Output.json(history, schema: "stats/1")
            return
        }
        guard let first = history.sets.first, let last = history.sets.last else {
            Output.line("no complete sets")
            return
        }
        Output.line("\(history.sets.count) sets from \(first.time.formatted(Date.ISO8601FormatStyle())) to \(last.time.formatted(Date.ISO8601FormatStyle()))")
        Output.table(["COMPONENT", "SETS", "STORED", "NEWEST", "RAW", "RATIO", "COUNT", "TIME", "GROWTH/WEEK"], history.components.map { c in
            [c.component, String(c.sets), Output.bytes(c.storedBytes), Output.bytes(c.latestStoredBytes), Output.bytes(c.latestRawBytes),
             c.storedToRaw.map { String(format: "%.2f", $0) } ?? "-",
             c.latestCount.map { "\($0) \(c.countUnit ?? "")" } ?? "-",
             c.meanSeconds.map { String(format: "%.1fs", $0) } ?? "-",
             c.rawGrowthPerWeek.map { ($0 >= 0 ? "+" : "-") + Output.bytes(Int64(abs($0))) } ?? "-"]
        })
        if !history.mongoWindows.isEmpty {
            let span = history.mongoWindows.reduce(0.0) { $0 + $1.end.timeIntervalSince($1.start) }
            Output.line("MongoDB restorable: \(history.mongoWindows.count) window(s) covering \(Int(span / 3600))h\(Int(span) % 3600 / 60)m, \(history.mongoGaps.count) gap(s)")
        }
    }
}
