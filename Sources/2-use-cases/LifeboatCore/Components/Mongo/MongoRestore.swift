import Foundation
import LifeboatConfiguration
import MongoArchive
import MongoSource
import Storage
import RawBSON

/// A MongoDB restore: the set's chain (its full set, then each
/// incremental's oplog), every link's stored bytes checked first, the
/// target namespaces looked at, then restored in order and the result
/// compared with the manifest.
struct MongoRestore: PreparedRestore {
    let restore: ComponentRestore
    let uri: String
    let chain: [Manifest]
    let live: Bool
    var component: Component { .mongo }

    static func prepare(_ restore: ComponentRestore) throws -> MongoRestore {
        guard let uri = restore.settings.mongo.uri else {
            throw LifeboatError.usage("restoring 'mongo' needs MONGO_URI", hint: "set MONGO_URI to the server to restore into")
        }
        let options = restore.options
        let manifest = restore.manifest
        let chain = try self.chain(ending: manifest, in: restore.catalog, tierName: restore.tier.name)
        for link in chain {
            try restore.checkWhole(link.artifact(.mongo)!, in: link.id)
        }
        let base = chain[0].artifact(.mongo)?.mongo
        let selected = (base?.namespaces ?? []).compactMap { summary -> (Namespace, Namespace)? in
            guard let namespace = Namespace(summary.namespace), options.mongoSelection.selects(namespace) else { return nil }
            return (namespace, options.mongoSelection.target(of: namespace))
        }
        if selected.isEmpty, base?.namespaces.isEmpty == false {
            throw LifeboatError.usage("no namespace of set \(manifest.id) matches the selection (--ns, --ns-exclude, --ns-from)",
                                      hint: "it holds: \((base?.namespaces ?? []).prefix(10).map(\.namespace).joined(separator: ", "))")
        }
        try checkTargets(uri: uri, targets: selected.map(\.1), options: options)
        // Live: the server the set came from (or an unknown one), and a
        // target in one of the set's own databases.
        let setDatabases = Set((base?.namespaces ?? []).compactMap { Namespace($0.namespace)?.db })
        let artifact = restore.artifact(.mongo)
        let sameServer = artifact.source == nil || artifact.source == ServerIdentity.mongo(uri)
        let live = sameServer && selected.contains { setDatabases.contains($0.1.db) }
        return MongoRestore(restore: restore, uri: uri, chain: chain, live: live)
    }

    /// The sets whose MongoDB artifacts restore `manifest`'s state: its
    /// chain's full set, then each incremental up to it, every link found
    /// in this tier and continuous (each oplog starts where its parent ended).
    static func chain(ending manifest: Manifest, in catalog: SetCatalog, tierName: String) throws -> [Manifest] {
        try SetChain.links(ending: manifest, in: catalog, next: \.parent, missing: { child, parentID in
            LifeboatError.integrity("set \(child.id) depends on \(parentID), which is not in the \(tierName) tier: the chain is broken",
                                    hint: "restore a set whose chain is whole (`lifeboat list` shows parents), or copy the missing set back")
        }, check: { child, parent in
            if let gap = oplogGap(child, parent) { throw LifeboatError.integrity(gap) }
        })
    }

    /// Why `child`'s oplog does not continue `parent`'s, or nil.
    static func oplogGap(_ child: Manifest, _ parent: Manifest) -> String? {
        guard let start = child.artifact(.mongo)?.mongo?.oplog?.start, let end = parent.artifact(.mongo)?.mongo?.oplog?.end, start != end else { return nil }
        return "set \(child.id)'s oplog starts at \(start) but its parent \(parent.id) ends at \(end): the chain has a gap"
    }

    /// Restoring into a namespace that holds documents replaces them
    /// (--overwrite, or its synonym --drop) or merges into them (--merge);
    /// with neither it is refused, naming what is there.
    private static func checkTargets(uri: String, targets: [Namespace], options: RestoreJob.Options) throws {
        guard options.mongoMode == .refuseExisting else { return }
        let occupied = try MongoServerProbe.existing(uri: uri, namespaces: targets).filter { ($0.documents ?? 1) > 0 }
        guard !occupied.isEmpty else { return }
        let shown = occupied.prefix(8).map { "\($0.namespace) (\($0.documents.map { "\($0) documents" } ?? "a view"))" }.joined(separator: ", ")
            + (occupied.count > 8 ? ", … (\(occupied.count) in all)" : "")
        throw LifeboatError.usage("MongoDB already holds \(shown)",
                                  hint: "pass --overwrite to replace those collections with the set's, or --merge to insert only the documents whose _id is not there; or restore under other names with --ns-from/--ns-to")
    }

