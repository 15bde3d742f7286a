import ArgumentParser
import Configuration
import Foundation
import LifeboatCore

/// Options every verb shares; each overrides its environment variable.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("backup-dir"), help: "The local tier (overrides BACKUP_DIR).")
    var backupDirectory: String?

    /// Reads the configuration, prints its warnings, and fails with every
    /// problem at once.
    func settings(_ extra: [String: String] = [:]) throws -> Settings {
        var overrides = extra
        if let backupDirectory { overrides["BACKUP_DIR"] = backupDirectory }
        let loaded = LoadedConfiguration.load(environment: ProcessInfo.processInfo.environment, overrides: overrides)
        for warning in loaded.warnings { Output.warning(warning) }
        do {
            return try loaded.validSettings()
        } catch {
            throw LifeboatError.wrap(error, doing: "reading the configuration")
        }
    }
}
