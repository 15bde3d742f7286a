import ArgumentParser
import Daemon
import Foundation
import LifeboatCore

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check every server and tier for what the next backup and restore need.",
        discussion: """
        Goes to MongoDB, Redis, the folders, each S3 tier (with a probe object
        under a scratch prefix, removed afterwards), the local disk, the Docker
        engine, the encryption keys and the alert webhook. Each check prints
        OK, WARN, FAIL or ---- (could not be checked), what it found and how to
        fix it. Writes nothing to the databases.

        Exit status: 0 all OK, 1 warnings, 3 failures (a check that could not
        run alone is 0: it is said, not failed).

        Examples:
          lifeboat doctor
          lifeboat doctor --json | jq '.findings[] | select(.status != "OK")'
          docker compose run --rm backup doctor --send-test-alert
        """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the report as JSON (schema lifeboat.doctor/1, docs/json.md).")
    var json = false

    @Flag(help: "Also send a TEST alert through every alert channel (as `lifeboat alert test` does).")
    var sendTestAlert = false

    func run() throws {
        let settings = try global.settings()
        let sendTest = sendTestAlert
        let report = Doctor(settings: settings, extra: [{ AlertCheck.findings($0, sendTest: sendTest) }]).run()
        if json { try Output.json(report, schema: "doctor/1") } else { Output.line(report.text()) }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}
