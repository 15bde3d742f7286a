import ArgumentParser
import LifeboatCore

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore files and config from a set.",
        discussion: """
        Every artifact is verified while it is restored; nothing live changes
        unless it matches its manifest. The uploads tree is extracted beside its
        folder and swapped in whole; the previous contents are kept beside it.
        Existing files are replaced only with --overwrite.

        With --to DIR the set is restored under DIR instead: DIR/files holds the
        uploads tree, DIR/config/<original path> each config file.

        Examples:
          lifeboat restore --to /tmp/check
          lifeboat restore latest --components config --overwrite
          lifeboat restore 20260122T020000Z-full-3f9a --components files --overwrite
        """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Set id, or 'latest'.")
    var set: String = "latest"

    @Option(help: "Comma-separated components to restore (default: all in the set).")
    var components: String?

    @Option(name: .customLong("to"), help: "Restore under this folder instead of the original places.")
    var destination: String?

    @Flag(help: "Replace existing files (the uploads folder's previous contents are kept aside).")
    var overwrite = false

    func validate() throws {
        if let destination, !destination.hasPrefix("/") {
            throw ValidationError("--to must be an absolute path")
        }
    }

    func run() throws {
        let settings = try global.settings()
        let options = RestoreJob.Options(components: try components.map(Component.parseList), destination: destination, overwrite: overwrite)
        let outcome = try RestoreJob(settings: settings).run(set == "latest" ? nil : set, options: options)
        Output.line("restored \(outcome.id): " + outcome.restored.map { "\($0.0.rawValue) → \($0.1)" }.joined(separator: ", "))
    }
}
