import ByteStreams
import FileSources
import LifeboatConfiguration
import Foundation
import LifeboatCrypto
import MongoSource
import StreamCompression
import Storage

/// Checks a set against its manifest: every artifact's SHA-256 and size,
/// then its inner structure (decompressed, every tar header and data byte
/// read to the end) and its counts.
public struct Verifier: Sendable {
    public let tier: any StorageTier
    public let console: Console

    private let settings: Settings?

    public init(tier: any StorageTier, console: Console = .standardError, settings: Settings? = nil) {
        self.settings = settings
        self.tier = tier
        self.console = console
    }

    public struct ArtifactReport: Sendable, Codable {
        public let component: Component
        public let file: String
        public let expectedSHA256: String
        public let foundSHA256: String?
        public let expectedBytes: Int64
        public let foundBytes: Int64?
        /// The artifact's own faults.
        public let problems: [String]
        /// Why the artifact could not be checked (the check's fault, not the artifact's).
        public var notChecked: String?
        public var passed: Bool { problems.isEmpty && notChecked == nil }
        public var state: VerificationRecord.State { !problems.isEmpty ? .failed : notChecked != nil ? .notChecked : .passed }
    }

    public struct DeepRow: Sendable, Codable {
        public var namespace: String
        public var expectedDocuments: Int
        public var foundDocuments: Int?
        public var expectedDigest: String
        public var foundDigest: String?
        public var passed: Bool
    }

    public struct Report: Sendable, Codable {
        public let id: BackupSetID
        public let tier: String
        public let artifacts: [ArtifactReport]
        /// With --deep: per MongoDB namespace, expected against found after a test restore.
        public var deepMongo: [DeepRow]?
        /// Faults of the set found beyond single artifacts (a broken chain, a test restore that differs).
        public var deepProblems: [String] = []
        /// Checks that could not run, with why (a server down, no key): not the set's fault.
        public var notChecked: [String] = []
        public var state: VerificationRecord.State {
            if !problems.isEmpty { return .failed }
            return notChecked.isEmpty && artifacts.allSatisfy({ $0.notChecked == nil }) ? .passed : .notChecked
        }
        public var passed: Bool { state == .passed }
        public var failed: Bool { state == .failed }
        public var problems: [String] { artifacts.flatMap { a in a.problems.map { "\(a.file): \($0)" } } + deepProblems }
        /// Everything that was not checked, artifacts' reasons included.
        public var unchecked: [String] { artifacts.compactMap { a in a.notChecked.map { "\(a.file): \($0)" } } + notChecked }
    }

    /// Verifies and records the outcome beside the manifest. With
    /// `deepMongoURI`, the mongo artifact is also test-restored there.
    public func verify(_ manifest: Manifest, record: Bool = true, deepMongoURI: String? = nil) throws -> Report {
        let encryption = try Encryption(settings ?? Settings(backupDirectory: tier.location))
        if let encrypted = manifest.artifacts.first(where: { $0.encryption != nil }), !encryption.canDecrypt {
            throw LifeboatError.usage("\(encrypted.file) is encrypted: its contents cannot be checked without a key",
                                      hint: Encryption.keyHint(encrypted))
        }
        var reports: [ArtifactReport] = []
        for artifact in manifest.artifacts {
            reports.append(check(artifact, in: manifest.id, encryption: encryption))
        }
        var report = Report(id: manifest.id, tier: tier.name, artifacts: reports)
        report.deepProblems += chainProblems(manifest)
        if let uri = deepMongoURI, let artifact = manifest.artifact(.mongo), let expected = artifact.mongo {
            if reports.first(where: { $0.component == .mongo })?.passed != true {
                report.notChecked.append("test restore: not run, the MongoDB artifact did not pass its own check")
            } else {
                console.info("test restore of \(artifact.file) into scratch databases…")
                do {
                    let source = try encryption.contents(of: artifact, from: tier.open(key: "\(manifest.id)/\(artifact.file)"))
                    let tag = String(manifest.id.rawValue.suffix(4)) + String(format: "%04x", UInt16.random(in: 0...UInt16.max))
                    let rows = try MongoDeepVerifier(uri: uri, parallel: settings?.mongo.parallelCollections ?? 4,
                                                             insertion: settings?.mongo.insertionParallelism ?? .automatic).verify(source, expected: expected, tag: tag)
                    report.deepMongo = rows.map {
                        DeepRow(namespace: $0.namespace, expectedDocuments: $0.expectedDocuments, foundDocuments: $0.foundDocuments,
                                expectedDigest: $0.expectedDigest, foundDigest: $0.foundDigest, passed: $0.passed)
                    }
                    report.deepProblems += rows.filter { !$0.passed }.map { row in
                        "test restore of \(row.namespace): expected \(row.expectedDocuments) documents, found \(row.foundDocuments.map(String.init) ?? "none")"
                            + (row.foundDocuments == row.expectedDocuments ? " with different content" : "")
                    }
                } catch {
                    let message = LifeboatError.wrap(error, doing: "test restore").message
                    switch VerificationFault.classify(error) {
                    case .artifact: report.deepProblems.append("test restore failed: \(message)")
                    case .check(let reason): report.notChecked.append("test restore could not run: \(Redaction.redactURLCredentials(in: reason))")
                    }
                }
            }
        }
        if record {
            self.record(report, of: manifest)
        }
        return report
    }

