import ByteStreams
import FileSources
import Configuration
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
        public let problems: [String]
        public var passed: Bool { problems.isEmpty }
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
        public var deepProblems: [String] = []
        public var passed: Bool { artifacts.allSatisfy(\.passed) && deepProblems.isEmpty }
        public var problems: [String] { artifacts.flatMap { a in a.problems.map { "\(a.file): \($0)" } } + deepProblems }
    }

    /// Verifies and records the outcome beside the manifest. With
    /// `deepMongoURI`, the mongo artifact is also test-restored there.
    public func verify(_ manifest: Manifest, record: Bool = true, deepMongoURI: String? = nil, parallel: Int = 4) throws -> Report {
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
        if let uri = deepMongoURI, let artifact = manifest.artifact(.mongo), let expected = artifact.mongo,
           reports.first(where: { $0.component == .mongo })?.passed == true {
            console.info("test restore of \(artifact.file) into scratch databases…")
            do {
                let source = try encryption.contents(of: artifact, from: tier.open(key: "\(manifest.id)/\(artifact.file)"))
                let tag = String(manifest.id.rawValue.suffix(4)) + String(format: "%04x", UInt16.random(in: 0...UInt16.max))
                let rows = try MongoDeepVerifier(uri: uri, parallel: parallel).verify(source, expected: expected, tag: tag)
                report.deepMongo = rows.map {
                    DeepRow(namespace: $0.namespace, expectedDocuments: $0.expectedDocuments, foundDocuments: $0.foundDocuments,
                            expectedDigest: $0.expectedDigest, foundDigest: $0.foundDigest, passed: $0.passed)
                }
                report.deepProblems = rows.filter { !$0.passed }.map { row in
                    "test restore of \(row.namespace): expected \(row.expectedDocuments) documents, found \(row.foundDocuments.map(String.init) ?? "none")"
                        + (row.foundDocuments == row.expectedDocuments ? " with different content" : "")
                }
            } catch {
                report.deepProblems = ["test restore failed: \(LifeboatError.wrap(error, doing: "test restore").message)"]
            }
        }
        if record {
            let state: VerificationRecord.State = report.passed ? .passed : .failed
            let verification = VerificationRecord(state: state, checkedAt: Date(), toolVersion: LifeboatVersion.current, problems: report.problems)
            do {
                try tier.put(key: "\(manifest.id)/\(VerificationRecord.fileName)", bytes: try verification.encoded())
            } catch {
                console.warn("could not record the verification result: \(error)")
            }
        }
        return report
    }

    /// An incremental's links: its parent is in this tier, and its oplog
    /// starts where the parent's ended.
    func chainProblems(_ manifest: Manifest) -> [String] {
        guard let parentID = manifest.parent else { return [] }
        guard let parent = try? SetCatalog(tier: tier).loadManifest(parentID) else {
            return ["its parent \(parentID) is missing from the \(tier.name) tier: the chain is broken"]
        }
        if let start = manifest.artifact(.mongo)?.mongo?.oplog?.start, let end = parent.artifact(.mongo)?.mongo?.oplog?.end, start != end {
            return ["its oplog starts at \(start) but its parent \(parentID) ends at \(end): the chain has a gap"]
        }
        if manifest.base != (parent.base ?? parent.id) {
            return ["its base \(manifest.base?.rawValue ?? "none") is not its parent's chain base \((parent.base ?? parent.id).rawValue)"]
        }
        return []
    }

    private func check(_ artifact: Manifest.Artifact, in id: BackupSetID, encryption: Encryption) -> ArtifactReport {
        let key = "\(id)/\(artifact.file)"
        var problems: [String] = []
        var digest: String?
        var count: Int64?
        do {
            console.meter?.begin("verify \(artifact.component.rawValue)")
            let stored = try tier.open(key: key)
            let hashing = try HashingSource(console.meter.map { ProgressSource(stored, meter: $0) } ?? stored)
            do {
                problems += try ArtifactInspection.checkContents(artifact, from: encryption.contents(of: artifact, from: hashing))
            } catch {
                problems.append("cannot be read to the end: \(error)")
            }
            digest = try hashing.finishHex()
            count = Int64(hashing.count)
            if digest != artifact.sha256 {
                problems.insert("SHA-256 mismatch: manifest \(artifact.sha256), stored bytes \(digest!)", at: 0)
            }
            if count != artifact.storedBytes {
                problems.insert("size mismatch: manifest \(artifact.storedBytes) bytes, stored \(count!) bytes", at: 0)
            }
            if let index = artifact.index {
                let indexHashing = try HashingSource(tier.open(key: "\(id)/\(index.file)"))
                try indexHashing.drain()
                if try indexHashing.finishHex() != index.sha256 || Int64(indexHashing.count) != index.storedBytes {
                    problems.append("its index \(index.file) does not match the manifest")
                }
            }
        } catch StorageError.notFound {
            problems.append("missing from the \(tier.name) tier")
        } catch {
            problems.append("cannot be read: \(error)")
        }
        return ArtifactReport(component: artifact.component, file: artifact.file, expectedSHA256: artifact.sha256, foundSHA256: digest,
                              expectedBytes: artifact.storedBytes, foundBytes: count, problems: problems)
    }
}
