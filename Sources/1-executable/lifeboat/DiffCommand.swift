import ArgumentParser
import Foundation
import LifeboatConfiguration
import LifeboatCore

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "What changed between two sets: files, config, MongoDB namespaces, Redis keys.",
        discussion: """
        Files and config entries added, removed, changed (size, mtime, mode,
        type, link target) and renamed (the same file, by inode, size and time,
        under another name), read from the sets' indexes; per MongoDB namespace
        the documents and bytes before and after where its content digest
        differs; Redis keys per database where the count differs.

        Examples:
          lifeboat diff 20260122T020000Z-full-3f9a latest
          lifeboat diff 20260121T020000Z-full-0a1b 20260122T020000Z-incr-3f9a --json
        """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The older set (id or 'latest').")
    var first: String

    @Argument(help: "The newer set (id or 'latest').")
    var second: String

    @Option(help: "The tier to read both sets from (default: RESTORE_ORDER).")
    var from: String?

    @Flag(help: "Print JSON (schema lifeboat.diff/1, docs/json.md).")
    var json = false

    func run() throws {
        let settings = try global.settings()
        let browser = SetBrowser(settings: settings, tiers: try Tiers(settings), console: .standardError)
        let diff = try browser.diff(first == "latest" ? nil : first, second == "latest" ? nil : second, from: from)
        if json {
            try Output.json(diff, schema: "diff/1")
            return
        }
        Output.line("from \(diff.from) to \(diff.to)")
        let marks = ["added": "+", "removed": "-", "changed": "M", "renamed": "R"]
        for change in diff.changes {
            let detail: String
            switch change.kind {
            case "renamed": detail = "\(change.from ?? "?") → \(change.path)"
            case "changed": detail = "\(change.path) (\(change.fields.joined(separator: ", "))" + (change.fields.contains("size") ? ": \(Output.bytes(change.sizeBefore ?? 0)) → \(Output.bytes(change.sizeAfter ?? 0))" : "") + ")"
            default: detail = change.path
            }
            Output.line("\(marks[change.kind] ?? "?")  \(detail)")
        }
        for ns in diff.namespaces {
            Output.line("M  mongo \(ns.name): \(ns.before) → \(ns.after) documents" + (ns.bytesBefore != nil || ns.bytesAfter != nil ? ", \(Output.bytes(ns.bytesBefore ?? 0)) → \(Output.bytes(ns.bytesAfter ?? 0))" : ""))
        }
        for db in diff.redis { Output.line("M  redis \(db.name): \(db.before) → \(db.after) keys") }
        let count = { (kind: String) in diff.changes.filter { $0.kind == kind }.count }
        Output.line("\(count("added")) added, \(count("removed")) removed, \(count("changed")) changed, \(count("renamed")) renamed; \(diff.namespaces.count) namespaces and \(diff.redis.count) Redis databases differ")
    }
}
