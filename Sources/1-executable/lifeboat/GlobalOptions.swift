import ArgumentParser
import LifeboatConfiguration
import Foundation
import LifeboatCore

/// Options every verb shares; each overrides its environment variable.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("backup-dir"), help: "The local tier (overrides BACKUP_DIR).")
    var backupDirectory: String?

    /// The settings without a word (nil when invalid): for the audit record
    /// of a command that has read them already.
    func quietSettings() -> Settings? {
        var overrides: [String: String] = [:]
        if let backupDirectory { overrides["BACKUP_DIR"] = backupDirectory }
        return try? LoadedConfiguration.load(environment: ProcessInfo.processInfo.environment, overrides: overrides).validSettings()
    }

    /// Reads the configuration, prints its warnings, and fails with every
    /// problem at once.
    /// With `strictNames` (backup, serve), a likely misspelt variable is an
    /// error: it may be a component or a tier silently left out.
    func settings(_ extra: [String: String] = [:], strictNames: Bool = false) throws -> Settings {
        var overrides = extra
        if let backupDirectory { overrides["BACKUP_DIR"] = backupDirectory }
        let loaded = LoadedConfiguration.load(environment: ProcessInfo.processInfo.environment, overrides: overrides)
        for warning in loaded.warnings { Output.warning(warning) }
        if !strictNames {
            for typo in loaded.typos { Output.warning(typo.description) }
        }
        do {
            let settings = try loaded.validSettings(strictNames: strictNames)
            // Checks that need the parsed settings: URIs as their clients
            // parse them; for backup and serve, folders and files too.
            let problems = ConfigurationCheck.problems(settings, checkFiles: strictNames)
            if !problems.isEmpty { throw ConfigurationError(problems: problems) }
            return settings
        } catch {
            throw LifeboatError.wrap(error, doing: "reading the configuration")
        }
    }
}
