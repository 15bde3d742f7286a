import ArgumentParser
import Daemon
import LifeboatConfiguration
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
          lifeboat config --markdown > docs/configuration.md
        """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the table of every variable as Markdown (docs/configuration.md) and exit.")
    var markdown = false

    @Flag(help: "Print the configuration as JSON (schema lifeboat.config/1, docs/json.md); secrets stay redacted.")
    var json = false

    struct Result: Encodable {
        struct Variable: Encodable { let name: String; let value: String?; let origin: String; let file: String?; let secret: Bool }
        struct Schedule: Encodable { let variable: String; let cron: String; let kind: String; let nextRuns: [Date] }
        let variables: [Variable]
        let schedules: [Schedule]
        let components: [String]
        let warnings: [String]
        let problems: [String]
        let valid: Bool
    }

    func run() throws {
        if markdown {
            FileHandle.standardOutput.write(Data(VariableSpec.markdownTable().utf8))
            return
        }
        var overrides: [String: String] = [:]
        if let dir = global.backupDirectory { overrides["BACKUP_DIR"] = dir }
        let loaded = LoadedConfiguration.load(environment: ProcessInfo.processInfo.environment, overrides: overrides)
        if json {
            let problems = loaded.problems + loaded.typos + (loaded.settings.map { ConfigurationCheck.problems($0, checkFiles: true) } ?? [])
            let schedules = loaded.settings.map { settings in
                Schedule.all(settings).map { Result.Schedule(variable: $0.variable, cron: $0.expression, kind: $0.kind.rawValue, nextRuns: $0.nextRuns(5, after: Date(), in: settings.timeZone)) }
            } ?? []
            let result = Result(variables: loaded.variables.map { v in
                                    Result.Variable(name: v.spec.name, value: v.value == nil ? nil : v.displayValue, origin: v.origin.rawValue, file: v.file, secret: v.spec.isSecret)
                                },
                                schedules: schedules, components: loaded.settings.map { BackupJob.configuredComponents($0).map(\.rawValue) } ?? [],
                                warnings: loaded.warnings, problems: problems.map(\.description), valid: problems.isEmpty)
            try Output.json(result, schema: "config/1")
            if !problems.isEmpty { throw LifeboatError.usage("the configuration has \(problems.count) problem(s)") }
            return
        }
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
        if let settings = loaded.settings {
            let components = BackupJob.configuredComponents(settings)
            Output.line("")
            Output.line("components: \(components.isEmpty ? "none" : components.map(\.rawValue).joined(separator: ", "))"
                        + (settings.declaredComponents == nil ? " (found from the variables set; BACKUP_COMPONENTS declares them)" : " (BACKUP_COMPONENTS)"))
        }
        for warning in loaded.warnings { Output.warning(warning) }
        let problems = loaded.problems + loaded.typos + (loaded.settings.map { ConfigurationCheck.problems($0, checkFiles: true) } ?? [])
        if !problems.isEmpty {
            Output.line("")
            Output.line("problems:")
            for problem in problems { Output.line("  - \(problem)") }
            throw LifeboatError.usage("the configuration has \(problems.count) problem(s)")
        }
        Output.line("")
        Output.line("configuration is valid")
    }
}
