import ArgumentParser
import Foundation
import LifeboatConfiguration
import LifeboatCore

struct LsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List what a set holds: files and config entries, MongoDB namespaces, Redis keys.",
        discussion: """
        Files entries come from the set's files index, never the tar: from S3
        only the index is downloaded. Config entries are read from its (small)
        tar. MongoDB's namespaces (documents, size, indexes) and Redis's keys
        per database come from the manifest; each collection's options from
        the archive's first bytes (never its documents). PATH limits the listing to a files
        path (relative to the uploads folder, e.g. invoices/2026) or a config
        path (absolute, e.g. /srv/app/.env) and what is below it.

        Examples:
          lifeboat ls latest
          lifeboat ls 20260122T020000Z-full-3f9a invoices/2026
          lifeboat ls latest /srv/app/.env --from s3
          lifeboat ls latest --json | jq '.entries[] | select(.size > 1000000)'
        """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Set id, or 'latest'.")
    var set: String = "latest"

    @Argument(help: "Only this path and what is below it.")
    var path: String?

    @Option(help: "The tier whose copy to read (default: RESTORE_ORDER, the first that holds the set).")
    var from: String?

    @Option(help: "Comma-separated components to list (default: all in the set).")
    var components: String?

    @Flag(help: "Print JSON (schema lifeboat.ls/1, docs/json.md).")
    var json = false

    func run() throws {
        let settings = try global.settings()
        let browser = SetBrowser(settings: settings, tiers: try Tiers(settings), console: .standardError)
        let contents = try browser.contents(set == "latest" ? nil : set, from: from, path: path, components: try components.map(Component.parseList))
        if json {
            try Output.json(contents, schema: "ls/1")
            return
        }
        Output.line("set \(contents.id) (\(contents.tier))")
        if !contents.entries.isEmpty {
            let time = Date.ISO8601FormatStyle().year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon)
            Output.table(["MODE", "SIZE", "MODIFIED (UTC)", "PATH"], contents.entries.map { entry in
                [entry.mode, entry.type == "folder" ? "-" : Output.bytes(entry.size), entry.modified.formatted(time),
                 entry.path + (entry.type == "folder" ? "/" : "") + (entry.link.map { entry.type == "hardlink" ? " (hard link to \($0))" : " -> \($0)" } ?? "")]
            })
        } else if path != nil {
            Output.line("nothing at \(path!)")
        }
        if !contents.namespaces.isEmpty {
            Output.line("")
            Output.table(["NAMESPACE", "TYPE", "DOCUMENTS", "SIZE", "INDEXES", "OPTIONS"], contents.namespaces.map {
                [$0.namespace, $0.type, String($0.documents), Output.bytes($0.bytes), String($0.indexes), $0.options ?? "-"]
            })
        }
        if !contents.redis.isEmpty {
            Output.line("")
            Output.table(["REDIS DB", "KEYS"], contents.redis.map { ["db\($0.database)", String($0.keys)] })
        }
        for other in contents.others { Output.line("\(other.component): \(other.summary)") }
        let files = contents.entries.filter { $0.type == "file" || $0.type == "hardlink" }
        Output.line("\(files.count) files (\(Output.bytes(files.reduce(0) { $0 + $1.size }))), \(contents.entries.filter { $0.type == "folder" }.count) folders"
                    + (contents.namespaces.isEmpty ? "" : ", \(contents.namespaces.count) namespaces")
                    + (contents.redis.isEmpty ? "" : ", \(contents.redis.reduce(0) { $0 + $1.keys }) Redis keys"))
    }
}
