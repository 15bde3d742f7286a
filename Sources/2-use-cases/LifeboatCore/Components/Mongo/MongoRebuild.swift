import Foundation
import LifeboatConfiguration
import MongoSource

/// MongoDB in a rebuild: its service started and answering, replaced by
/// the set (and its chain's oplog up to the point in time), then its
/// collections compared with the manifest.
struct MongoRebuild: ComponentRebuild {
    var stepName: String { "mongo" }
    var order: Int { 1 }

    func service(_ settings: Settings) -> String? { settings.mongo.service }

    func waitUntilAnswering(_ settings: Settings, timeoutSeconds: Double) throws -> String? {
        let started = Date()
        try MongoServerProbe.waitUntilAnswering(uri: settings.mongo.uri!, timeoutSeconds: timeoutSeconds)
        return String(format: "MongoDB answered after %.1f s", Date().timeIntervalSince(started))
    }

    func existingData(_ settings: Settings) throws -> String? {
        let data = try MongoServerProbe.userData(uri: settings.mongo.uri!)
        guard !data.isEmpty else { return nil }
        let examples = data.sorted { $0.value > $1.value }.prefix(3).map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        return "MongoDB holds \(data.values.reduce(0, +)) documents in \(data.count) collections (\(examples))"
    }

    func plan(_ target: RebuildRun.Located, _ settings: Settings) -> String {
        "\(target.manifest.artifact(.mongo)?.mongo?.documentCount ?? 0) documents" + (target.oplogLimit.map { ", oplog up to \($0)" } ?? "")
    }

    func restore(_ target: RebuildRun.Located, in run: RebuildRun) throws -> String {
        var options = RestoreJob.Options(components: [.mongo], drop: true)
        options.oplogLimit = target.oplogLimit
        let mongo = try run.restore(target, [.mongo], options).mongo
        return "\(mongo?.inserted ?? 0) documents, \(mongo?.namespaces.count ?? 0) namespaces, \(mongo?.oplogApplied ?? 0) oplog entries replayed"
            + (target.oplogLimit.map { " (up to \($0))" } ?? "")
    }

    /// Exact when nothing was replayed on top of the dump; otherwise the
    /// replayed writes change the counts, which is expected.
    func check(_ target: RebuildRun.Located, _ settings: Settings) throws -> String? {
        guard let summary = target.manifest.artifact(.mongo)?.mongo else { return nil }
        let replayed = target.chain.count > 1 || (summary.oplog?.entries ?? 0) > 0
        let namespaces = summary.namespaces.filter { $0.type == "collection" }
        let found = try MongoServerProbe.summary(uri: settings.mongo.uri!, namespaces: namespaces.map(\.namespace))
        var byName: [String: MongoSummary.NamespaceSummary] = [:]
        for namespace in found.namespaces { byName[namespace.namespace] = namespace }
        let differing = namespaces.filter { byName[$0.namespace]?.documents != $0.documents || byName[$0.namespace]?.digest != $0.digest }
        if differing.isEmpty {
            return "MongoDB: \(namespaces.count) collections, \(summary.documentCount) documents: counts and content digests equal the manifest's"
        } else if replayed {
            return "MongoDB: \(differing.count) of \(namespaces.count) collections differ from the dump after the oplog replay (expected: the replay adds later writes)"
        }
        let shown = differing.prefix(5).map { "\($0.namespace) \(byName[$0.namespace]?.documents ?? 0)/\($0.documents)" }.joined(separator: ", ")
        throw LifeboatError.integrity("MongoDB after the restore differs from the manifest in \(differing.count) collections: \(shown)")
    }
}
