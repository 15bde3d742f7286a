import ArgumentParser
import ByteStreams
import Foundation
import LifeboatConfiguration
import LifeboatCore

struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Write one file of a set to standard output (a folder: a tar of it).",
        discussion: """
        For pipes: nothing else is written to standard output. The entry is
        read and checked (frame checksums, its size; a whole artifact's
        SHA-256 when it has no frame index) before the first byte is written,
        so a damaged set fails with nothing sent. From S3 only the frames that
        hold it are downloaded.

        Examples:
          lifeboat dump latest invoices/2026/invoice-0042.pdf > invoice-0042.pdf
          lifeboat dump 20260122T020000Z-full-3f9a /srv/app/.env | diff - /srv/app/.env
          lifeboat dump latest invoices/2026 | tar -tvf -
        """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Set id, or 'latest'.")
    var set: String

    @Argument(help: "A files path (relative to the uploads folder) or a config path (absolute).")
    var path: String

    @Option(help: "The tier to read from (default: RESTORE_ORDER).")
    var from: String?

    func run() throws {
        let settings = try global.settings()
        let browser = SetBrowser(settings: settings, tiers: try Tiers(settings), console: .standardError)
        let stdout = FileDescriptorSink(fd: 1, path: "standard output")
        try browser.dump(set == "latest" ? nil : set, from: from, path: path, to: stdout)
    }
}
