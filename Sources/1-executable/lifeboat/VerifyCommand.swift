import ArgumentParser
import LifeboatConfiguration
import Foundation
import LifeboatCore

struct VerifyCommand: AuditedCommand {
    var auditOperation: String? { "verify" }
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a set against its manifest.",
        discussion: """
        Recomputes every artifact's SHA-256 and size, decompresses it and reads
        its structure to the end (every tar header and byte), and compares the
        counts with the manifest. The result is recorded beside the set, per
        artifact, and shown by `lifeboat list`. Exits 3 when an artifact is at
        fault (only its component is blocked from restores), 2 when a check
        could not run (a server down, no key, a tier unreachable): that is
        "not checked", never a failed set.

        Examples:
          lifeboat verify
          lifeboat verify 20260122T020000Z-full-3f9a --json
          lifeboat verify latest --deep
          lifeboat verify latest --from s3      # download and check the remote copy
        """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Set id, or 'latest'.")
    var set: String = "latest"

    @Option(help: "The tier whose copy to check: local, s3 or glacier (default: local, then the remote tiers when the set is not local).")
    var from: String?

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Flag(help: "Also test-restore the MongoDB artifact into scratch databases (VERIFY_MONGO_URI or MONGO_URI) and compare every collection's count and content digest.")
    var deep = false

    func run() throws {
        let settings = try global.settings()
        let (tier, entry) = try TieredCatalog(tiers: try Tiers(settings)).resolve(set == "latest" ? nil : set, from: from)
        AuditNotes.shared.note(sets: [entry.id.rawValue], tiers: [entry.tier], components: entry.manifest.artifacts.map(\.component.rawValue))
        var deepURI: String?
        if deep && entry.manifest.artifact(.mongo) != nil {
            deepURI = settings.mongo.verifyURI ?? settings.mongo.uri
            if deepURI == nil {
                throw LifeboatError.usage("--deep needs a server to test-restore into", hint: "set VERIFY_MONGO_URI or MONGO_URI")
            }
        }
        let console = Console.terminal(progress: settings.showProgress)
        let report = try console.withProgress { try Verifier(tier: tier, console: console, settings: settings).verify(entry.manifest, deepMongoURI: deepURI) }
        if json {
            try Output.json(VerifyResult(report), schema: "verify/1")
        } else {
            Output.line("set \(report.id) (\(report.tier))")
            Output.table(["ARTIFACT", "SIZE", "SHA-256", "VERDICT"], report.artifacts.map { a in
                [a.file, a.foundBytes.map { Output.bytes(Int64($0)) } ?? "-", String((a.foundSHA256 ?? "-").prefix(16)),
                 a.state == .passed ? "ok" : a.state == .failed ? "FAILED" : "not checked"]
            })
            if let rows = report.deepMongo {
                Output.line("")
                Output.line("test restore (MongoDB):")
                Output.table(["NAMESPACE", "EXPECTED", "FOUND", "VERDICT"], rows.map { row in
                    [row.namespace, String(row.expectedDocuments), row.foundDocuments.map(String.init) ?? "-",
                     row.passed ? "ok" : (row.foundDocuments == row.expectedDocuments ? "CONTENT DIFFERS" : "FAILED")]
                })
            }
            for problem in report.problems { Output.line("  \(problem)") }
            for reason in report.unchecked { Output.line("  not checked: \(reason)") }
            switch report.state {
            case .passed: Output.line("verification passed")
            case .failed: Output.line("verification FAILED")
            case .notChecked: Output.line("verification incomplete: nothing was found wrong, but \(report.unchecked.count) check(s) could not run (see above); the set is not marked failed")
            }
        }
        switch report.state {
        case .passed: break
        case .failed:
            let damaged = Set(report.artifacts.filter { !$0.problems.isEmpty }.map(\.component))
            let intact = entry.manifest.components.filter { !damaged.contains($0) }
            let hint = damaged.isEmpty || intact.isEmpty
                ? "restore from another set; `lifeboat list` shows which verified"
                : "the intact components can still be restored: lifeboat restore \(report.id) --components \(intact.map(\.rawValue).joined(separator: ","))"
            throw LifeboatError.integrity("set \(report.id) failed verification", hint: hint)
        case .notChecked:
            throw LifeboatError(.notChecked, "set \(report.id) was not fully checked: \(report.unchecked.joined(separator: "; "))",
                                hint: "fix what stopped the check and run `lifeboat verify \(report.id)\(deep ? " --deep" : "")` again")
        }
    }
}
