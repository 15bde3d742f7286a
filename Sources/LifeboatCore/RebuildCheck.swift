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
    func check(_ target: Located, _ components: [Component]) throws -> String {
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
        if components.contains(.mongo), let summary = target.manifest.artifact(.mongo)?.mongo {
            // Exact when nothing was replayed on top of the dump; otherwise
            // the replayed writes change the counts, which is expected.
            let replayed = target.chain.count > 1 || (summary.oplog?.entries ?? 0) > 0
            let namespaces = summary.namespaces.filter { $0.type == "collection" }
            let found = try MongoServerProbe.summary(uri: settings.mongoURI!, namespaces: namespaces.map(\.namespace))
            var byName: [String: MongoSummary.NamespaceSummary] = [:]
            for namespace in found.namespaces { byName[namespace.namespace] = namespace }
            let differing = namespaces.filter { byName[$0.namespace]?.documents != $0.documents || byName[$0.namespace]?.digest != $0.digest }
            if differing.isEmpty {
                report.checks.append("MongoDB: \(namespaces.count) collections, \(summary.documentCount) documents: counts and content digests equal the manifest's")
            } else if replayed {
                report.checks.append("MongoDB: \(differing.count) of \(namespaces.count) collections differ from the dump after the oplog replay (expected: the replay adds later writes)")
            } else {
                let shown = differing.prefix(5).map { "\($0.namespace) \(byName[$0.namespace]?.documents ?? 0)/\($0.documents)" }.joined(separator: ", ")
                throw LifeboatError.integrity("MongoDB after the restore differs from the manifest in \(differing.count) collections: \(shown)")
            }
            notes.append("MongoDB data checked")
        }
        if components.contains(.redis), let summary = target.manifest.artifact(.redis)?.redis {
            let keys = try RedisServerFacts.read(try RedisEndpoint(url: settings.redisURL!)).keys
            report.checks.append("Redis: \(keys) keys (the snapshot held \(summary.totalKeys)\(keys == summary.totalKeys ? "" : "; the application has written since it started"))")
            notes.append("Redis keys counted")
        }
        if components.contains(.files), let tree = target.manifest.artifact(.files)?.tree, let uploads = settings.uploadsDirectory {
            var files = 0
            if let walker = FileManager.default.enumerator(atPath: uploads) {
                while let path = walker.nextObject() as? String {
                    if path.hasPrefix(".lifeboat-") { walker.skipDescendants(); continue }
                    if (walker.fileAttributes?[.type] as? FileAttributeType) == .typeRegular { files += 1 }
                }
            }
            report.checks.append("uploads: \(files) files in \(uploads) (the set holds \(tree.files); every file's content was checked while extracting)")
            notes.append("uploads counted")
        }
        return notes.joined(separator: ", ")
    }
}
