import ByteStreams
import ComposeStack
import LifeboatConfiguration
import DockerEngine
import FileSources
import Foundation
import HTTPClient
import MongoSource
import RawBSON
import RedisSource
import Storage

/// The last step: the application answers, and the restored data matches the manifest.
extension RebuildRun {
    /// The application's health endpoint, then the restored data against the manifest.
    func check(_ target: Located, _ parts: [any ComponentRebuild]) throws -> String {
        var notes: [String] = []
        if let url = settings.rebuild.healthcheckURL, let link = drillLink, !link.networks.isEmpty {
            // Only the drill's data services are attached to production's
            // network (DrillNetworkLink); its application is not, since it
            // would reach production's services by their names there.
            report.checks.append("DRILL_HEALTHCHECK_URL \(url) not checked: the drill's application runs on the drill's network only, out of reach from production's (on purpose); its containers' own health checks were waited for")
            notes.append("application health not checked")
        } else if let url = settings.rebuild.healthcheckURL {
            let started = Date()
            let deadline = started.addingTimeInterval(Double(settings.rebuild.healthcheckTimeoutSeconds))
            let transfer = try HTTPTransfer()
            var last = "no answer"
            while true {
                do {
                    let response = try transfer.perform(method: "GET", url: url, timeoutSeconds: 10, connectTimeoutSeconds: 5)
                    if (200..<300).contains(response.status) { break }
                    last = "HTTP \(response.status): \(String(decoding: response.body.prefix(200), as: UTF8.self))"
                } catch {
                    last = "\(error)"
                }
                if Date() >= deadline {
                    throw LifeboatError(.failure, "the application is not healthy after \(settings.rebuild.healthcheckTimeoutSeconds) s: \(url) → \(last)",
                                        hint: "look at the application's logs (docker compose logs); the data is restored, only the check failed")
                }
                Thread.sleep(forTimeInterval: 1)
            }
            let line = String(format: "HEALTHCHECK_URL %@ healthy after %.1f s", url, Date().timeIntervalSince(started))
            report.checks.append(line)
            notes.append("healthy")
        } else {
            report.checks.append("HEALTHCHECK_URL not set: the application was not checked")
        }
        for part in parts {
            if let line = try part.check(target, settings) {
                report.checks.append(line)
                notes.append("\(part.stepName) checked")
            }
        }
        return notes.joined(separator: ", ")
    }
}
