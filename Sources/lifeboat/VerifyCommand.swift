import ArgumentParser
import Configuration
import LifeboatCore

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a set against its manifest.",
        discussion: """
        Recomputes every artifact's SHA-256 and size, decompresses it and reads
        its structure to the end (every tar header and byte), and compares the
        counts with the manifest. The result is recorded beside the set and
        shown by `lifeboat list`. Exits 3 on any mismatch.

        Examples:
          lifeboat verify
          lifeboat verify 20260122T020000Z-full-3f9a --json
        """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Set id, or 'latest'.")
    var set: String = "latest"

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() throws {
        let settings = try global.settings()
        let catalog = SetCatalog(localTierOf: settings)
        let entry = try catalog.resolve(set == "latest" ? nil : set)
        let report = try Verifier(tier: catalog.tier).verify(entry.manifest)
        if json {
            try Output.json(report)
        } else {
            Output.line("set \(report.id) (\(report.tier))")
            Output.table(["ARTIFACT", "BYTES", "SHA-256", "VERDICT"], report.artifacts.map { a in
                [a.file, a.foundBytes.map(String.init) ?? "-", String((a.foundSHA256 ?? "-").prefix(16)), a.passed ? "ok" : "FAILED"]
            })
            for problem in report.problems { Output.line("  \(problem)") }
            Output.line(report.passed ? "verification passed" : "verification FAILED")
        }
        if !report.passed {
            throw LifeboatError.integrity("set \(report.id) failed verification", hint: "restore from another set; `lifeboat list` shows which verified")
        }
    }
}