    /// Writes `verification.json`. Verdicts of artifacts that could not be
    /// checked this time are carried over from the last record, so a
    /// passing set stays passed, and a damaged one failed, through an outage.
    private func record(_ report: Report, of manifest: Manifest) {
        let key = "\(manifest.id)/\(VerificationRecord.fileName)"
        let previous = (try? tier.get(key: key)).flatMap { try? VerificationRecord.decode($0) }
        var verdicts: [VerificationRecord.ArtifactVerdict] = []
        for artifact in report.artifacts {
            var verdict = VerificationRecord.ArtifactVerdict(component: artifact.component, file: artifact.file, state: artifact.state, problems: artifact.problems)
            if artifact.state == .notChecked, let earlier = previous?.artifacts?.first(where: { $0.file == artifact.file }), earlier.state != .notChecked {
                verdict = earlier
            }
            verdicts.append(verdict)
        }
        // Failed when an artifact (now, or carried over) or the set is at
        // fault; passed when every artifact passed and every check ran.
        let state: VerificationRecord.State
        if verdicts.contains(where: { $0.state == .failed }) || !report.deepProblems.isEmpty {
            state = .failed
        } else if verdicts.allSatisfy({ $0.state == .passed }) && report.notChecked.isEmpty {
            state = .passed
        } else {
            state = .notChecked
        }
        let problems = verdicts.flatMap { v in v.problems.map { "\(v.file): \($0)" } } + report.deepProblems
        let now = Date()
        let deep = report.deepMongo != nil
        let verification = VerificationRecord(state: state, checkedAt: now, toolVersion: LifeboatVersion.current, problems: problems,
                                              artifacts: verdicts, notChecked: report.unchecked.isEmpty ? nil : report.unchecked,
                                              depth: deep ? .deep : .quick,
                                              deepPassedAt: deep && state == .passed ? now : previous?.deepPassedAt)
        do {
            try tier.put(key: key, bytes: try verification.encoded())
        } catch {
            console.warn("could not record the verification result: \(error)")
        }
    }

    /// An incremental's links: its parent is in this tier, and its oplog
    /// starts where the parent's ended.
    func chainProblems(_ manifest: Manifest) -> [String] {
        guard let parentID = manifest.parent else { return [] }
        guard let parent = try? SetCatalog(tier: tier).loadManifest(parentID) else {
            return ["its parent \(parentID) is missing from the \(tier.name) tier: the chain is broken"]
        }
        if let gap = MongoRestore.oplogGap(manifest, parent) { return [gap] }
        if manifest.base != (parent.base ?? parent.id) {
            return ["its base \(manifest.base?.rawValue ?? "none") is not its parent's chain base \((parent.base ?? parent.id).rawValue)"]
        }
        return []
    }

    private func check(_ artifact: Manifest.Artifact, in id: BackupSetID, encryption: Encryption) -> ArtifactReport {
        let key = "\(id)/\(artifact.file)"
        var problems: [String] = []
        var notChecked: String?
        var digest: String?
        var count: Int64?
        func classify(_ error: any Error, _ what: String) {
            switch VerificationFault.classify(error) {
            case .artifact(let reason): problems.append("\(what): \(reason)")
            case .check(let reason): notChecked = notChecked ?? reason
            }
        }
        do {
            console.meter?.begin("verify \(artifact.component.rawValue)")
            let stored = try tier.open(key: key)
            let hashing = try HashingSource(console.meter.map { ProgressSource(stored, meter: $0) } ?? stored)
            do {
                problems += try artifact.component.handler.checkContents(artifact, from: encryption.contents(of: artifact, from: hashing))
            } catch {
                classify(error, "cannot be read to the end")
            }
            if notChecked == nil {
                // The hash covers the whole stored object, even after a content
                // error: a mismatch then names the cause.
                digest = try hashing.finishHex()
                count = Int64(hashing.count)
                if digest != artifact.sha256 {
                    problems.insert("SHA-256 mismatch: manifest \(artifact.sha256), stored bytes \(digest!)", at: 0)
                }
                if count != artifact.storedBytes {
                    problems.insert("size mismatch: manifest \(artifact.storedBytes) bytes, stored \(count!) bytes", at: 0)
                }
            }
        } catch {
            classify(error, "cannot be read")
        }
        if let index = artifact.index {
            do {
                let indexHashing = try HashingSource(tier.open(key: "\(id)/\(index.file)"))
                try indexHashing.drain()
                if try indexHashing.finishHex() != index.sha256 || Int64(indexHashing.count) != index.storedBytes {
                    problems.append("its index \(index.file) does not match the manifest")
                }
            } catch StorageError.notFound {
                problems.append("its index \(index.file) is missing from the \(tier.name) tier")
            } catch {
                classify(error, "its index \(index.file) cannot be read")
            }
        }
        if !problems.isEmpty { notChecked = nil }
        var report = ArtifactReport(component: artifact.component, file: artifact.file, expectedSHA256: artifact.sha256, foundSHA256: digest,
                                    expectedBytes: artifact.storedBytes, foundBytes: count, problems: problems)
        report.notChecked = notChecked
        return report
    }
}