    func apply(into outcome: inout RestoreJob.Outcome) throws {
        let result = try restoreChain()
        outcome.mongo = result
        outcome.restored.append((.mongo, "MongoDB"))
        if restore.options.mongoMode == .merge, result.failed > 0 {
            outcome.notes.append("mongo: \(result.failed) documents already there were kept (--merge)")
        }
    }

    private func restoreChain() throws -> MongoRestorer.Outcome {
        let console = restore.console
        let options = restore.options
        let warn = console.warn
        var total: MongoRestorer.Outcome?
        let replace = options.mongoMode == .replace
        for (index, link) in chain.enumerated() {
            let artifact = link.artifact(.mongo)!
            // The full set's data as asked (replaced or merged); the incrementals only replay their oplog.
            let restorer = MongoRestorer(uri: uri, options: .init(selection: options.mongoSelection, drop: index == 0 && replace,
                                                                   replayOplog: options.replayOplog,
                                                                   parallelism: restore.settings.mongo.insertionParallelism,
                                                                   oplogLimit: options.oplogLimit),
                                         warn: { warn($0) })
            let outcome: MongoRestorer.Outcome
            do {
                outcome = try restorer.restore(from: restore.contents(artifact, of: link.id))
            } catch {
                throw LifeboatError.wrap(error, doing: "restoring mongo from \(link.id)")
            }
            if index == 0 {
                let kept = options.mongoMode == .merge ? ", \(outcome.failed) already there kept (--merge)" : ""
                console.info("  mongo: \(outcome.inserted) documents restored\(kept), \(outcome.oplogApplied) oplog entries replayed\(Self.describeInsertion(outcome, restore.settings.mongo.insertionParallelism))")
                try crossCheck(outcome, against: artifact, in: link.id, mode: options.mongoMode)
                total = outcome
            } else {
                console.info("  mongo: \(outcome.oplogApplied) oplog entries replayed from \(link.id)")
                total?.oplogApplied += outcome.oplogApplied
            }
            if let limit = options.oplogLimit, let end = artifact.mongo?.oplog?.end, end >= limit { break }
        }
        return total!
    }

    /// How many connections inserted, and for `auto` what was tried.
    static func describeInsertion(_ outcome: MongoRestorer.Outcome, _ parallelism: InsertionParallelism) -> String {
        guard outcome.inserted > 0 else { return "" }
        let connections = "\(outcome.insertionLevel) connection\(outcome.insertionLevel == 1 ? "" : "s")"
        guard case .adaptive = parallelism else { return " (\(connections) inserting)" }
        let others = outcome.insertionLevelsTried.filter { $0 != outcome.insertionLevel }
        return " (\(connections) inserting, measured\(others.isEmpty ? "" : "; also tried \(others.map(String.init).joined(separator: ", "))"))"
    }

    /// What was restored against what the manifest says the set holds, per
    /// namespace, as verify compares: every document inserted (or, with
    /// --merge, inserted or already there). Any difference fails the component.
    private func crossCheck(_ outcome: MongoRestorer.Outcome, against artifact: Manifest.Artifact, in id: BackupSetID,
                            mode: RestoreJob.Options.MongoMode) throws {
        guard let summary = artifact.mongo else { return }
        let expected = Dictionary(summary.namespaces.map { ($0.namespace, $0) }, uniquingKeysWith: { a, _ in a })
        var problems: [String] = []
        for restored in outcome.namespaces where restored.type != "view" {
            guard let want = expected[restored.source] else {
                problems.append("\(restored.source) is in the archive but not in the manifest")
                continue
            }
            let accounted = mode == .merge ? restored.inserted + restored.duplicates : restored.inserted
            if accounted != want.documents {
                let what = mode == .merge ? "\(restored.inserted) inserted and \(restored.duplicates) already there" : "\(restored.inserted) documents restored"
                problems.append("\(restored.target): \(what)\(mode != .merge && restored.duplicates > 0 ? ", \(restored.duplicates) refused as duplicates" : ""), the manifest says \(want.documents)")
            }
        }
        guard problems.isEmpty else {
            throw LifeboatError(.dataError, "the MongoDB restore of \(id) does not match its manifest: " + problems.prefix(10).joined(separator: "; "),
                                hint: "`lifeboat verify \(id)` checks the set; restore another set if it fails")
        }
    }
}
