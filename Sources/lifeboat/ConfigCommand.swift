import ArgumentParser
import Daemon
import Configuration
import Foundation
import LifeboatCore

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the effective configuration and every problem found.",
        discussion: """
        Secrets are never printed; credentials inside URLs are masked. Any
        variable may instead be given as NAME_FILE, the path of a file holding
        the value (Docker secrets). Exits 64 when there is a problem.

        Examples:
          lifeboat config
          BACKUP_SCHEDULE='0 3 * * *' lifeboat config
        """
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        var overrides: [String: String] = [:]
        if let dir = global.backupDirectory { overrides["BACKUP_DIR"] = dir }
        let loaded = LoadedConfiguration.load(environment: ProcessInfo.processInfo.environment, overrides: overrides)
        Output.table(["VARIABLE", "VALUE", "FROM"], loaded.variables.map { v in
            [v.spec.name, v.displayValue, v.origin.rawValue + (v.file.map { " \($0)" } ?? "")]
        })
        if let settings = loaded.settings, !loaded.problems.contains(where: { $0.variable == "TZ" }) {
            let formatter = ISO8601DateFormatter()
            formatter.timeZone = settings.timeZone
            for schedule in Schedule.all(settings) where !loaded.problems.contains(where: { $0.variable == schedule.variable }) {
                Output.line("")
                Output.line("\(schedule.variable) '\(schedule.expression)' (\(schedule.kind.rawValue)) next runs (\(settings.timeZoneName)):")
                for run in schedule.nextRuns(5, after: Date(), in: settings.timeZone) { Output.line("  \(formatter.string(from: run))") }
            }
        }
        for warning in loaded.warnings { Output.warning(warning) }
        if !loaded.problems.isEmpty {
            Output.line("")
            Output.line("problems:")
            for problem in loaded.problems { Output.line("  - \(problem)") }
            throw LifeboatError.usage("the configuration has \(loaded.problems.count) problem(s)")
        }
        Output.line("")
        Output.line("configuration is valid")
    }
}
