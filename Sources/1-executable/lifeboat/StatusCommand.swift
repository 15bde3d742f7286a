import ArgumentParser
import Daemon
import Foundation
import LifeboatConfiguration
import LifeboatCore

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Is everything backed up right now? One screen for the whole stack.",
        discussion: """
        Per component: the source (answering?), the last complete backup
        (age, size, tiers, verification and its depth), the next run. Then
        MongoDB's restorable moments (chains, gaps, the newest oplog slice),
        each tier (sets, bytes, what the next prune removes), running and
        interrupted work, the last failure, drill and deep verification.
        Reads the tiers and asks each source one question; changes nothing.

        Exit status: 0 when all is well, 1 when something needs attention
        (the first line says what).

        Examples:
          lifeboat status
          docker compose run --rm backup status
          lifeboat status --json | jq .attention
        """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print JSON (schema lifeboat.status/1, docs/json.md).")
    var json = false

    func run() throws {
        let settings = try global.settings()
        let state = DaemonStateStore(path: settings.backupDirectory + "/.lifeboat-daemon.json").current
        let status = StackStatus.gather(settings: settings, state: state)
        if json { try Output.json(status, schema: "status/1") } else { Output.line(status.text()) }
        if !status.attention.isEmpty { throw ExitCode(1) }
    }
}
