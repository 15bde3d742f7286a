import ArgumentParser
import Foundation
import LifeboatConfiguration
import LifeboatCore
import Notifications

struct AlertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alert",
        abstract: "Alert channels: `alert test` sends a TEST alert through each one.",
        subcommands: [AlertTestCommand.self]
    )
}

struct AlertTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Send a TEST alert through every configured channel and say what each did.",
        discussion: """
        The daily checklist's "alert system functioning": one TEST alert to the
        webhook (ALERT_WEBHOOK_URL) and by email (ALERT_SMTP_URL, ALERT_EMAIL_FROM,
        ALERT_EMAIL_TO), each tried once, each result on its own line. The
        heartbeat (HEARTBEAT_URL) is pinged only with --heartbeat: a ping tells
        its watcher the backups are fine, which is not this command's to say.

        Exit status: 0 every channel accepted it, 1 one or more did not, 64 no
        channel is configured.

        Examples:
          lifeboat alert test
          docker compose run --rm backup alert test --heartbeat
        """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Also ping HEARTBEAT_URL (a success ping: its watcher will show the backups as running).")
    var heartbeat = false

    @Flag(help: "Print the results as JSON (schema lifeboat.alert-test/1, docs/json.md).")
    var json = false

    struct Result: Encodable {
        let channel: String
        let target: String
        let delivered: Bool
        let problem: String?
    }

    struct Results: Encodable {
        let host: String
        let project: String?
        let channels: [Result]
    }

    func run() throws {
        let settings = try global.settings()
        let alerts = settings.daemon.alerts
        let sender = AlertSender(settings: alerts, log: { _ in })
        if sender.channels.isEmpty && !(heartbeat && alerts.heartbeatURL != nil) {
            throw LifeboatError.usage("no alert channel is configured" + (alerts.heartbeatURL != nil ? " (HEARTBEAT_URL is, and is pinged only with --heartbeat)" : ""),
                                      hint: "set ALERT_WEBHOOK_URL, or ALERT_SMTP_URL with ALERT_EMAIL_FROM and ALERT_EMAIL_TO, then run `lifeboat alert test` again")
        }
        let host = ProcessInfo.processInfo.hostName
        let project = settings.docker.composeProject
        let alert = Alert(type: .test, severity: "info", component: "alert-test",
                          message: "test alert from `lifeboat alert test` on \(Alert.place(host: host, project: project)): if you read this, this channel works",
                          at: Date(), host: host, project: project)
        var results = sender.test(alert).map { channel, delivery in
            Result(channel: channel.name, target: channel.shownTarget, delivered: delivery.ok, problem: delivery.problem)
        }
        var notPinged: String?
        if let url = alerts.heartbeatURL {
            if heartbeat {
                let delivery = Heartbeat(url: url, log: { _ in }).send(.success, message: alert.message, attempts: 1)
                results.append(Result(channel: "heartbeat", target: Redaction.secretURL(url), delivered: delivery.ok, problem: delivery.problem))
            } else {
                notPinged = "heartbeat  \(Redaction.secretURL(url))  not pinged (--heartbeat pings it)"
            }
        }
        if json {
            try Output.json(Results(host: host, project: project, channels: results), schema: "alert-test/1")
        } else {
            for result in results {
                Output.line("\(result.channel.padding(toLength: 9, withPad: " ", startingAt: 0))  \(result.target)  " + (result.delivered ? "accepted" : "NOT accepted: \(result.problem ?? "?")"))
            }
            if let notPinged { Output.line(notPinged) }
        }
        let failed = results.filter { !$0.delivered }.map(\.channel)
        if failed.isEmpty {
            if !json { Output.line("alert test: the TEST alert was accepted by \(results.count == 1 ? "the one channel" : "all \(results.count) channels") (\(results.map(\.channel).joined(separator: ", ")))") }
        } else {
            throw LifeboatError(.failure, "alert test: \(failed.count) of \(results.count) channel(s) did not accept the TEST alert: \(failed.joined(separator: ", "))",
                                hint: "fix what each line above says, then run `lifeboat alert test` again")
        }
    }
}
