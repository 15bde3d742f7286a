import ArgumentParser
import Daemon
import Foundation
import LifeboatCore

struct HealthcheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck",
        abstract: "Ask the running service's /healthz; exit 0 when healthy (the image's HEALTHCHECK).",
        discussion: """
        Examples:
          docker compose exec backup lifeboat healthcheck
        """
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let settings = try global.settings()
        let result: (healthy: Bool, body: String)
        do {
            result = try HealthProbe.check(settings)
        } catch {
            throw LifeboatError(.failure, "the service does not answer on LIFEBOAT_HTTP_ADDR: \(error)", hint: "is `lifeboat serve` running?")
        }
        Output.line(result.body.trimmingCharacters(in: .whitespacesAndNewlines))
        if !result.healthy { throw LifeboatError(.failure, "unhealthy") }
    }
}
