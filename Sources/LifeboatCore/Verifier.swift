import ByteStreams
import FileSources
import Foundation
import LifeboatCrypto
import Storage

/// Checks a set against its manifest: every artifact's SHA-256 and size,
/// then its inner structure (decompressed, every tar header and data byte
/// read to the end) and its counts.
public struct Verifier: Sendable {
    public let tier: any StorageTier
    public let console: Console

    public init(tier: any StorageTier, console: Console = .standardError) {
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

    public struct Report: Sendable, Codable {
        public let id: BackupSetID
        public let tier: String
        public let artifacts: [ArtifactReport]
        public var passed: Bool { artifacts.allSatisfy(\.passed) }
        public var problems: [String] { artifacts.flatMap { a in a.problems.map { "\(a.file): \($0)" } } }
    }

    /// Verifies and records the outcome beside the manifest.
    public func verify(_ manifest: Manifest, record: Bool = true) throws -> Report {
        var reports: [ArtifactReport] = []
        for artifact in manifest.artifacts {
            reports.append(check(artifact, in: manifest.id))
        }
        let report = Report(id: manifest.id, tier: tier.name, artifacts: reports)
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

    private func check(_ artifact: Manifest.Artifact, in id: BackupSetID) -> ArtifactReport {
        let key = "\(id)/\(artifact.file)"
        var problems: [String] = []
        var digest: String?
        var count: Int64?
        do {
            let hashing = try HashingSource(tier.open(key: key))
            do {
                let found = try TreeArtifact.inspect(hashing)
                if let expected = artifact.tree, !expected.sameContents(as: found) {
                    problems.append("contents differ from the manifest: expected \(expected.countsDescription), found \(found.countsDescription)")
                }
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
        } catch StorageError.notFound {
            problems.append("missing from the \(tier.name) tier")
        } catch {
            problems.append("cannot be read: \(error)")
        }
        return ArtifactReport(component: artifact.component, file: artifact.file, expectedSHA256: artifact.sha256, foundSHA256: digest,
                              expectedBytes: artifact.storedBytes, foundBytes: count, problems: problems)
    }
}
